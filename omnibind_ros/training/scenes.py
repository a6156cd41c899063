"""Preprocessed training data held in memory: one array per modality, rows aligned by scene.

Every stage trains on a :class:`SceneSet`: teacher alignment on its images, stage I on a
student's inputs paired with the image of the same scene, stage II on whatever modalities
each scene has. Inputs are stored as float16 (half the memory of 15k images) and widened per
batch; a set is cached on disk as one ``.npy`` per modality so later stages and later runs
skip rendering and preprocessing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from omnibind_ros.core.errors import ConfigError

log = logging.getLogger(__name__)

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


def source_fingerprint(root: Path, entries: Iterable[str]) -> str:
    """Hash of the Python sources under ``root`` named by ``entries`` (files or directories):
    the code a cached set depends on, so editing it invalidates the cache."""
    digest = hashlib.sha256()
    for entry in entries:
        path = root / entry
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def cached_scene_set(
    cache_dir: Path | None, spec: Mapping[str, Any], build: Callable[[], SceneSet], desc: str
) -> SceneSet:
    """``build()``, or the set an earlier call with an equal ``spec`` saved in ``cache_dir``.

    ``spec`` must name everything the set depends on (data, parameters, code fingerprints)."""
    if cache_dir is None:
        return build()
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:20]
    directory = Path(cache_dir) / key
    cached = load_scene_set(directory)
    if cached is not None:
        log.info("%s: %d scenes from cache %s", desc, len(cached), directory)
        return cached
    scenes = build()
    save_scene_set(scenes, directory)
    return scenes
