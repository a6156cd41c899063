"""Accuracy of a fusion module over every modality combination of a held-out set.

With M modalities there are 2^M - 1 non-empty combinations; each is scored on every scene
from the pre-computed (frozen) embeddings, so evaluating all 63 combinations of 6 sensors
costs 63 fusion passes, not 63 encoder passes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch

from omnibind_ros.core.fusion import Fusion
from omnibind_ros.training.embedding import EMBED_BATCH, embed_array, predict_labels

Subset = tuple[int, ...]  # indices into the modality axis


def all_subsets(count: int) -> list[Subset]:
    """Every non-empty subset of range(count), smallest first."""
    return [c for k in range(1, count + 1) for c in itertools.combinations(range(count), k)]


@dataclass(frozen=True)
class SubsetScores:
    """Accuracy (0-1) of each combination, and of each single modality's own embedding."""

    by_subset: dict[Subset, float]
    single: list[float]  # per modality: nearest-label accuracy of its embedding alone

    def by_size(self) -> dict[int, float]:
        """Mean accuracy over the combinations of each size."""
        sizes = sorted({len(s) for s in self.by_subset})
        return {k: _mean(a for s, a in self.by_subset.items() if len(s) == k) for k in sizes}

    def best_member_by_size(self) -> dict[int, float]:
        """Mean over combinations of each size of their best single member's accuracy."""
        best = {s: max(self.single[m] for m in s) for s in self.by_subset}
        sizes = sorted({len(s) for s in best})
        return {k: _mean(b for s, b in best.items() if len(s) == k) for k in sizes}

    def overall(self) -> float:
        """Mean over every combination (each of the 2^M - 1 counts once)."""
        return _mean(self.by_subset.values())


def _mean(values) -> float:
    return float(np.mean(list(values)))


@torch.inference_mode()
def fused_predictions(
    fusion: Fusion,
    embeddings: torch.Tensor,
    type_ids: torch.Tensor,
    mask: torch.Tensor,
    text_bank: torch.Tensor,
) -> torch.Tensor:
    """(N,) label indices from fusing the ``mask``-ed tokens of each scene."""
    fusion.eval()
    predictions = []
    for start in range(0, len(embeddings), EMBED_BATCH):
        chunk = slice(start, start + EMBED_BATCH)
        tokens = embeddings[chunk]
        fused = fusion(tokens, type_ids.expand(len(tokens), -1), mask[chunk])
        predictions.append(predict_labels(fused, text_bank))
    return torch.cat(predictions)


def score_subsets(
    fusion: Fusion,
    embeddings: torch.Tensor,
    type_ids: torch.Tensor,
    labels: torch.Tensor,
    text_bank: torch.Tensor,
    subsets: list[Subset] | None = None,
    single_banks: list[torch.Tensor] | None = None,
) -> SubsetScores:
    """Accuracy of ``fusion`` on each subset (default: all) of the M embeddings per scene;
    a modality alone is classified against ``single_banks[m]`` (its own label prompts;
    default ``text_bank``), the fused embedding against ``text_bank``."""
    count = embeddings.shape[1]
    banks = single_banks or [text_bank] * count
    single = [float((predict_labels(embeddings[:, m], banks[m]) == labels).float().mean())
              for m in range(count)]  # fmt: skip
    by_subset = {}
    for subset in subsets or all_subsets(count):
        mask = torch.zeros(embeddings.shape[:2], dtype=torch.bool)
        mask[:, list(subset)] = True
        predictions = fused_predictions(fusion, embeddings, type_ids, mask, text_bank)
        by_subset[subset] = float((predictions == labels).float().mean())
    return SubsetScores(by_subset, single)


def with_noise(
    embeddings: torch.Tensor,
    index: int,
    encoder: torch.nn.Module,
    input_shape: tuple[int, ...],
    std: float,
    seed: int,
) -> torch.Tensor:
    """A copy of (N, M, D) ``embeddings`` whose modality ``index`` encodes pure noise.

    The noise replaces the sensor's preprocessed input (Gaussian, ``std`` in preprocessed
    units), so it goes through the real encoder as a broken sensor's data would.
    """
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, std, size=(len(embeddings), *input_shape)).astype(np.float32)
    noisy = embeddings.clone()
    noisy[:, index] = embed_array(encoder, noise)
    return noisy
