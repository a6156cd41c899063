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

With ``af.corruption``, an example may instead carry one sensor whose *input* was corrupted
before its frozen encoder ran (``CORRUPTIONS``: Gaussian noise, a blank frame, saturation,
a wrong gain, most of its frames dropped): one corrupted copy of every stage II sample is
encoded up front (``corrupted_embeddings``), so training stays on cached embeddings. Noise
is among them, so the report's noise table then measures a failure of a kind seen in
training (drawn afresh at test time).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from omnibind_ros.training.embedding import embed_array

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


CORRUPTIONS = ("noise", "blank", "saturate", "gain", "dropout")


def corrupt_inputs(inputs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A float32 copy of (N, *shape) preprocessed inputs, each with one random corruption."""
    out = inputs.astype(np.float32, copy=True)
    kinds = rng.integers(0, len(CORRUPTIONS), len(out))
    for i, kind in enumerate(kinds):
        x = out[i]
        name = CORRUPTIONS[kind]
        if name == "noise":
            out[i] = rng.normal(0.0, 1.0, x.shape)
        elif name == "blank":
            out[i] = rng.choice(LEVELS)
        elif name == "saturate":  # overexposed: a high gain clipped at the sample's maximum
            low, high = x.min(), x.max()
            out[i] = np.minimum(low + (x - low) * rng.uniform(3.0, 10.0), high)
        elif name == "gain":  # a wrong scale: much too weak or too strong
            out[i] = x * (rng.uniform(0.1, 0.4) if rng.random() < 0.5 else rng.uniform(2.5, 5.0))
        else:
            out[i] = _drop_frames(x, rng)
    return out


def _drop_frames(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Most of a sample lost: 50-90 % of its points (a cloud, (N, C)) repeat the others, or a
    span of its last axis (spectrogram frames, image columns) holds its minimum."""
    lost = rng.uniform(0.5, 0.9)
    if x.ndim == 2:
        kept = rng.permutation(len(x))[: max(1, round(len(x) * (1 - lost)))]
        return x[rng.choice(kept, len(x))]
    size = x.shape[-1]
    width = max(1, round(size * lost))
    start = rng.integers(0, size - width + 1)
    dropped = x.copy()
    dropped[..., start : start + width] = x.min()
    return dropped


def corrupted_embeddings(
    encoders: nn.ModuleDict,
    inputs: dict[str, np.ndarray],
    present: dict[str, np.ndarray],
    modalities: tuple[str, ...],
    seed: int,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """(N, M, D): each present sample's embedding after one random input corruption (zero
    rows where absent); chunked, so only a slice of corrupted inputs is held at a time."""
    rng = np.random.default_rng(seed)
    columns = []
    for modality in modalities:
        parts = [
            embed_array(encoders[modality], corrupt_inputs(inputs[modality][s : s + 512], rng),
                        device)
            for s in range(0, len(inputs[modality]), 512)
        ]  # fmt: skip
        mask = torch.as_tensor(present[modality]).unsqueeze(-1)
        columns.append(torch.cat(parts) * mask)
    return torch.stack(columns, dim=1)


def _broken_rows(chosen: torch.Tensor, probability: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows (with at least two ``chosen`` sensors) drawn with ``probability``, and for every
    row one of its chosen sensors, drawn uniformly."""
    batch, modalities = chosen.shape
    device = chosen.device
    rows = (chosen.sum(dim=1) >= 2) & (torch.rand(batch, device=device) < probability)
    # A uniform draw among each row's chosen sensors: the largest of random scores.
    scores = torch.rand(batch, modalities, device=device).masked_fill(~chosen, -1.0)
    return torch.nonzero(rows).squeeze(1), scores.argmax(dim=1)


def corrupt_one_sensor(
    embeddings: torch.Tensor, chosen: torch.Tensor, corrupted: torch.Tensor, probability: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """A copy of (B, M, D) ``embeddings`` where, with ``probability``, each row with at least
    two ``chosen`` sensors has one of them replaced by its ``corrupted`` (B, M, D) embedding;
    and the (B, M) mask of the replaced ones."""
    rows, which = _broken_rows(chosen, probability)
    broken = embeddings.clone()
    broken[rows, which[rows]] = corrupted[rows, which[rows]]
    replaced = torch.zeros_like(chosen)
    replaced[rows, which[rows]] = True
    return broken, replaced


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
    rows, which = _broken_rows(chosen, probability)
    level = torch.randint(0, stuck_bank.shape[1], (batch,), device=device)
    stuck = stuck_bank.to(device)[which, level]
    stale = embeddings[torch.randint(0, batch, (batch,), device=device), which]
    use_stuck = torch.rand(batch, device=device) < 0.5
    replacement = torch.where(use_stuck.unsqueeze(1), stuck, stale)
    broken = embeddings.clone()
    broken[rows, which[rows]] = replacement[rows]
    return broken
