"""Preprocessed training data held in memory: one array per modality, rows aligned by scene.

Every stage trains on a :class:`SceneSet`: teacher alignment on its images, stage I on a
student's inputs paired with the image of the same scene, stage II on whatever modalities
each scene has. Inputs are stored as float16 (half the memory of 15k images) and widened per
batch; a set is cached on disk as one ``.npy`` per modality so later stages and later runs
skip rendering and preprocessing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from omnibind_ros.core.errors import ConfigError

STORE_DTYPE = np.float16


@dataclass(frozen=True)
class SceneSet:
    """N scenes: ``labels`` index ``classes``; ``inputs[m]`` rows are zero where ``present[m]``
    is False (a scene without that modality)."""

    classes: list[str]
    labels: np.ndarray  # (N,) int64
    inputs: dict[str, np.ndarray]  # modality -> (N, *input_shape) float16
    present: dict[str, np.ndarray]  # modality -> (N,) bool

    def __post_init__(self) -> None:
        n = len(self.labels)
        for modality, array in self.inputs.items():
            if len(array) != n or len(self.present[modality]) != n:
                raise ConfigError(f"scene set: {modality} has {len(array)} rows for {n} labels")

    def __len__(self) -> int:
        return len(self.labels)


def save_scene_set(scenes: SceneSet, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for modality, array in scenes.inputs.items():
        np.save(directory / f"{modality}.npy", array)
        np.save(directory / f"{modality}.present.npy", scenes.present[modality])
    np.save(directory / "labels.npy", scenes.labels)
    # Written last: its presence marks a complete cache entry.
    meta = {"classes": scenes.classes, "modalities": list(scenes.inputs)}
    (directory / "meta.json").write_text(json.dumps(meta))


def load_scene_set(directory: Path) -> SceneSet | None:
    """A cached set, or None when the directory holds no complete one."""
    meta_path = directory / "meta.json"
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    return SceneSet(
        classes=meta["classes"],
        labels=np.load(directory / "labels.npy"),
        inputs={m: np.load(directory / f"{m}.npy") for m in meta["modalities"]},
        present={m: np.load(directory / f"{m}.present.npy") for m in meta["modalities"]},
    )
