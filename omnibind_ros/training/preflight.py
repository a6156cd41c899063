"""The checks a run makes against its dataset before any training starts.

A config that names modalities the dataset lacks, students without image pairs, or a hold-out
that leaves stage II too few examples would otherwise fail after the teacher stage has
trained for an hour. ``check_dataset`` reads only the manifest and combinations (no sample
file) and raises one ConfigError naming what is missing and the setting that fixes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.training.config import TrainConfig
from omnibind_ros.training.dataset.combinations import COMBINATIONS_NAME, read_combinations
from omnibind_ros.training.dataset.manifest import MANIFEST_NAME, SPLITS, read_manifest
from omnibind_ros.training.holdout import fusion_combinations, reserved_ids


@dataclass(frozen=True)
class DatasetPlan:
    """What each stage of a run reads from the dataset (counts)."""

    samples: dict[str, Counter[str]]  # split -> modality -> samples
    combinations: dict[str, Counter[tuple[str, ...]]]  # split -> modality set -> count
    teacher_images: int  # train images outside the stage II hold-out
    student_pairs: dict[str, int]  # student -> train (image, student) pairs it trains on
    fusion_examples: int  # stage II examples
    reserved_samples: int  # train samples kept for stage II


def _fix_encoders(available: list[str]) -> str:
    students = [m for m in available if m != "image"]
    encoders = ", ".join(f"{m}: {{}}" for m in available)
    return f"model: {{encoders: {{{encoders}}}}} and cad: {{students: [{', '.join(students)}]}}"


def dataset_plan(config: TrainConfig) -> DatasetPlan:
    """Count what each stage would read; DatasetError if the files cannot be read."""
    root = config.data.manifest_dir
    records = read_manifest(root)
    combinations = read_combinations(root, records)
    samples = {split: Counter() for split in SPLITS}
    for record in records:
        samples[record.split].update(record.files.keys())
    combos = {split: Counter() for split in SPLITS}
    for combination in combinations:
        combos[combination.split][tuple(sorted(combination.samples))] += 1
    reserved = reserved_ids(records, config.data.holdout, config.seed)
    teacher = sum(
        1 for r in records if r.split == "train" and "image" in r.files and r.id not in reserved
    )
    pairs = {
        student: sum(
            1
            for c in combinations
            if c.split == "train"
            and "image" in c.samples
            and c.samples.get(student) not in reserved | {None}
        )
        for student in config.cad.students
    }
    if reserved:
        fusion = len(fusion_combinations(combinations, records, config.data.holdout, config.seed))
    else:
        fusion = sum(1 for c in combinations if c.split == "train")
    return DatasetPlan(samples, combos, teacher, pairs, fusion, len(reserved))


def check_dataset(config: TrainConfig, stages: tuple[str, ...]) -> DatasetPlan | None:
    """Raise ConfigError when the dataset cannot feed ``stages`` as configured; None for sim."""
    root = config.data.manifest_dir
    if root is None:
        return None
    where = f"data.source.manifest: {root}"
    if not (root / MANIFEST_NAME).is_file():
        raise ConfigError(
            f"{where} has no {MANIFEST_NAME}; build a dataset there with "
            f"`omnibind dataset build --source DIR --out {root}`"
        )
    if not (root / COMBINATIONS_NAME).is_file():
        raise ConfigError(
            f"{where} has no {COMBINATIONS_NAME}; run `omnibind dataset build` to write it"
        )
    plan = dataset_plan(config)
    modalities = config.model_config().modalities
    have = [m for m in modalities if plan.samples["train"][m]]
    lacking = [m for m in modalities if not plan.samples["train"][m]]
    if lacking:
        raise ConfigError(
            f"the dataset {root} has no train samples of {', '.join(lacking)}, but "
            f"model.encoders has them; train only what it has: {_fix_encoders(have)}"
        )
    untested = [m for m in modalities if not plan.samples["test"][m]]
    if untested:
        raise ConfigError(
            f"the dataset {root} has no test samples of {', '.join(untested)}: the held-out "
            "numbers need some; give samples of each modality split: test"
        )
    needs = {
        "teacher": [("teacher.loop.batch_size", config.teacher.loop.batch_size,
                     plan.teacher_images, "train images outside the stage II hold-out")],
        "cad": [(f"cad.loop.batch_size ({student})", config.cad.loop.batch_size, count,
                 f"train combinations pairing {student} with an image outside the hold-out")
                for student, count in plan.student_pairs.items()],
        "af": [("af.loop.batch_size", config.af.loop.batch_size, plan.fusion_examples,
                "stage II examples")],
    }  # fmt: skip
    for stage in stages:
        for key, batch, count, what in needs.get(stage, []):
            if count < batch:
                raise ConfigError(
                    f"the dataset {root} has {count} {what}, fewer than {key} = {batch}: lower "
                    f"the batch size, add data, or change data.fusion_holdout "
                    f"(now {config.data.holdout:g})"
                )
    return plan


def dataset_lines(config: TrainConfig) -> list[str]:
    """What a dataset source holds and what each stage read of it, as plain lines (none for
    the simulator)."""
    if config.data.manifest_dir is None:
        return []
    plan = dataset_plan(config)
    lines = []
    for split in SPLITS:
        if not plan.samples[split]:
            continue
        counts = ", ".join(f"{n} {m}" for m, n in sorted(plan.samples[split].items()))
        combos = ", ".join(
            f"{n} {'+'.join(k)}" for k, n in sorted(plan.combinations[split].items())
        )
        lines.append(f"{split}: samples {counts}; combinations {combos or 'none'}")
    students = ", ".join(f"{s} {n}" for s, n in plan.student_pairs.items())
    lines.append(
        f"stage II: {plan.fusion_examples} examples from {plan.reserved_samples} train samples "
        f"kept out of teacher and student training (data.fusion_holdout "
        f"{config.data.holdout:g}); teacher alignment {plan.teacher_images} images; "
        f"students' (image, student) pairs: {students}"
    )
    return lines
