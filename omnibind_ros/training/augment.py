"""Training-time augmentation of preprocessed student batches (stage I).

Students see a few hundred scenes each and memorise them within a few epochs; label-preserving
perturbations of the preprocessed input (the sensor moved a little, the sound started a little
earlier, was louder, quieter or noisier, lost a moment or a band, the cloud was seen from
another heading) stretch that data, and make a student trained on a few speakers or rooms
hold up on the next one. Everything draws from
the global torch RNG, which checkpoints restore, so resume stays exact. No library here
augments these tensor layouts batch-wise (torchvision's ops cannot load beside the CPU
torch), hence the few lines below.
"""

from __future__ import annotations

import math

import torch

MAX_SHIFT = 0.1  # of the height/width (grids) or of the frames (spectrograms)
# Spectrogram perturbations (preprocessed, normalised log-mel units; the default
# normalisation divides natural-log band energies by about 9, so 0.25 is about 10 dB):
AUDIO_OPS = ("shift", "gain", "noise", "mask")
MAX_GAIN = 0.3  # +-0.3: the recording about 12 dB louder or quieter
NOISE_BELOW_PEAK = (0.25, 0.75)  # a noise floor 10-30 dB below the loudest band
LOG_SHARPNESS = 9.0  # natural-log units per normalised unit, for adding energies
MASKS, MAX_MASK = 2, 0.15  # SpecAugment: up to 2 time and 2 band masks of up to 15 %
# Each of gain, noise and masking reaches half of the clips: a student that never heard a
# clean clip fails on clean ones (all four on every clip: 6 % vs 47 % on an unseen speaker).
OP_CHANCE = 0.5


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


def _gain(batch: torch.Tensor) -> torch.Tensor:
    """A louder or quieter recording: log energies shift by one constant per sample."""
    return batch + (2 * torch.rand(len(batch), 1, 1, 1) - 1) * MAX_GAIN


def _noise_floor(batch: torch.Tensor) -> torch.Tensor:
    """Background noise added to the sound: energies add, so in log units each bin becomes the
    smooth maximum of itself and a (slightly uneven) floor below the sample's peak."""
    low, high = NOISE_BELOW_PEAK
    depth = low + (high - low) * torch.rand(len(batch), 1, 1, 1)
    floor = batch.amax(dim=(1, 2, 3), keepdim=True) - depth + 0.05 * torch.randn_like(batch)
    return torch.logaddexp(LOG_SHARPNESS * batch, LOG_SHARPNESS * floor) / LOG_SHARPNESS


def _spec_mask(batch: torch.Tensor) -> torch.Tensor:
    """SpecAugment-style masking: a few random spans of frames and of mel bands set to the
    sample's mean, so no single moment or band decides the label."""
    out = batch.clone()
    b, _, bands, frames = batch.shape
    fill = batch.mean(dim=(1, 2, 3))
    for axis, size in ((-1, frames), (-2, bands)):
        for _ in range(MASKS):
            width = (torch.rand(b) * MAX_MASK * size).long()
            start = (torch.rand(b) * (size - width + 1)).long()
            index = torch.arange(size)
            hit = (index >= start[:, None]) & (index < (start + width)[:, None])  # (B, size)
            shape = (b, 1, 1, size) if axis == -1 else (b, 1, size, 1)
            out = torch.where(hit.view(shape), fill.view(b, 1, 1, 1), out)
    return out


def augment_sound(batch: torch.Tensor, ops: tuple[str, ...] = AUDIO_OPS) -> torch.Tensor:
    """(B, 1, mels, frames): ``ops`` of AUDIO_OPS in that order; the time shift to every
    clip, each of the others to a random half of them."""
    unknown = sorted(set(ops) - set(AUDIO_OPS))
    if unknown:
        raise ValueError(f"unknown audio augmentations {unknown}; known: {AUDIO_OPS}")
    if "shift" in ops:
        batch = _shift_time(batch, max(1, round(MAX_SHIFT * batch.shape[-1])))
    for name, op in (("gain", _gain), ("noise", _noise_floor), ("mask", _spec_mask)):
        if name in ops:
            chosen = (torch.rand(len(batch)) < OP_CHANCE).view(-1, 1, 1, 1)
            batch = torch.where(chosen, op(batch), batch)
    return batch


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


def augment(
    modality: str, batch: torch.Tensor, audio_ops: tuple[str, ...] = AUDIO_OPS
) -> torch.Tensor:
    """A randomly perturbed copy of a preprocessed batch of ``modality`` (``audio_ops``: which
    of AUDIO_OPS a sound batch gets)."""
    if modality == "lidar":
        return _turn_cloud(batch)
    if modality == "audio":
        return augment_sound(batch, audio_ops)
    return _shift_grid(batch, max(1, round(MAX_SHIFT * batch.shape[-1])), flip=True)
