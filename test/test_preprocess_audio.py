"""Audio: mono waveform at any rate -> (1, 128, frames) normalised Kaldi-style log-mel."""

from types import SimpleNamespace

import numpy as np
import pytest
from scipy.signal import resample_poly

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess import preprocess
from omnibind_ros.core.preprocess.mel import hz_to_mel, log_mel, mel_centres_hz, mel_filterbank
from omnibind_ros.core.samples import AudioSample

RATE = 16_000
MEAN, STD = -4.268, 9.138  # ImageBind's AudioSet normalisation (the defaults)


def tone(hz: float, seconds: float = 1.0, rate: int = RATE, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def noise(seconds: float, rate: int = RATE, seed: int = 0) -> np.ndarray:
    samples = np.random.default_rng(seed).normal(0.0, 0.1, round(seconds * rate))
    return samples.astype(np.float32)


def test_filterbank_triangles_peak_at_one_and_neighbours_sum_to_one() -> None:
    bank = mel_filterbank(128, 512, RATE)
    assert bank.shape == (128, 256)
    assert bank.min() >= 0.0 and bank.max() <= 1.0
    # Overlapping half-triangles: between the first and last band centres the weights of
    # each FFT bin sum to exactly one, so no frequency is counted twice or lost.
    centres = hz_to_mel(mel_centres_hz(128, RATE))
    fft_mels = hz_to_mel(np.arange(256) * RATE / 512)
    inside = (fft_mels >= centres[0]) & (fft_mels <= centres[-1])
    np.testing.assert_allclose(bank[:, inside].sum(axis=0), 1.0, atol=1e-5)
    assert bank[:, fft_mels < hz_to_mel(20.0)].sum() == 0.0
    # The HTK mel scale is anchored so that 1000 Hz is 1000 mel.
    assert hz_to_mel(1000.0) == pytest.approx(1000.0, abs=0.05)


@pytest.mark.parametrize("hz", [300.0, 1000.0, 2500.0, 6000.0])
def test_a_pure_tone_peaks_in_the_mel_band_centred_nearest_its_frequency(hz: float) -> None:
    energies = log_mel(tone(hz), RATE, 400, 160, 128)
    loudest_band = np.bincount(energies.argmax(axis=1)).argmax()
    nearest_band = np.abs(mel_centres_hz(128, RATE) - hz).argmin()
    assert abs(int(loudest_band) - int(nearest_band)) <= 1


def test_one_second_at_48khz_gives_the_imagebind_layout() -> None:
    out = preprocess("audio", AudioSample(tone(440.0, rate=48_000), 48_000))
    assert out.shape == (1, 128, 100)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    assert np.isfinite(out).all()
    again = preprocess("audio", AudioSample(tone(440.0, rate=48_000), 48_000))
    assert again.tobytes() == out.tobytes()
    assert preprocess("audio", AudioSample(tone(440.0), RATE), {"frames": 204}).shape == (
        1,
        128,
        204,
    )


def test_the_same_sound_at_different_rates_gives_nearly_the_same_spectrogram() -> None:
    native = preprocess("audio", AudioSample(tone(1000.0), RATE))
    for rate in (8_000, 22_050, 44_100, 48_000):
        resampled = preprocess("audio", AudioSample(tone(1000.0, rate=rate), rate))
        band = np.abs(mel_centres_hz(128, RATE) - 1000.0).argmin()
        # The tone's band agrees closely; only the empty bands differ (resampling noise floor).
        np.testing.assert_allclose(resampled[0, band, :98], native[0, band, :98], atol=0.02)


def test_short_clips_are_padded_with_imagebinds_zero_before_normalisation() -> None:
    out = preprocess("audio", AudioSample(tone(500.0, seconds=0.5), RATE))
    frames = 1 + (8000 - 400) // 160
    assert np.allclose(out[0, :, frames:], (0.0 - MEAN) / STD)
    assert not np.allclose(out[0, :, frames - 1], (0.0 - MEAN) / STD)


def test_a_channel_sliced_from_interleaved_stereo_reads_as_its_copy() -> None:
    stereo = np.stack([tone(700.0), noise(1.0)], axis=1).astype(np.float64)
    left = stereo[:, 0]  # a strided view, as a driver's interleaved buffer gives it
    assert not left.flags.c_contiguous
    expected = preprocess("audio", AudioSample(left.copy(), RATE))
    assert preprocess("audio", AudioSample(left, RATE)).tobytes() == expected.tobytes()


def test_long_clips_keep_their_newest_second() -> None:
    newest = tone(700.0, seconds=2.0)
    long_clip = np.concatenate([noise(3.0), newest])
    assert (
        preprocess("audio", AudioSample(long_clip, RATE)).tobytes()
        == preprocess("audio", AudioSample(newest, RATE)).tobytes()
    )


def test_long_clips_at_another_rate_match_resampling_the_whole_clip() -> None:
    rate = 44_100
    long_clip = np.concatenate([noise(8.0, rate=rate), tone(900.0, seconds=2.0, rate=rate)])
    whole = resample_poly(long_clip, 160, 441).astype(np.float32)
    expected = preprocess("audio", AudioSample(whole, RATE))
    np.testing.assert_allclose(
        preprocess("audio", AudioSample(long_clip, rate)), expected, atol=1e-4
    )


def test_a_constant_offset_reads_as_silence() -> None:
    # Kaldi removes each frame's mean: a DC offset (a biased ADC) carries no sound.
    floor = (np.log(np.finfo(np.float32).eps) - MEAN) / STD
    offset = preprocess("audio", AudioSample(np.full(16_000, 0.25, dtype=np.float32), RATE))
    np.testing.assert_allclose(offset[0, :, :98], floor, atol=1e-5)


def test_louder_sound_gives_higher_values_under_the_fixed_normalisation() -> None:
    quiet = preprocess("audio", AudioSample(tone(1000.0, amplitude=0.01), RATE))
    loud = preprocess("audio", AudioSample(tone(1000.0, amplitude=0.5), RATE))
    assert loud.mean() > quiet.mean()


def clip(waveform: object, rate: object = RATE) -> object:
    return SimpleNamespace(waveform=waveform, sample_rate=rate)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (clip(np.zeros(0, dtype=np.float32)), "empty"),
        (clip(tone(440.0), rate=0), "sample rate"),
        (clip(tone(440.0), rate=-16_000), "sample rate"),
        (clip(tone(440.0), rate=44_100.5), "sample rate"),
        (clip(tone(440.0), rate=None), "sample rate"),
        (clip(np.full(16_000, np.nan, dtype=np.float32)), "NaN"),
        (clip(np.where(np.arange(16_000) == 5, np.inf, 0.0).astype(np.float32)), "Inf"),
        (clip((tone(440.0) * 32767).astype(np.int16)), "floating point"),
        (clip(tone(440.0) * 32767), "unscaled integer PCM"),
        (clip(np.stack([tone(440.0), tone(440.0)], axis=1)), "shape"),
        (clip(tone(440.0, seconds=0.01)), "shorter than one window"),
        (clip(tone(440.0, seconds=0.01, rate=48_000), rate=48_000), "shorter than one window"),
        (clip([0.0] * 16_000), "list"),
        (SimpleNamespace(sample_rate=RATE), "without .waveform"),
        (tone(440.0), "without .waveform"),
    ],
)
def test_bad_audio_raises_an_error_naming_modality_and_problem(raw: object, problem: str) -> None:
    with pytest.raises(InvalidSampleError, match=problem) as error:
        preprocess("audio", raw)
    assert error.value.modality == "audio"
