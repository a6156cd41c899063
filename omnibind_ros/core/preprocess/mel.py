"""Kaldi-style log-mel filterbank energies (what ImageBind computes with torchaudio).

Written here in numpy because torchaudio cannot be installed beside this CPU torch build,
and preprocessing does without torch. It follows ``torchaudio.compliance.kaldi.fbank`` as
ImageBind calls it: per-frame DC removal, pre-emphasis 0.97, symmetric Hann window, FFT size
the next power of two, power spectrum, HTK mel scale (1127 ln(1 + f/700)) with triangles
spaced evenly in mel from 20 Hz to Nyquist, each peaking at 1 (no area normalisation),
natural log floored at float32 epsilon.

Computed in float64 up to the band energies, so the result differs from a float32
computation (torch's, which the shipped model was trained on) by that computation's own
rounding only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import as_strided

from omnibind_ros.core.preprocess.banded import row_blocks

LOW_FREQ_HZ = 20.0  # Kaldi's default lower edge
PREEMPHASIS = 0.97
LOG_FLOOR = float(np.finfo(np.float32).eps)
# Mel bands per matmul (banded.py): 4 blocks of the 128 default bands span 261 FFT bins in
# all, against 4 x 256 for dense rows: a quarter of the work, for 4 calls.
_BLOCK_BANDS = 32


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    return 700.0 * np.expm1(np.asarray(mel, dtype=np.float64) / 1127.0)


def fft_size(win_length: int) -> int:
    return 1 << (win_length - 1).bit_length()


@lru_cache(maxsize=8)
def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int) -> np.ndarray:
    """(n_mels, n_fft // 2) float64 triangular weights over the FFT bins below Nyquist.

    Cached and shared: read-only.
    """
    fft_mels = hz_to_mel(np.arange(n_fft // 2) * (sample_rate / n_fft))
    edges = _band_edges_mel(n_mels, sample_rate)
    left, right = edges[:-2, None], edges[2:, None]
    spacing = edges[1] - edges[0]
    rising, falling = (fft_mels - left) / spacing, (right - fft_mels) / spacing
    weights = np.clip(np.minimum(rising, falling), 0.0, None)
    weights.flags.writeable = False
    return weights


def mel_centres_hz(n_mels: int, sample_rate: int) -> np.ndarray:
    """Centre frequency of each mel band, for reading a spectrogram."""
    return mel_to_hz(_band_edges_mel(n_mels, sample_rate)[1:-1])


def _band_edges_mel(n_mels: int, sample_rate: int) -> np.ndarray:
    # Band m spans edges m..m+2 and peaks at edge m+1.
    return np.linspace(hz_to_mel(LOW_FREQ_HZ), hz_to_mel(sample_rate / 2), n_mels + 2)


def log_mel(waveform: np.ndarray, sample_rate: int, win: int, hop: int, n_mels: int) -> np.ndarray:
    """(frames, n_mels) float32 log mel energies of a 1-D waveform with at least ``win``
    samples: frame k is samples k * hop .. k * hop + win - 1."""
    samples = np.ascontiguousarray(waveform, dtype=np.float64)
    count = 1 + (len(samples) - win) // hop
    frames = _frames(samples, count, win, hop)
    means = frames.mean(axis=1, keepdims=True)
    # Kaldi removes each frame's mean, then pre-emphasises: y[j] = x[j] - 0.97 x[j - 1] -
    # 0.03 mean, and y[0] = 0.03 (x[0] - mean) (the sample before a frame's first counts as
    # the first itself). Overlapping frames share the differences: taken once for the clip.
    differences = samples[1:] - PREEMPHASIS * samples[:-1]
    n_fft = fft_size(win)
    # Written into the zero-padded FFT input at once: rfft(n=n_fft) would pad with a copy.
    emphasised = np.zeros((count, n_fft))
    np.subtract(
        _frames(differences, count, win - 1, hop),
        (1.0 - PREEMPHASIS) * means,
        out=emphasised[:, 1:win],
    )
    emphasised[:, 0] = (1.0 - PREEMPHASIS) * (frames[:, 0] - means[:, 0])
    emphasised[:, :win] *= _hann(win)
    spectrum = np.fft.rfft(emphasised)[:, : n_fft // 2]
    power = spectrum.real**2 + spectrum.imag**2
    blocks = _filterbank_blocks(n_mels, n_fft, sample_rate)
    energies = np.concatenate([power[:, lo:hi] @ block.T for lo, hi, block in blocks], axis=1)
    # The logarithm in float32, as torch took it: twice as fast as in float64, and as exact
    # as the float32 result can be (within its rounding).
    return np.log(np.maximum(energies, LOG_FLOOR).astype(np.float32))


def _frames(samples: np.ndarray, count: int, width: int, hop: int) -> np.ndarray:
    """Read-only (count, width) view of contiguous ``samples``, row k from sample k * hop.

    as_strided, not sliding_window_view: its checks take 30 us, 8% of a second's log-mel.
    """
    step = samples.itemsize
    return as_strided(samples, (count, width), (hop * step, step), writeable=False)


@lru_cache(maxsize=8)
def _filterbank_blocks(
    n_mels: int, n_fft: int, sample_rate: int
) -> tuple[tuple[int, int, np.ndarray], ...]:
    return row_blocks(mel_filterbank(n_mels, n_fft, sample_rate), _BLOCK_BANDS)


@lru_cache(maxsize=8)
def _hann(win: int) -> np.ndarray:
    """Symmetric Hann window (read-only): 0.5 - 0.5 cos(2 pi n / (win - 1))."""
    window = np.hanning(win)
    window.flags.writeable = False
    return window
