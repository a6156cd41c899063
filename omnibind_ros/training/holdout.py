"""Stage II on data the teacher and students never trained on (``data.fusion_holdout``).

Trained encoders are near-perfect on the samples they were fitted to, so a fusion module
trained on those samples' embeddings learns to trust every sensor more than held-out data
warrants. For a dataset source, a seeded share of each train split's groups is therefore
*reserved*: teacher alignment and stage I never read reserved samples, stage II reads only
them. A group is reserved as a whole (hash of its name), so samples of one scene, and
same-group samples of several sources, stay on one side.

Stage II's examples are the train combinations that hold a reserved sample, with each
non-reserved member replaced by a reserved sample of the same modality and label (taken in
turn from a seeded shuffle, as label-level matching does); a modality with no reserved
sample of that label is left out of the example.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence

from omnibind_ros.training.dataset.combinations import Combination
from omnibind_ros.training.dataset.manifest import SampleRecord


def is_reserved(record: SampleRecord, fraction: float, seed: int) -> bool:
    """Whether ``record`` (a train sample) belongs to stage II's share of the groups."""
    if fraction <= 0 or record.split != "train":
        return False
    digest = hashlib.sha256(f"{seed}:{record.group}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def reserved_ids(records: Sequence[SampleRecord], fraction: float, seed: int) -> set[str]:
    return {r.id for r in records if is_reserved(r, fraction, seed)}


def fusion_combinations(
    combinations: Sequence[Combination],
    records: Sequence[SampleRecord],
    fraction: float,
    seed: int,
) -> list[Combination]:
    """Stage II's train examples built from reserved samples only (module docstring)."""
    by_id = {r.id: r for r in records}
    reserved = reserved_ids(records, fraction, seed)
    pools: dict[tuple[str, str], list[str]] = defaultdict(list)
    for sample_id in sorted(reserved):
        record = by_id[sample_id]
        for modality in record.files:
            pools[(modality, record.label)].append(sample_id)
    rng = random.Random(seed)
    for pool in pools.values():
        rng.shuffle(pool)
    turn: dict[tuple[str, str], int] = defaultdict(int)
    chosen = []
    for combination in combinations:
        if combination.split != "train" or not reserved & set(combination.samples.values()):
            continue
        samples = {}
        for modality, sample_id in combination.samples.items():
            if sample_id in reserved:
                samples[modality] = sample_id
            elif pool := pools.get((modality, combination.label)):
                key = (modality, combination.label)
                samples[modality] = pool[turn[key] % len(pool)]
                turn[key] += 1
        chosen.append(Combination(combination.id, combination.label, "train", samples))
    return chosen
