"""Frozen-encoder passes over preprocessed arrays, and the accuracy of embeddings.

Frozen encoders (the image teacher in stage I, every encoder in stage II and evaluation) are
run once over the whole data set here; the trainers then work on the cached embeddings
instead of re-encoding every step.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from omnibind_ros.training.scenes import SceneSet

EMBED_BATCH = 256


@torch.inference_mode()
def embed_array(encoder: nn.Module, inputs: np.ndarray, device: torch.device | str = "cpu"):
    """(N, *shape) preprocessed inputs -> (N, D) float32 CPU tensor, encoder in eval mode."""
    was_training = encoder.training
    encoder.eval()
    parts = []
    for start in range(0, len(inputs), EMBED_BATCH):
        batch = torch.as_tensor(inputs[start : start + EMBED_BATCH], device=device).float()
        parts.append(encoder(batch).float().cpu())
    encoder.train(was_training)
    return torch.cat(parts)


def embed_scenes(
    encoders: nn.ModuleDict, scenes: SceneSet, modalities: tuple[str, ...], device="cpu"
) -> torch.Tensor:
    """(N, M, D) embeddings of every scene by every modality (zeros where absent)."""
    columns = []
    for modality in modalities:
        embedded = embed_array(encoders[modality], scenes.inputs[modality], device)
        columns.append(embedded * torch.as_tensor(scenes.present[modality]).unsqueeze(-1))
    return torch.stack(columns, dim=1)


def predict_labels(embeddings: torch.Tensor, label_embeddings: torch.Tensor) -> torch.Tensor:
    """Index of the nearest label text (cosine) for each embedding, over the last axis."""
    return (embeddings @ label_embeddings.T).argmax(dim=-1)


def accuracy(embeddings: torch.Tensor, labels: torch.Tensor, label_embeddings: torch.Tensor):
    """Top-1 accuracy (0-1) of nearest-label classification."""
    return float((predict_labels(embeddings, label_embeddings) == labels).float().mean())


class ArrayDataset(Dataset):
    """Rows of aligned arrays/tensors as tuples; float16 inputs are widened to float32 here."""

    def __init__(self, *columns) -> None:
        self.columns = [torch.as_tensor(c) for c in columns]
        lengths = {len(c) for c in self.columns}
        if len(lengths) != 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")

    def __len__(self) -> int:
        return len(self.columns[0])

    def __getitem__(self, index):
        return tuple(
            c[index].float() if c.dtype == torch.float16 else c[index] for c in self.columns
        )

    def __getitems__(self, indices: list[int]):
        # Batched indexing: one gather per column instead of one per row and column.
        return self[torch.as_tensor(indices)]


def collate_batch(batch):
    """The DataLoader collate for ArrayDataset: ``__getitems__`` already built the batch."""
    return batch
