"""Scene sets read from a user's modality-free dataset directory (manifest + combinations).

Files are loaded and preprocessed once through ``training.dataset``'s torch datasets and kept
in memory like simulated scenes, so the stages treat both sources alike. A single modality
reads every sample that has it (``ModalityDataset``); several read the combinations, each
scene holding whichever of them its combination has.

With a ``cache_dir`` a preprocessed set is saved and reused by later stages and runs. Its key
is the content of the manifest, the combinations and every file the dataset names, the
preprocessing parameters, which samples or combinations were read, and the loading and
preprocessing code: editing any of them reads the files afresh.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

import omnibind_ros
from omnibind_ros.core.preprocess import preprocess
from omnibind_ros.training.dataset.combinations import COMBINATIONS_NAME, Combination
from omnibind_ros.training.dataset.errors import DatasetError
from omnibind_ros.training.dataset.manifest import MANIFEST_NAME, read_manifest
from omnibind_ros.training.dataset.torch_datasets import CombinationDataset, ModalityDataset
from omnibind_ros.training.scenes import STORE_DTYPE, SceneSet, cached_scene_set, source_fingerprint

_PACKAGE_ROOT = Path(omnibind_ros.__file__).parent
_TRAINING_ROOT = Path(__file__).parent
_READING_CODE = ("core/preprocess", "core/modalities.py", "core/samples.py")


def _preprocess_with(params: Mapping[str, Mapping]):
    def run(modality: str, raw) -> np.ndarray:
        return preprocess(modality, raw, dict(params[modality]))

    return run


@functools.cache
def _code_fingerprint() -> str:
    return source_fingerprint(_PACKAGE_ROOT, _READING_CODE) + source_fingerprint(
        _TRAINING_ROOT, ("dataset/loaders.py",)
    )


@functools.cache
def _file_digest(path: Path, size: int, mtime_ns: int) -> str:
    # Keyed on (size, mtime) too, so a process hashes each unchanged file once.
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dataset_fingerprint(root: Path) -> str:
    """Hash of the manifest, the combinations and the content of every file they name."""
    digest = hashlib.sha256()
    paths = [root / MANIFEST_NAME, root / COMBINATIONS_NAME]
    paths += sorted({root / f for record in read_manifest(root) for f in record.files.values()})
    for path in paths:
        if path.is_file():
            stat = path.stat()
            content = _file_digest(path, stat.st_size, stat.st_mtime_ns)
            digest.update(f"{path.relative_to(root)}:{content}".encode())
    return digest.hexdigest()[:20]


def manifest_scene_set(
    root: Path,
    split: str,
    modalities: Sequence[str],
    params: Mapping[str, Mapping],
    desc: str = "load",
    require_all: bool = False,
    *,
    only: Sequence[str] | None = None,
    combinations: Sequence[Combination] | None = None,
    cache_dir: Path | None = None,
) -> SceneSet:
    """``split`` of the dataset at ``root`` as a SceneSet of ``modalities`` (preprocessed).

    ``require_all`` keeps only combinations holding every one of ``modalities`` (a student
    paired with its image teacher) and reads no other file. ``only`` restricts a single
    modality to those sample ids; ``combinations`` replaces the dataset's own.
    """
    root = Path(root)
    spec = {
        "dataset": dataset_fingerprint(root) if cache_dir is not None else None,
        "split": split,
        "modalities": list(modalities),
        "params": {m: dict(params[m]) for m in modalities},
        "require_all": require_all,
        "only": sorted(only) if only is not None else None,
        "combinations": [[c.id, c.samples] for c in combinations] if combinations else None,
        "code": _code_fingerprint(),
    }
    return cached_scene_set(
        cache_dir,
        spec,
        lambda: _read_scene_set(
            root, split, modalities, params, desc, require_all, only, combinations
        ),
        desc,
    )


def _read_scene_set(root, split, modalities, params, desc, require_all, only, combinations):
    run = _preprocess_with(params)
    if len(modalities) == 1:
        dataset = ModalityDataset(root, modalities[0], split, preprocess_fn=run, only=only)
        items = (({modalities[0]: x}, y) for x, y in _iterate(dataset, desc))
    else:
        wanted = tuple(modalities) if require_all else None
        dataset = CombinationDataset(
            root, split, preprocess_fn=run, modalities=wanted, combinations=combinations
        )
        items = (
            ({m: x for m, x in inputs.items() if m in modalities}, y)
            for inputs, y in _iterate(dataset, desc)
        )
    labels: list[int] = []
    rows: list[dict[str, np.ndarray]] = []
    for inputs, label in items:
        if inputs:
            rows.append(inputs)
            labels.append(label)
    return _stack(dataset.labels, labels, rows, modalities)


def _iterate(dataset, desc: str):
    return (dataset[i] for i in tqdm(range(len(dataset)), desc=desc, leave=False))


def _stack(
    classes: list[str], labels: list[int], rows: list[dict[str, np.ndarray]], modalities
) -> SceneSet:
    inputs, present = {}, {}
    for modality in modalities:
        shapes = [row[modality].shape for row in rows if modality in row]
        if not shapes:
            raise DatasetError(f"the dataset has no {modality} samples in these scenes")
        shape = shapes[0]
        array = np.zeros((len(rows), *shape), dtype=STORE_DTYPE)
        mask = np.zeros(len(rows), dtype=bool)
        for i, row in enumerate(rows):
            if modality in row:
                array[i], mask[i] = row[modality], True
        inputs[modality], present[modality] = array, mask
    return SceneSet(list(classes), np.array(labels, dtype=np.int64), inputs, present)
