"""How stages hand the model on: each one starts from a bundle and ends by writing one.

    teacher:  fresh model (random init)      -> OUT/teacher.omnibind
    cad:      OUT/teacher.omnibind (or init) -> OUT/cad.omnibind
    af:       OUT/cad.omnibind (or init)     -> OUT/af.omnibind (+ copied to ``bundle``)

A stage's ``init`` is "previous" (the bundle of the stage before, in the same out_dir),
"fresh" (random weights from the model config; sensible when the image encoder comes from a
pretrained provider), or a bundle path. Only rank 0 writes bundles and timings.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import torch

from omnibind_ros.core.bundle import load_bundle, save_bundle
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.training.config import TrainConfig
from omnibind_ros.training.runner import DistContext, init_distributed, resolve_device

log = logging.getLogger(__name__)

STAGES: tuple[str, ...] = ("teacher", "cad", "af")
TIMINGS_NAME = "timings.json"


def stage_bundle_path(config: TrainConfig, stage: str) -> Path:
    return config.out_path / f"{stage}.omnibind"


def initial_model(config: TrainConfig, stage: str, init: str, labels: Sequence[str]):
    """The model a stage starts from (see the module docstring for ``init``)."""
    if init == "fresh":
        return OmniBindModel(config.model_config(), labels)
    if init == "previous":
        if stage == STAGES[0]:
            raise ConfigError(f"{stage}.init: the first stage has no previous stage")
        previous = STAGES[STAGES.index(stage) - 1]
        path = stage_bundle_path(config, previous)
        if not path.exists():
            raise ConfigError(
                f"{stage}: starts from the {previous} stage's bundle {path}, which does not "
                f"exist; run `omnibind train {previous}` first or set {stage}.init"
            )
    else:
        path = Path(init)
    model = load_bundle(path)
    log.info("%s: starting from %s", stage, path)
    if model.labels != list(labels):
        model.set_labels(labels)
    return model


def write_stage_bundle(config: TrainConfig, stage: str, model: OmniBindModel, meta: dict) -> Path:
    """Save the stage's bundle (rank 0); the final stage also copies it to ``config.bundle``."""
    path = stage_bundle_path(config, stage)
    ctx = DistContext.from_env()
    if ctx.is_main:
        save_bundle(model, path, meta={"stage": stage, **meta})
        if stage == STAGES[-1] and config.bundle:
            Path(config.bundle).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, config.bundle)
            log.info("bundle written to %s", config.bundle)
    if ctx.distributed and torch.distributed.is_initialized():
        torch.distributed.barrier()  # the next stage, on every rank, starts from this file
    return path


def record_timing(config: TrainConfig, name: str, seconds: float) -> None:
    """Merge ``name: seconds`` into OUT/timings.json (what docs/results.md reports)."""
    if not DistContext.from_env().is_main:
        return
    path = config.out_path / TIMINGS_NAME
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[name] = round(seconds, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(timings, indent=2))


def training_device(config_device: str) -> torch.device:
    """Where frozen encoders run to pre-compute embeddings: the loop's device."""
    return resolve_device(config_device, DistContext.from_env())


def join_process_group(config_device: str) -> None:
    """Under torchrun, join the process group now (a no-op for a single process)."""
    ctx = DistContext.from_env()
    init_distributed(ctx, resolve_device(config_device, ctx))
