"""Preprocessing computes what the shipped encoders were trained on: torch's antialiased
bilinear resize and the torch log-mel of ImageBind's convention, within float32 rounding.

torch serves as the reference only; preprocessing itself does without it
(test_preprocess_without_torch.py).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings, target
from hypothesis import strategies as st

from omnibind_ros.core.preprocess.mel import PREEMPHASIS, log_mel, mel_filterbank
from omnibind_ros.core.preprocess.resize import fit_square

REFERENCE_SETTINGS = settings(max_examples=300, deadline=None, database=None)
# Of the data's scale. float32 sums of a few hundred terms added in another order: the worst
# of 5000 examples (hypothesis.target seeking it) was 1.8e-7.
RESIZE_TOLERANCE = 1e-6


def torch_fit_square(planes_hwc: np.ndarray, size: int, fit: str) -> np.ndarray:
    """The resize the encoders were trained behind, on (H, W, C) -> (C, size, size)."""
    planes = torch.from_numpy(np.ascontiguousarray(planes_hwc, dtype=np.float32)).permute(2, 0, 1)
    height, width = planes.shape[-2:]
    if fit == "crop":
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        planes = planes[:, top : top + side, left : left + side]
    resized = F.interpolate(
        planes.unsqueeze(0), size=(size, size), mode="bilinear", align_corners=False, antialias=True
    )
    return resized.squeeze(0).numpy()


def torch_log_mel(
    waveform: np.ndarray, sample_rate: int, win: int, hop: int, n_mels: int, dtype: torch.dtype
) -> np.ndarray:
    """The log-mel the audio encoder was trained on (in float32), as it was written in torch."""
    frames = torch.from_numpy(waveform).to(dtype).unfold(0, win, hop)
    frames = frames - frames.mean(dim=1, keepdim=True)
    previous = torch.cat([frames[:, :1], frames[:, :-1]], dim=1)
    frames = (frames - PREEMPHASIS * previous) * torch.hann_window(win, periodic=False, dtype=dtype)
    n_fft = 1 << (win - 1).bit_length()
    power = torch.fft.rfft(frames, n=n_fft).abs().square()[:, : n_fft // 2]
    bank = torch.from_numpy(np.asarray(mel_filterbank(n_mels, n_fft, sample_rate), np.float32))
    energies = power @ bank.to(dtype).T
    return energies.clamp(min=float(np.finfo(np.float32).eps)).log().numpy()


@REFERENCE_SETTINGS
@given(
    height=st.integers(1, 96),
    width=st.integers(1, 96),
    channels=st.integers(1, 4),
    size=st.integers(1, 96),
    fit=st.sampled_from(["crop", "stretch"]),
    seed=st.integers(0, 2**32 - 1),
)
@example(height=480, width=640, channels=3, size=64, fit="crop", seed=0)  # camera default
@example(height=480, width=640, channels=3, size=224, fit="stretch", seed=0)
@example(height=260, width=346, channels=2, size=64, fit="crop", seed=0)  # event camera
@example(height=1, width=1, channels=1, size=1, fit="crop", seed=0)
@example(height=1, width=1, channels=3, size=50, fit="stretch", seed=0)
@example(height=1, width=90, channels=1, size=7, fit="stretch", seed=0)
@example(height=90, width=1, channels=2, size=1, fit="stretch", seed=0)
def test_fit_square_matches_torchs_antialiased_bilinear_resize(
    height: int, width: int, channels: int, size: int, fit: str, seed: int
) -> None:
    planes = np.random.default_rng(seed).uniform(-255.0, 255.0, (height, width, channels))
    planes = planes.astype(np.float32)
    expected = torch_fit_square(planes, size, fit)
    out = fit_square(planes, size, fit)
    assert out.shape == (channels, size, size)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    # Relative to the input's scale: an average of signed values may cancel to near zero.
    error = float(np.abs(out - expected).max()) / float(np.abs(planes).max())
    target(error)
    assert error <= RESIZE_TOLERANCE


@REFERENCE_SETTINGS
@given(
    in_size=st.integers(1, 300),
    out_size=st.integers(1, 300),
    position=st.floats(0.0, 1.0, exclude_max=True),
)
def test_an_impulse_resizes_to_exactly_torchs_weights(
    in_size: int, out_size: int, position: float
) -> None:
    # A one-pixel impulse resizes to the product of the two weights that pixel gets, one
    # float32 rounding on either side: equal bits mean equal weights.
    impulse = np.zeros((in_size, 3, 1), dtype=np.float32)
    impulse[int(position * in_size), 1] = 1.0
    expected = torch_fit_square(impulse, out_size, "stretch")
    np.testing.assert_array_equal(fit_square(impulse, out_size, "stretch"), expected)


def test_an_uint8_frame_resizes_as_its_float32_copy() -> None:
    frame = np.random.default_rng(0).integers(0, 256, (120, 200, 3), dtype=np.uint8)
    reversed_view = frame[:, :, ::-1]  # BGR -> RGB by slicing, as camera drivers hand it over
    np.testing.assert_array_equal(
        fit_square(reversed_view, 32, "crop"),
        fit_square(reversed_view.astype(np.float32), 32, "crop"),
    )
    np.testing.assert_allclose(
        fit_square(reversed_view, 32, "crop"),
        torch_fit_square(reversed_view, 32, "crop"),
        atol=RESIZE_TOLERANCE * 255,
    )


def waveforms() -> st.SearchStrategy:
    """Noise, tones and their sums, of any loudness from near silence to full scale."""
    return st.builds(
        _waveform,
        seconds=st.floats(0.03, 2.0),
        kind=st.sampled_from(["noise", "tone", "both", "clicks"]),
        amplitude=st.floats(1e-4, 1.0),
        seed=st.integers(0, 2**32 - 1),
    )


def _waveform(seconds: float, kind: str, amplitude: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * 16_000)) / 16_000
    noise = rng.normal(0.0, 0.3, t.size)
    tone = np.sin(2 * np.pi * rng.uniform(50.0, 7_900.0) * t + rng.uniform(0, 2 * np.pi))
    clicks = np.where(rng.random(t.size) < 0.001, 1.0, 0.0)
    signal = {"noise": noise, "tone": tone, "both": noise + tone, "clicks": clicks}[kind]
    return (amplitude * signal / max(np.abs(signal).max(), 1e-12)).astype(np.float32)


mel_layouts = st.sampled_from(
    [
        (16_000, 400, 160, 128),  # the audio default: 25 ms windows, 10 ms hops
        (16_000, 512, 256, 64),
        (8_000, 200, 80, 40),
        (22_050, 551, 220, 128),
        (16_000, 2, 1, 8),  # one FFT bin, below every band: all bands empty
    ]
)


@REFERENCE_SETTINGS
@given(waveform=waveforms(), layout=mel_layouts)
def test_log_mel_is_the_torch_log_mel_computed_more_exactly(
    waveform: np.ndarray, layout: tuple[int, int, int, int]
) -> None:
    # The same arithmetic in double precision: what is left is rounding to float32.
    rate, win, hop, n_mels = layout
    if waveform.size < win:
        waveform = np.resize(waveform, win)
    out = log_mel(waveform, rate, win, hop, n_mels)
    assert out.dtype == np.float32
    assert out.shape == (1 + (waveform.size - win) // hop, n_mels)
    np.testing.assert_allclose(
        out, torch_log_mel(waveform, rate, win, hop, n_mels, torch.float64), rtol=0, atol=1e-5
    )


@REFERENCE_SETTINGS
@given(waveform=waveforms(), layout=mel_layouts)
def test_log_mel_matches_the_float32_torch_log_mel_to_its_rounding(
    waveform: np.ndarray, layout: tuple[int, int, int, int]
) -> None:
    # torch's float32 arithmetic errs by up to a few millionths of a frame's energy in any
    # band, a large part of a band that holds little of it: compared as energies against
    # the frame's energy, not as logarithms.
    rate, win, hop, n_mels = layout
    if waveform.size < win:
        waveform = np.resize(waveform, win)
    energies = np.exp(log_mel(waveform, rate, win, hop, n_mels).astype(np.float64))
    expected = np.exp(torch_log_mel(waveform, rate, win, hop, n_mels, torch.float32))
    frame_energy = expected.sum(axis=1, keepdims=True)
    error = float((np.abs(energies - expected) / frame_energy).max())
    target(error)
    assert error <= 2e-5  # the worst of 5000 examples (hypothesis.target seeking it): 4.7e-6


def test_log_mel_differs_from_the_float32_torch_log_mel_by_that_ones_own_rounding() -> None:
    # In the encoder's units (the default normalisation divides the log by 9.138), a second
    # of noise lies 9e-5 from the float32 torch log-mel, a tone 2e-4: no further than that
    # one lies from the same arithmetic in float64, since that is its rounding.
    rng = np.random.default_rng(0)
    t = np.arange(16_000) / 16_000
    for waveform in (rng.uniform(-0.5, 0.5, t.size), 0.5 * np.sin(2 * np.pi * 1000.0 * t)):
        waveform = waveform.astype(np.float32)
        out = log_mel(waveform, 16_000, 400, 160, 128) / 9.138
        trained = torch_log_mel(waveform, 16_000, 400, 160, 128, torch.float32) / 9.138
        exact = torch_log_mel(waveform, 16_000, 400, 160, 128, torch.float64) / 9.138
        assert np.abs(out - trained).max() <= np.abs(exact - trained).max() + 1e-6
        assert np.abs(out - trained).max() <= 3e-4
