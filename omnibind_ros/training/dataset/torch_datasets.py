"""torch Datasets over a modality-free dataset directory, for the stage I and II trainers.

Samples are read from disk and preprocessed per item, so any size of dataset fits; the
preprocessing is injected (default: ``omnibind_ros.core.preprocess.preprocess``) so a trainer
can pass the model's own parameters, e.g. ``functools.partial(preprocess, params=...)`` per
modality, or ``model.preprocess``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch.utils.data import Dataset

from omnibind_ros.training.dataset.combinations import Combination, read_combinations
from omnibind_ros.training.dataset.errors import DatasetError
from omnibind_ros.training.dataset.loaders import load_sample
from omnibind_ros.training.dataset.manifest import SPLITS, SampleRecord, read_manifest

# (modality, raw sample) -> fixed-shape float32 encoder input
PreprocessFn = Callable[[str, Any], np.ndarray]


def label_vocabulary(records: Sequence[SampleRecord]) -> list[str]:
    """The dataset's labels in sorted order: label index i means ``labels[i]`` in every split."""
    return sorted({record.label for record in records})


def _core_preprocess() -> PreprocessFn:
    from omnibind_ros.core.preprocess import preprocess

    return preprocess


class _ManifestDataset(Dataset):
    """Shared reading: manifest, label indices, and loading + preprocessing one file."""

    def __init__(
        self,
        root: Path,
        split: str,
        preprocess_fn: PreprocessFn | None,
        labels: Sequence[str] | None,
    ) -> None:
        if split not in SPLITS:
            raise DatasetError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
        self.root = Path(root)
        self.split = split
        self.records = {record.id: record for record in read_manifest(self.root)}
        self.labels = (
            list(labels) if labels is not None else label_vocabulary(list(self.records.values()))
        )
        self._label_index = {label: i for i, label in enumerate(self.labels)}
        self._preprocess = preprocess_fn or _core_preprocess()

    def label_index(self, label: str) -> int:
        if label not in self._label_index:
            raise DatasetError(f"{self.root}: label {label!r} is not in the given label list")
        return self._label_index[label]

    def load(self, sample_id: str, modality: str) -> np.ndarray:
        record = self.records[sample_id]
        path = self.root / record.files[modality]
        raw = load_sample(modality, path, record.loader_params.get(modality))
        return self._preprocess(modality, raw)


class ModalityDataset(_ManifestDataset):
    """Every sample of ``split`` that has ``modality``: items are (input, label index)."""

    def __init__(
        self,
        root: Path,
        modality: str,
        split: str = "train",
        preprocess_fn: PreprocessFn | None = None,
        labels: Sequence[str] | None = None,
        only: Sequence[str] | None = None,
    ) -> None:
        super().__init__(root, split, preprocess_fn, labels)
        self.modality = modality
        chosen = set(only) if only is not None else None
        self.sample_ids = [
            r.id
            for r in self.records.values()
            if r.split == split and modality in r.files and (chosen is None or r.id in chosen)
        ]
        if not self.sample_ids:
            raise DatasetError(f"{self.root}: no {split} samples with {modality} data")
        self._targets = [self.label_index(self.records[i].label) for i in self.sample_ids]

    def __len__(self) -> int:
        return len(self.sample_ids)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        return self.load(self.sample_ids[index], self.modality), self._targets[index]


class CombinationDataset(_ManifestDataset):
    """The combinations of ``split``: items are ({modality: input}, label index).

    With ``modalities`` given, each item holds exactly those (combinations lacking one are
    left out), e.g. ``("thermal", "image")`` pairs a student with its teacher for stage I.
    Without, each item holds every modality of its combination; the trainer draws subsets.
    ``combinations`` replaces the dataset's own combinations (a subset, or ones derived from
    them, e.g. ``training.holdout.fusion_combinations``).
    """

    def __init__(
        self,
        root: Path,
        split: str = "train",
        preprocess_fn: PreprocessFn | None = None,
        labels: Sequence[str] | None = None,
        modalities: Sequence[str] | None = None,
        combinations: Sequence[Combination] | None = None,
    ) -> None:
        super().__init__(root, split, preprocess_fn, labels)
        if combinations is None:
            combinations = read_combinations(self.root, list(self.records.values()))
        wanted = tuple(modalities) if modalities is not None else None
        self.combinations: list[Combination] = [
            c
            for c in combinations
            if c.split == split and (wanted is None or set(wanted) <= set(c.samples))
        ]
        if not self.combinations:
            needs = f" holding {', '.join(wanted)}" if wanted else ""
            raise DatasetError(f"{self.root}: no {split} combinations{needs}")
        self.modalities = wanted
        self._targets = [self.label_index(c.label) for c in self.combinations]

    def __len__(self) -> int:
        return len(self.combinations)

    def __getitem__(self, index: int) -> tuple[dict[str, np.ndarray], int]:
        samples = self.combinations[index].samples
        chosen = self.modalities or tuple(samples)
        return {m: self.load(samples[m], m) for m in chosen}, self._targets[index]
