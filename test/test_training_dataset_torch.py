"""torch views of a built dataset: per-modality samples and multi-modal combinations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from dataset_files import make_source
from torch.utils.data import DataLoader

from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.core.preprocess import input_shape
from omnibind_ros.training.dataset import DatasetError, build_dataset
from omnibind_ros.training.dataset.torch_datasets import CombinationDataset, ModalityDataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scenes with every modality (one source) plus image-only scenes (another source)."""
    root = tmp_path_factory.mktemp("torch_datasets")
    every = make_source(
        root / "every",
        [
            {"id": "d1", "label": "dog", "modalities": SENSOR_MODALITIES},
            {"id": "k1", "label": "kettle", "modalities": SENSOR_MODALITIES},
            {"id": "k2", "label": "kettle", "modalities": SENSOR_MODALITIES, "split": "val"},
        ],
    )
    cameras = make_source(
        root / "cameras",
        [
            {"id": "d2", "label": "dog", "modalities": ("image",)},
            {"id": "f1", "label": "fan", "modalities": ("image",)},
        ],
    )
    build_dataset([every, cameras], root / "built")
    return root / "built"


def test_modality_dataset_yields_real_preprocessed_inputs_and_label_indices(dataset: Path) -> None:
    for modality in SENSOR_MODALITIES:
        samples = ModalityDataset(dataset, modality, "train")
        assert samples.labels == ["dog", "fan", "kettle"]
        # d1 and k1 have everything, d2 and f1 only an image; k2 is in val.
        assert len(samples) == (4 if modality == "image" else 2)
        array, label = samples[0]
        assert array.shape == input_shape(modality) and array.dtype == np.float32
        assert np.isfinite(array).all() and samples.labels[label] == "dog"


def test_modality_dataset_batches_through_a_dataloader(dataset: Path) -> None:
    loader = DataLoader(ModalityDataset(dataset, "thermal", "train"), batch_size=2)
    inputs, labels = next(iter(loader))
    assert inputs.shape == (2, *input_shape("thermal")) and labels.tolist() == [0, 2]


def test_modality_dataset_uses_the_injected_preprocessing(dataset: Path) -> None:
    def mean_colour(modality: str, raw: np.ndarray) -> np.ndarray:
        return raw.reshape(-1, 3).mean(axis=0).astype(np.float32)

    samples = ModalityDataset(dataset, "image", "val", preprocess_fn=mean_colour)
    array, label = samples[0]
    assert array.shape == (3,) and samples.labels[label] == "kettle"
    assert samples.sample_ids == ["every/k2"]


def test_label_list_given_by_the_trainer_fixes_the_indices(dataset: Path) -> None:
    samples = ModalityDataset(dataset, "audio", "train", labels=["kettle", "dog", "fan", "car"])
    assert [samples[i][1] for i in range(len(samples))] == [1, 0]
    with pytest.raises(DatasetError, match="label 'dog' is not in the given label list"):
        ModalityDataset(dataset, "audio", "train", labels=["kettle"])


def test_combination_dataset_restricted_to_a_student_and_its_teacher(dataset: Path) -> None:
    pairs = CombinationDataset(dataset, "train", modalities=("thermal", "image"))
    # d1 with its own image or with d2's, k1 with its own: fan has no thermal at all.
    assert {pairs.labels[pairs[i][1]] for i in range(len(pairs))} == {"dog", "kettle"}
    batch = next(iter(DataLoader(pairs, batch_size=len(pairs))))
    inputs, labels = batch
    assert set(inputs) == {"thermal", "image"}
    assert inputs["image"].shape == (len(pairs), *input_shape("image"))
    assert isinstance(labels, torch.Tensor)


def test_combination_dataset_items_hold_every_modality_of_their_combination(dataset: Path) -> None:
    combinations = CombinationDataset(dataset, "train")
    sizes = sorted(len(combinations[i][0]) for i in range(len(combinations)))
    assert sizes[0] == 1 and sizes[-1] == len(SENSOR_MODALITIES)  # fan image alone; full scenes


def test_empty_selections_are_reported(dataset: Path) -> None:
    with pytest.raises(DatasetError, match="no test samples with image data"):
        ModalityDataset(dataset, "image", "test")
    with pytest.raises(DatasetError, match="unknown split 'training'"):
        CombinationDataset(dataset, "training")
