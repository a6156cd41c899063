"""The data each stage trains and is evaluated on, from the simulated world or a manifest.

Simulated scenes come from disjoint index ranges of one world seed, so no scene is used by
two purposes (unequal scale: abundant images, a few hundred scenes per student, a separate
modality-free set for stage II); the held-out test set comes from another world seed.

A dataset's splits come from its manifest; with ``data.fusion_holdout`` a share of the train
groups is kept from teacher and students for stage II (``training.holdout``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.modalities import STUDENT_MODALITIES
from omnibind_ros.training.config import TrainConfig
from omnibind_ros.training.runner import DistContext
from omnibind_ros.training.scenes import SceneSet

log = logging.getLogger(__name__)

# Index ranges of the sim world: far enough apart that no configured size makes them overlap.
_TEACHER_START = 0
_STUDENT_START = 1_000_000
_STUDENT_STRIDE = 100_000
_FUSION_START = 2_000_000
_RANGE_LIMIT = 100_000


def _preprocess_params(model_config: ModelConfig, modalities: list[str]) -> dict[str, dict]:
    return {m: model_config.encoders[m].preprocess for m in modalities}


def _sim(config: TrainConfig, seed: int, start: int, count: int, modalities: list[str], desc: str):
    from omnibind_ros.training.sim_scenes import (
        sim_scene_set,  # imports the simulator only when used
    )

    if count > _RANGE_LIMIT:
        raise ConfigError(f"data.sim: at most {_RANGE_LIMIT} scenes per set, got {count}")
    return _rank0_first(
        lambda: sim_scene_set(
            seed,
            range(start, start + count),
            modalities,
            _preprocess_params(config.model_config(), modalities),
            Path(config.cache_dir) if config.cache_dir else None,
            workers=config.data.sim.workers,
            desc=desc,
        )
    )


def _rank0_first(build):
    """Under torchrun rank 0 renders and caches first; the other ranks then read its cache."""
    ctx = DistContext.from_env()
    if not ctx.distributed or not torch.distributed.is_initialized():
        return build()
    if ctx.is_main:
        result = build()
        torch.distributed.barrier()
        return result
    torch.distributed.barrier()
    return build()


def _manifest(
    config: TrainConfig, split: str, modalities: list[str], desc: str, **options
) -> SceneSet:
    from omnibind_ros.training.manifest_scenes import manifest_scene_set

    return manifest_scene_set(
        config.data.manifest_dir,
        split,
        modalities,
        _preprocess_params(config.model_config(), modalities),
        desc=desc,
        cache_dir=Path(config.cache_dir) if config.cache_dir else None,
        **options,
    )


def _reserved(config: TrainConfig) -> tuple[list, set[str]]:
    """The dataset's records and the ids of those reserved for stage II."""
    from omnibind_ros.training.dataset.manifest import read_manifest
    from omnibind_ros.training.holdout import reserved_ids

    records = read_manifest(config.data.manifest_dir)
    return records, reserved_ids(records, config.data.holdout, config.seed)


def teacher_scenes(config: TrainConfig) -> SceneSet:
    """Image-label pairs for teacher alignment."""
    if config.data.manifest_dir is not None:
        records, reserved = _reserved(config)
        only = [r.id for r in records if r.id not in reserved] if reserved else None
        return _manifest(config, "train", ["image"], "teacher data", only=only)
    sim = config.data.sim
    return _sim(config, sim.world_seed, _TEACHER_START, sim.teacher_scenes, ["image"], "teacher")


def student_scenes(config: TrainConfig, student: str) -> SceneSet:
    """A student's scarce data, each scene paired with the image of the same scene."""
    if config.data.manifest_dir is not None:
        from omnibind_ros.training.dataset.combinations import read_combinations

        records, reserved = _reserved(config)
        kept = None
        if reserved:  # the image may be reserved: the frozen teacher only supplies targets
            kept = [
                c
                for c in read_combinations(config.data.manifest_dir, records)
                if c.split == "train" and c.samples.get(student) not in reserved | {None}
            ]
        return _manifest(
            config, "train", ["image", student], f"{student} data", require_all=True,
            combinations=kept,
        )  # fmt: skip
    sim = config.data.sim
    start = _STUDENT_START + STUDENT_MODALITIES.index(student) * _STUDENT_STRIDE
    return _sim(config, sim.world_seed, start, sim.student_scenes, ["image", student], student)


def fusion_scenes(config: TrainConfig, modalities: list[str]) -> SceneSet:
    """The modality-free set of stage II: scenes seen by several sensors at once."""
    if config.data.manifest_dir is not None:
        from omnibind_ros.training.dataset.combinations import read_combinations
        from omnibind_ros.training.holdout import fusion_combinations

        records, reserved = _reserved(config)
        derived = None
        if reserved:
            everything = read_combinations(config.data.manifest_dir, records)
            derived = fusion_combinations(everything, records, config.data.holdout, config.seed)
        return _manifest(config, "train", modalities, "fusion data", combinations=derived)
    sim = config.data.sim
    return _sim(config, sim.world_seed, _FUSION_START, sim.fusion_scenes, modalities, "fusion")


def held_out_scenes(config: TrainConfig, modalities: list[str]) -> SceneSet:
    """Held-out scenes for evaluation and the report."""
    if config.data.manifest_dir is not None:
        return _manifest(config, "test", modalities, "test data")
    sim = config.data.sim
    return _sim(config, sim.test_world_seed, 0, sim.test_scenes, modalities, "test")
