"""Kaldi-style log-mel filterbank energies (what ImageBind computes with torchaudio).

Written here because torchaudio cannot be installed beside this CPU torch build. It follows
``torchaudio.compliance.kaldi.fbank`` as ImageBind calls it: per-frame DC removal,
pre-emphasis 0.97, symmetric Hann window, FFT size the next power of two, power spectrum,
HTK mel scale (1127 ln(1 + f/700)) with triangles spaced evenly in mel from 20 Hz to
Nyquist, each peaking at 1 (no area normalisation), natural log floored at float32 epsilon.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

LOW_FREQ_HZ = 20.0  # Kaldi's default lower edge
PREEMPHASIS = 0.97
LOG_FLOOR = float(np.finfo(np.float32).eps)


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    return 700.0 * np.expm1(np.asarray(mel, dtype=np.float64) / 1127.0)


def fft_size(win_length: int) -> int:
    return 1 << (win_length - 1).bit_length()


@lru_cache(maxsize=8)
def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int) -> torch.Tensor:
    """(n_mels, n_fft // 2) triangular weights over the FFT bins below Nyquist.

    Cached and shared: treat as read-only.
    """
    fft_mels = hz_to_mel(np.arange(n_fft // 2) * (sample_rate / n_fft))
    edges = _band_edges_mel(n_mels, sample_rate)
    left, right = edges[:-2, None], edges[2:, None]
    spacing = edges[1] - edges[0]
    rising, falling = (fft_mels - left) / spacing, (right - fft_mels) / spacing
    weights = np.clip(np.minimum(rising, falling), 0.0, None)
    return torch.from_numpy(weights.astype(np.float32))


def mel_centres_hz(n_mels: int, sample_rate: int) -> np.ndarray:
    """Centre frequency of each mel band, for reading a spectrogram."""
    return mel_to_hz(_band_edges_mel(n_mels, sample_rate)[1:-1])


def _band_edges_mel(n_mels: int, sample_rate: int) -> np.ndarray:
    # Band m spans edges m..m+2 and peaks at edge m+1.
    return np.linspace(hz_to_mel(LOW_FREQ_HZ), hz_to_mel(sample_rate / 2), n_mels + 2)


def log_mel(
    waveform: torch.Tensor, sample_rate: int, win: int, hop: int, n_mels: int
) -> torch.Tensor:
    """(frames, n_mels) log mel energies of a 1-D waveform with at least ``win`` samples."""
    frames = waveform.unfold(0, win, hop)
    frames = frames - frames.mean(dim=1, keepdim=True)
    # Kaldi's pre-emphasis treats the sample before each frame's first as the first itself.
    previous = torch.cat([frames[:, :1], frames[:, :-1]], dim=1)
    frames = (frames - PREEMPHASIS * previous) * _hann(win)
    n_fft = fft_size(win)
    power = torch.fft.rfft(frames, n=n_fft).abs().square()[:, : n_fft // 2]
    energies = power @ mel_filterbank(n_mels, n_fft, sample_rate).T
    return energies.clamp(min=LOG_FLOOR).log()


@lru_cache(maxsize=8)
def _hann(win: int) -> torch.Tensor:
    return torch.hann_window(win, periodic=False, dtype=torch.float32)
