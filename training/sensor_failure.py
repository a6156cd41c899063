"""Simulated sensor failures for stage II: fusion that learns to outvote a broken sensor.

A robot's sensors fail while it runs: a camera streams a blank or saturated frame, a driver
republishes its last message, a topic is wired to the wrong device. The frozen encoders still
turn such input into a confident-looking embedding, and a fusion module trained on healthy
sensors only learns to trust each modality by its average reliability, so one broken sensor
that is usually good drags the fused label with it. During training, with probability
``af.sensor_failure``, one sensor of an example that has at least two is replaced by

- a *stuck* sensor: the encoder's embedding of a constant input (one of ``LEVELS``, in
  preprocessed units: blank, mid-grey, saturated, ...), or
- a *stale* sensor: the same modality's embedding of another scene of the batch.

The label is kept, so the fusion module must outvote the broken sensor with the healthy ones;
with negatives on, the broken sensor's wrong prediction becomes a hard negative (Eq. 9).
Gaussian noise is deliberately not among these failures: the report's robustness table
replaces a sensor with noise, which stays a failure the fusion module has never seen.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from training.embedding import embed_array

LEVELS = np.linspace(-2.0, 2.0, 9, dtype=np.float32)  # constant inputs of a stuck sensor


def stuck_sensor_bank(
    encoders: nn.ModuleDict, input_shapes: dict[str, tuple[int, ...]], modalities: tuple[str, ...]
) -> torch.Tensor:
    """(M, len(LEVELS), D): each modality's embedding of each constant input."""
    rows = []
    for modality in modalities:
        constant = np.stack([np.full(input_shapes[modality], v, np.float32) for v in LEVELS])
        rows.append(embed_array(encoders[modality], constant))
    return torch.stack(rows)


def break_one_sensor(
    embeddings: torch.Tensor, chosen: torch.Tensor, stuck_bank: torch.Tensor, probability: float
) -> torch.Tensor:
    """A copy of (B, M, D) ``embeddings`` where, with ``probability``, each row with at least
    two ``chosen`` (B, M) sensors has one of them, drawn uniformly, stuck or stale (even odds).

    Draws from the global torch RNG (checkpointed, so resume stays exact).
    """
    batch, modalities, _ = embeddings.shape
    if stuck_bank.shape[:1] != (modalities,):
        raise ValueError(f"stuck_bank must have {modalities} rows, got {tuple(stuck_bank.shape)}")
    device = embeddings.device
    broken_rows = (chosen.sum(dim=1) >= 2) & (torch.rand(batch, device=device) < probability)
    # A uniform draw among each row's chosen sensors: the largest of random scores.
    scores = torch.rand(batch, modalities, device=device).masked_fill(~chosen, -1.0)
    which = scores.argmax(dim=1)
    level = torch.randint(0, stuck_bank.shape[1], (batch,), device=device)
    stuck = stuck_bank.to(device)[which, level]
    stale = embeddings[torch.randint(0, batch, (batch,), device=device), which]
    use_stuck = torch.rand(batch, device=device) < 0.5
    replacement = torch.where(use_stuck.unsqueeze(1), stuck, stale)
    rows = torch.nonzero(broken_rows).squeeze(1)
    broken = embeddings.clone()
    broken[rows, which[rows]] = replacement[rows]
    return broken
