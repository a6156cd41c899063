"""Models for node tests.

``untrained_model`` has random encoders: for plumbing (hot-plug, bad input, parameters), never
for accuracy. ``trained_model`` is the shipped default bundle when it exists; otherwise a
small bundle trained once per test session with the project's own stages (teacher, CAD, AF) on
a few hundred simulated scenes, cached under .pytest_cache so later sessions reuse it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from core_fixtures import LABELS

from omnibind_ros.core.bundle import load_bundle
from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.paths import default_bundle_path

ROOT = Path(__file__).resolve().parent.parent
SMALL_RUN = ROOT / ".pytest_cache" / "omnibind_small_bundle"
# Small enough for a few minutes on 2 cores, large enough to be far above chance.
SMALL_TRAINING = {
    "bundle": None,
    "data": {
        "sim": {
            "teacher_scenes": 600,
            "student_scenes": 160,
            "fusion_scenes": 300,
            "test_scenes": 20,
            "workers": 1,
        }
    },
    **{
        stage: {"loop": {"steps": steps, "batch_size": 64, "threads": 1, "checkpoint_every": steps}}
        for stage, steps in (("teacher", 80), ("cad", 60), ("af", 80))
    },
}


def untrained_model() -> OmniBindModel:
    """A fresh model with random encoders (cheap after the first: the text teacher is shared)."""
    return OmniBindModel(ModelConfig(), LABELS)


@functools.cache
def trained_bundle_path() -> Path:
    if default_bundle_path().is_file():
        return default_bundle_path()
    bundle = SMALL_RUN / "af.omnibind"
    if not bundle.is_file():
        _train_small_bundle()
    return bundle


def trained_model() -> OmniBindModel:
    return load_bundle(trained_bundle_path())


def _train_small_bundle() -> None:
    from omnibind_ros.training.af import run_af
    from omnibind_ros.training.cad import run_cad
    from omnibind_ros.training.config import load_config
    from omnibind_ros.training.teacher import run_teacher

    overrides = {**SMALL_TRAINING, "out_dir": str(SMALL_RUN), "cache_dir": str(SMALL_RUN / "cache")}
    config = load_config(ROOT / "omnibind_ros" / "training" / "configs" / "default.yaml", overrides)
    for stage in (run_teacher, run_cad, run_af):
        stage(config)
