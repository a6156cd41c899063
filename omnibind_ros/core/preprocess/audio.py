"""Mono waveforms at any rate -> (1, n_mels, frames) normalised log-mel spectrograms."""

from __future__ import annotations

from fractions import Fraction
from math import ceil
from typing import Any

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.limits import MAX_SAMPLE_RATE
from omnibind_ros.core.preprocess.checks import array_sample, attribute, positive_int, require_float
from omnibind_ros.core.preprocess.mel import log_mel
from omnibind_ros.core.preprocess.params import require

LAYOUT = "an AudioSample (.waveform float mono in [-1, 1]; .sample_rate in Hz)"
# Float processing may overshoot 1 slightly; integer PCM left unscaled overshoots by 100x.
MAX_PEAK = 2.0
MAX_RATIO_TERM = 1000


def shape(modality: str, params: dict) -> tuple[int, ...]:
    for key in ("sample_rate", "n_mels", "frames", "win_ms", "hop_ms", "std"):
        require(params[key] > 0, modality, f"{key} must be positive, got {params[key]}")
    require(_window_samples(params) > 1, modality, "win_ms is shorter than two samples")
    require(_hop_samples(params) > 0, modality, "hop_ms is shorter than one sample")
    return (1, params["n_mels"], params["frames"])


def preprocess(modality: str, raw: Any, params: dict) -> np.ndarray:
    """Resample to ``sample_rate``, log-mel the newest ``frames`` frames, normalise.

    ImageBind's convention: Kaldi-style fbank (see mel.py), clips shorter than ``frames``
    padded on the right with 0 before normalisation, then (x - mean) / std. Longer clips
    keep their newest part: the scene is what sounds now.
    """
    waveform, rate = _audio_sample(modality, raw)
    target = params["sample_rate"]
    win, hop, frames = _window_samples(params), _hop_samples(params), params["frames"]
    needed = win + (frames - 1) * hop
    if rate != target:
        # Imported here: scipy.signal takes seconds to load, and 16 kHz sources never need it.
        from scipy.signal import resample_poly

        up, down = _resampling_ratio(rate, target)
        waveform = resample_poly(_newest_for_resampling(waveform, needed, up, down), up, down)
    if len(waveform) < win:
        raise InvalidSampleError(
            modality, f"{len(waveform)} samples at {target} Hz is shorter than one window ({win})"
        )
    spectrogram = log_mel(waveform[-needed:], target, win, hop, params["n_mels"]).T
    spectrogram = np.pad(spectrogram, ((0, 0), (0, frames - spectrogram.shape[1])))
    return ((spectrogram - params["mean"]) / params["std"])[None]


def check(modality: str, raw: Any) -> None:
    _audio_sample(modality, raw)


def _audio_sample(modality: str, raw: Any) -> tuple[np.ndarray, int]:
    waveform = attribute(modality, raw, "waveform", LAYOUT)
    rate = positive_int(modality, attribute(modality, raw, "sample_rate", LAYOUT), "sample rate")
    if rate > MAX_SAMPLE_RATE:
        raise InvalidSampleError(
            modality, f"sample rate {rate} Hz exceeds {MAX_SAMPLE_RATE} Hz: a wrong setting?"
        )
    array_sample(modality, waveform, ndim=1, layout="1-D mono waveform")
    require_float(modality, waveform, "waveform samples (scale integer PCM to [-1, 1])")
    if not np.isfinite(waveform).all():
        raise InvalidSampleError(modality, "waveform contains NaN or Inf")
    peak = float(np.abs(waveform).max())
    if peak > MAX_PEAK:
        raise InvalidSampleError(
            modality, f"waveform peaks at {peak:g}, far outside [-1, 1]: unscaled integer PCM?"
        )
    return waveform, rate


def _resampling_ratio(rate: int, target: int) -> tuple[int, int]:
    """(up, down) for resample_poly: exact for every common rate (11025 -> 16000 is 640/441);
    an odd rate (44101) gets the nearest ratio of terms up to MAX_RATIO_TERM, within 3e-5,
    since the filter has 20 * max(up, down) taps and an exact 16000/44101 would cost seconds."""
    ratio = Fraction(target, rate)
    if max(ratio.numerator, ratio.denominator) > MAX_RATIO_TERM:
        ratio = ratio.limit_denominator(MAX_RATIO_TERM)
    return ratio.numerator, ratio.denominator


def _newest_for_resampling(waveform: np.ndarray, needed: int, up: int, down: int) -> np.ndarray:
    """The newest input samples that resample to ``needed`` outputs, so long clips cost no more.

    Adds the run-in of resample_poly's filter (10 * max(up, down) taps at the up-sampled
    rate) and starts on a multiple of ``down``, so the kept part lands on the same output
    sample grid as the whole clip would.
    """
    keep = ceil(needed * down / up) + ceil(10 * max(up, down) / up)
    start = max(0, (len(waveform) - keep) // down * down)
    return waveform[start:]


def _window_samples(params: dict) -> int:
    return round(params["sample_rate"] * params["win_ms"] / 1000.0)


def _hop_samples(params: dict) -> int:
    return round(params["sample_rate"] * params["hop_ms"] / 1000.0)
