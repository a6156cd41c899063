"""A tiny image + audio dataset from two separately collected sources matched by label: the
shape of a user's own data (class-coloured pictures, class-pitched tones)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml
from dataset_files import write_image, write_wav

from omnibind_ros.training.dataset import SampleRecord, build_dataset, write_manifest

LABELS = ("low", "mid", "high")
TONES_HZ = {"low": 300.0, "mid": 900.0, "high": 2700.0}
COLOURS = {"low": (200, 40, 40), "mid": (40, 200, 40), "high": (40, 40, 200)}


def _images(root: Path, per_label: int, rng: np.random.Generator) -> None:
    records = []
    for label in LABELS:
        for i in range(per_label):
            pixels = np.clip(rng.normal(COLOURS[label], 30, (24, 24, 3)), 0, 255).astype(np.uint8)
            name = f"{label}{i}"
            write_image(root / f"{name}.png", pixels)
            split = "test" if i < per_label // 4 else "train"
            records.append(
                SampleRecord(name, label, f"pic-{name}", split, {"image": f"{name}.png"})
            )
    write_manifest(root, records)


def _tones(root: Path, per_label: int, rng: np.random.Generator) -> None:
    rate, records = 8000, []
    t = np.arange(int(0.5 * rate)) / rate
    for label in LABELS:
        for i in range(per_label):
            wave = 0.5 * np.sin(2 * np.pi * TONES_HZ[label] * t) + rng.normal(0, 0.05, t.shape)
            name = f"{label}{i}"
            write_wav(root / f"{name}.wav", rate, (wave * 20000).astype(np.int16))
            split = "test" if i < per_label // 4 else "train"
            records.append(
                SampleRecord(name, label, f"rec-{name}", split, {"audio": f"{name}.wav"})
            )
    write_manifest(root, records)


def image_audio_dataset(base: Path, per_label: int = 16) -> Path:
    """Sources ``base/pics`` and ``base/tones`` built into ``base/built`` (label-level)."""
    rng = np.random.default_rng(0)
    _images(base / "pics", per_label, rng)
    _tones(base / "tones", per_label, rng)
    build_dataset([base / "pics", base / "tones"], base / "built")
    return base / "built"


def own_config(path: Path, dataset: Path, restrict: bool = True, **overrides) -> Path:
    """A config as docs/training.md's recipe writes it, over the tiny shipped config;
    ``restrict`` limits the model to the dataset's modalities; ``overrides`` merge on top."""
    from omnibind_ros.training.config import _merge
    from omnibind_ros.training.train_cli import DEFAULT_CONFIG

    config = {
        "base": str(DEFAULT_CONFIG.parent / "tiny.yaml"),
        "out_dir": str(path.parent / "run"),
        "cache_dir": str(path.parent / "cache"),
        "data": {"source": {"manifest": str(dataset)}},
        "teacher": {"loop": {"batch_size": 8}},
        "cad": {"loop": {"batch_size": 8}},
        "af": {"loop": {"batch_size": 8}},
    }
    if restrict:
        config["model"] = {"encoders": {"image": {}, "audio": {}}}
        config["cad"].update(students=["audio"], augment=[])
    path.write_text(yaml.safe_dump(_merge(config, overrides)))
    return path
