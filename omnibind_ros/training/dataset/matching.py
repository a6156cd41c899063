"""Group samples of different modalities into combinations (paper Sec. 3.4).

A *scene unit* is what is known to belong together: one source's samples that share a group
(modality clashes inside a group, e.g. two cameras, open a second unit). Every unit becomes one
combination, completed for each modality it lacks with a partner of the same label and split:

- label-level matching: any unit of the label that has the modality will do; partners are
  taken round-robin from a seeded shuffle so every sample is used about equally often.
- sample-level matching (optional): the partner showing the same scene (equal ``group``) if
  there is one, else the one whose description is most similar (cosine of text embeddings from
  the caller's ``embed_fn``); label-level choice when neither applies.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.training.dataset.combinations import Combination
from omnibind_ros.training.dataset.errors import DatasetError
from omnibind_ros.training.dataset.manifest import SampleRecord

# Texts in, one embedding per text out: (N, D), any scale (rows are normalised here).
EmbedFn = Callable[[list[str]], np.ndarray]


@dataclass
class SceneUnit:
    source: str
    split: str
    label: str
    group: str
    samples: dict[str, str] = field(default_factory=dict)  # modality -> sample id
    descriptions: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        return " ".join(dict.fromkeys(self.descriptions))


def scene_units(records: Sequence[SampleRecord]) -> list[SceneUnit]:
    """Units in order of first appearance; raises DatasetError if a group mixes labels/splits."""
    by_group: dict[tuple[str, str], list[SceneUnit]] = defaultdict(list)
    units: list[SceneUnit] = []
    for record in records:
        source = record.source or ""
        group_units = by_group[(source, record.group)]
        if group_units and (group_units[0].label, group_units[0].split) != (
            record.label,
            record.split,
        ):
            first = group_units[0]
            raise DatasetError(
                f"sample {record.id!r} is {record.label!r}/{record.split} but group "
                f"{record.group!r} of source {source!r} is {first.label!r}/{first.split}"
            )
        unit = next((u for u in group_units if not set(u.samples) & set(record.files)), None)
        if unit is None:
            unit = SceneUnit(source, record.split, record.label, record.group)
            group_units.append(unit)
            units.append(unit)
        unit.samples.update(dict.fromkeys(record.files, record.id))
        if record.description:
            unit.descriptions.append(record.description)
    return units


class _PartnerChooser:
    """Picks, for a unit and a modality it lacks, the unit that supplies that modality."""

    def __init__(
        self, units: list[SceneUnit], sample_level: bool, embed_fn: EmbedFn | None, seed: int
    ) -> None:
        self._sample_level = sample_level
        rng = np.random.default_rng(seed)
        self._candidates: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for index, unit in enumerate(units):
            for modality in unit.samples:
                self._candidates[(unit.split, unit.label, modality)].append(index)
        self._label_modalities: dict[tuple[str, str], list[str]] = defaultdict(list)
        for split, label, modality in self._candidates:
            self._label_modalities[(split, label)].append(modality)
        self._round_robin: dict[tuple[str, str, str], Iterator[int]] = {
            key: itertools.cycle(rng.permutation(indices).tolist())
            for key, indices in sorted(self._candidates.items())
        }
        self._units = units
        # First unit per (split, label, modality, group): same-scene lookups in O(1).
        self._by_group: dict[tuple[str, str, str, str], int] = {}
        for (split, label, modality), indices in self._candidates.items():
            for i in indices:
                self._by_group.setdefault((split, label, modality, units[i].group), i)
        self._embeddings = (
            _description_embeddings(units, embed_fn) if sample_level and embed_fn else {}
        )
        self._described: dict[tuple[str, str, str], tuple[list[int], np.ndarray | None]] = {}

    def modalities_of(self, unit: SceneUnit) -> list[str]:
        """Every modality that some unit of the same label and split has, in fixed order."""
        present = self._label_modalities[(unit.split, unit.label)]
        return [m for m in SENSOR_MODALITIES if m in present]

    def partner(self, anchor_index: int, modality: str) -> SceneUnit:
        anchor = self._units[anchor_index]
        key = (anchor.split, anchor.label, modality)
        if self._sample_level:
            chosen = self._same_scene(anchor, key)
            if chosen is None:
                chosen = self._most_similar(anchor_index, key)
            if chosen is not None:
                return self._units[chosen]
        return self._units[next(self._round_robin[key])]

    def _same_scene(self, anchor: SceneUnit, key: tuple[str, str, str]) -> int | None:
        return self._by_group.get((*key, anchor.group))

    def _most_similar(self, anchor_index: int, key: tuple[str, str, str]) -> int | None:
        if anchor_index not in self._embeddings:
            return None
        if key not in self._described:  # stacked once per label and modality
            described = [i for i in self._candidates[key] if i in self._embeddings]
            vectors = np.stack([self._embeddings[i] for i in described]) if described else None
            self._described[key] = (described, vectors)
        described, vectors = self._described[key]
        if not described:
            return None
        return described[int(np.argmax(vectors @ self._embeddings[anchor_index]))]


def _description_embeddings(units: list[SceneUnit], embed_fn: EmbedFn) -> dict[int, np.ndarray]:
    described = [i for i, unit in enumerate(units) if unit.description]
    if not described:
        return {}
    vectors = np.asarray(embed_fn([units[i].description for i in described]), dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) != len(described) or not np.isfinite(vectors).all():
        raise ValueError(
            f"embed_fn must return {len(described)} finite embeddings as an (N, D) array, "
            f"got shape {vectors.shape}"
        )
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return dict(zip(described, vectors / np.maximum(norms, 1e-12), strict=True))


def match_combinations(
    records: Sequence[SampleRecord],
    *,
    sample_level: bool = False,
    embed_fn: EmbedFn | None = None,
    seed: int = 0,
) -> list[Combination]:
    """One combination per scene unit, completed with partners; duplicates dropped.

    ``records`` must carry canonical labels already (see ``aliases.LabelAliases``).
    Description similarity is used only with ``sample_level`` and an ``embed_fn``.
    """
    units = scene_units(records)
    chooser = _PartnerChooser(units, sample_level, embed_fn, seed)
    combinations: list[Combination] = []
    seen: set[tuple] = set()
    for index, unit in enumerate(units):
        samples = dict(unit.samples)
        for modality in chooser.modalities_of(unit):
            if modality not in samples:
                samples[modality] = chooser.partner(index, modality).samples[modality]
        key = (unit.split, unit.label, tuple(sorted(samples.items())))
        if key in seen:
            continue
        seen.add(key)
        combinations.append(
            Combination(f"c{len(combinations):06d}", unit.label, unit.split, samples)
        )
    return combinations
