"""Scene sets read from a user's modality-free dataset directory (manifest + combinations).

Files are loaded and preprocessed once through ``training.dataset``'s torch datasets and kept
in memory like simulated scenes, so the stages treat both sources alike. A single modality
reads every sample that has it (``ModalityDataset``); several read the combinations, each
scene holding whichever of them its combination has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from omnibind_ros.core.preprocess import preprocess
from training.dataset.errors import DatasetError
from training.dataset.torch_datasets import CombinationDataset, ModalityDataset
from training.scenes import STORE_DTYPE, SceneSet


def _preprocess_with(params: Mapping[str, Mapping]):
    def run(modality: str, raw) -> np.ndarray:
        return preprocess(modality, raw, dict(params[modality]))

    return run


def manifest_scene_set(
    root: Path,
    split: str,
    modalities: Sequence[str],
    params: Mapping[str, Mapping],
    desc: str = "load",
    require_all: bool = False,
) -> SceneSet:
    """``split`` of the dataset at ``root`` as a SceneSet of ``modalities`` (preprocessed).

    ``require_all`` keeps only combinations holding every one of ``modalities`` (a student
    paired with its image teacher) and reads no other file.
    """
    run = _preprocess_with(params)
    if len(modalities) == 1:
        dataset = ModalityDataset(root, modalities[0], split, preprocess_fn=run)
        items = (({modalities[0]: x}, y) for x, y in _iterate(dataset, desc))
    else:
        wanted = tuple(modalities) if require_all else None
        dataset = CombinationDataset(root, split, preprocess_fn=run, modalities=wanted)
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
