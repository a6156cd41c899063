"""Training-time augmentation of preprocessed student batches (stage I).

Students see a few hundred scenes each and memorise them within a few epochs; label-preserving
perturbations of the preprocessed input (the sensor moved a little, the sound started a little
earlier, the cloud was seen from another heading) stretch that data. Everything draws from
the global torch RNG, which checkpoints restore, so resume stays exact. No library here
augments these tensor layouts batch-wise (torchvision's ops cannot load beside the CPU
torch), hence the few lines below.
"""

from __future__ import annotations

import math

import torch

MAX_SHIFT = 0.1  # of the height/width (grids) or of the frames (spectrograms)


def _shift_grid(batch: torch.Tensor, max_shift: int, flip: bool) -> torch.Tensor:
    """(B, C, H, W): per sample, a random translation of up to ``max_shift`` pixels (zero
    filled, the view moved) and, if ``flip``, a random left-right mirror."""
    b, _, h, w = batch.shape
    padded = torch.nn.functional.pad(batch, (max_shift,) * 4)
    dy = torch.randint(0, 2 * max_shift + 1, (b,)).tolist()
    dx = torch.randint(0, 2 * max_shift + 1, (b,)).tolist()
    out = torch.stack(
        [padded[i, :, y : y + h, x : x + w] for i, (y, x) in enumerate(zip(dy, dx, strict=True))]
    )
    if flip:
        mirrored = torch.rand(b, device=batch.device) < 0.5
        out = torch.where(mirrored[:, None, None, None], out.flip(-1), out)
    return out


def _shift_time(batch: torch.Tensor, max_shift: int) -> torch.Tensor:
    """(B, 1, mels, frames): per sample, the sound starts up to ``max_shift`` frames earlier
    or later (circular: the clips are stationary sounds)."""
    shifts = torch.randint(-max_shift, max_shift + 1, (len(batch),)).tolist()
    return torch.stack([torch.roll(x, s, dims=-1) for x, s in zip(batch, shifts, strict=True)])


def _turn_cloud(batch: torch.Tensor) -> torch.Tensor:
    """(B, N, 3+): per sample, a random heading (rotation about z) and a 0.9-1.1 scale."""
    angle = torch.rand(len(batch), device=batch.device) * 2 * math.pi
    cos, sin = torch.cos(angle), torch.sin(angle)
    scale = 0.9 + 0.2 * torch.rand(len(batch), 1, device=batch.device)
    x, y = batch[..., 0], batch[..., 1]
    turned = batch.clone()
    turned[..., 0] = (cos[:, None] * x - sin[:, None] * y) * scale
    turned[..., 1] = (sin[:, None] * x + cos[:, None] * y) * scale
    turned[..., 2] = batch[..., 2] * scale
    return turned


def augment(modality: str, batch: torch.Tensor) -> torch.Tensor:
    """A randomly perturbed copy of a preprocessed batch of ``modality``."""
    if modality == "lidar":
        return _turn_cloud(batch)
    if modality == "audio":
        return _shift_time(batch, max(1, round(MAX_SHIFT * batch.shape[-1])))
    return _shift_grid(batch, max(1, round(MAX_SHIFT * batch.shape[-1])), flip=True)
