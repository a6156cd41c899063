"""Stage I batch augmentation: shapes kept, content perturbed, reproducible from the seed."""

from __future__ import annotations

import pytest
import torch

from omnibind_ros.core.preprocess import input_shape
from omnibind_ros.training.augment import augment

STUDENTS = ("thermal", "event", "tactile", "audio", "lidar")


@pytest.mark.parametrize("modality", STUDENTS)
def test_augmentation_keeps_the_shape_and_perturbs_the_batch(modality: str) -> None:
    batch = torch.randn(8, *input_shape(modality), generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    out = augment(modality, batch)
    assert out.shape == batch.shape and out.dtype == batch.dtype
    assert not torch.equal(out, batch)
    torch.manual_seed(0)
    assert torch.equal(augment(modality, batch), out)  # the global RNG decides everything


def test_cloud_turns_keep_heights_up_to_scale_and_radii_in_the_plane() -> None:
    torch.manual_seed(1)
    cloud = torch.randn(4, 256, 3)
    turned = augment("lidar", cloud)
    scale = turned[..., 2] / cloud[..., 2]
    assert torch.allclose(scale, scale[:, :1].expand_as(scale), atol=1e-4)
    assert ((scale > 0.89) & (scale < 1.11)).all()
    radius = cloud[..., :2].norm(dim=-1) * scale
    assert torch.allclose(turned[..., :2].norm(dim=-1), radius, atol=1e-4)


def test_sound_shifts_move_frames_without_changing_their_content() -> None:
    torch.manual_seed(2)
    spectrogram = torch.randn(3, 1, 128, 100)
    shifted = augment("audio", spectrogram, audio_ops=("shift",))
    for original, moved in zip(spectrogram, shifted, strict=True):
        assert any(torch.equal(torch.roll(original, s, dims=-1), moved) for s in range(-10, 11))


def test_grid_shifts_fill_the_uncovered_border_with_zeros() -> None:
    torch.manual_seed(3)
    frame = torch.ones(16, 1, 64, 64)
    out = augment("thermal", frame)
    assert out.max() == 1 and out.min() == 0
    moved = (out == 0).flatten(1).any(dim=1)
    assert moved.any()  # most draws move the view; a zero shift leaves it whole


def test_sound_gain_shifts_every_bin_of_a_clip_by_one_constant() -> None:
    torch.manual_seed(4)
    spectrogram = torch.randn(6, 1, 16, 20)
    louder = augment("audio", spectrogram, audio_ops=("gain",))
    shift = louder - spectrogram
    assert torch.allclose(shift, shift[:, :, :1, :1].expand_as(shift), atol=1e-6)
    assert (shift.abs() <= 0.3 + 1e-6).all()
    unchanged = (shift == 0).flatten(1).all(dim=1)
    assert unchanged.any() and not unchanged.all()  # about half the clips stay clean


def test_sound_noise_raises_quiet_bins_and_keeps_loud_ones() -> None:
    torch.manual_seed(5)
    spectrogram = torch.randn(6, 1, 16, 20)
    noisy = augment("audio", spectrogram, audio_ops=("noise",))
    assert (noisy >= spectrogram - 1e-6).all()  # energies only add
    peak = spectrogram.amax(dim=(1, 2, 3))
    assert torch.allclose(noisy.amax(dim=(1, 2, 3)), peak, atol=0.1)
    assert (noisy == spectrogram).flatten(1).all(dim=1).any()  # some clips stay clean


def test_sound_masks_set_spans_of_frames_or_bands_to_the_clip_mean() -> None:
    torch.manual_seed(6)
    spectrogram = torch.randn(32, 1, 40, 50)
    masked = augment("audio", spectrogram, audio_ops=("mask",))
    mean = spectrogram.mean(dim=(1, 2, 3), keepdim=True)
    hit = masked != spectrogram
    assert hit.any()
    assert torch.allclose(masked[hit], mean.expand_as(masked)[hit])
    assert hit.float().mean() < 0.5
