"""Sound sources of the world, synthesised at 1 m: steps, voices, barks, engines, fans, kettles,
fire, knocks, creaks, freewheel ticks, bells.

Each returns a float64 waveform of the synthesiser's length; amplitudes are sound pressure at
1 m in full-scale units, so a quiet fan and a barking dog keep their real ratio.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal


class Synth:
    """Synthesises ``duration_s`` seconds at ``sample_rate`` Hz with one random generator."""

    def __init__(self, rng: np.random.Generator, sample_rate: int, duration_s: float) -> None:
        self.rng = rng
        self.rate = sample_rate
        self.n = round(sample_rate * duration_s)
        self.t = np.arange(self.n) / sample_rate

    # -- building blocks --------------------------------------------------------------------

    def silence(self) -> np.ndarray:
        return np.zeros(self.n)

    def noise(self) -> np.ndarray:
        return self.rng.standard_normal(self.n)

    def band(
        self, x: np.ndarray, low: float | None, high: float | None, order: int = 2
    ) -> np.ndarray:
        """Butterworth low-, high- or band-pass filter."""
        nyquist = self.rate / 2 * 0.999
        if low is not None and high is not None:
            sos = signal.butter(
                order, [low, min(high, nyquist)], "bandpass", fs=self.rate, output="sos"
            )
        elif low is not None:
            sos = signal.butter(order, low, "highpass", fs=self.rate, output="sos")
        else:
            sos = signal.butter(order, min(high, nyquist), "lowpass", fs=self.rate, output="sos")
        return signal.sosfilt(sos, x)

    def resonate(self, x: np.ndarray, freqs: list[float], widths: list[float]) -> np.ndarray:
        """Sum of two-pole resonators (formants, body modes)."""
        out = np.zeros_like(x)
        for f, bw in zip(freqs, widths, strict=True):
            r = np.exp(-np.pi * bw / self.rate)
            a = [1.0, -2 * r * np.cos(2 * np.pi * f / self.rate), r * r]
            out += signal.lfilter([1.0 - r], a, x)
        return out

    def onsets(self, rate_hz: float, jitter: float = 0.0) -> np.ndarray:
        """Times of periodic events (``jitter`` as a fraction of the period)."""
        period = 1.0 / rate_hz
        times = np.arange(self.rng.uniform(0, period), self.n / self.rate, period)
        return times + self.rng.normal(0.0, jitter * period, len(times))

    def poisson_onsets(self, rate_hz: float) -> np.ndarray:
        count = self.rng.poisson(rate_hz * self.n / self.rate)
        return np.sort(self.rng.uniform(0.0, self.n / self.rate, count))

    def place(self, times: np.ndarray, amplitudes: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """``kernel`` started at each time with its amplitude (an impulse train, convolved)."""
        train = np.zeros(self.n)
        idx = np.round(np.asarray(times) * self.rate).astype(int)
        keep = (idx >= 0) & (idx < self.n)
        np.add.at(train, idx[keep], np.asarray(amplitudes)[keep])
        return signal.fftconvolve(train, kernel)[: self.n]

    def decay(self, seconds: float, tau: float) -> np.ndarray:
        """An exponential envelope of ``seconds`` with time constant ``tau``."""
        t = np.arange(round(seconds * self.rate)) / self.rate
        return np.exp(-t / tau)

    def pulse_wave(self, freq: np.ndarray | float) -> np.ndarray:
        """A glottal-like sawtooth at a (possibly varying) frequency."""
        phase = 2 * np.pi * np.cumsum(np.broadcast_to(freq, (self.n,))) / self.rate
        return signal.sawtooth(phase + self.rng.uniform(0, 2 * np.pi))

    def gate(self, rate_hz: float, duty: float, smooth_s: float = 0.02) -> np.ndarray:
        """Random on/off envelope (syllables, bursts) with smoothed edges."""
        period = max(int(self.rate / rate_hz), 1)
        slots = self.rng.random(self.n // period + 2) < duty
        env = np.repeat(slots.astype(float), period)[: self.n]
        return ndimage.uniform_filter1d(env, max(int(smooth_s * self.rate), 1))

    # -- sources ------------------------------------------------------------------------------

    def footsteps(self, cadence_hz: float, level: float) -> np.ndarray:
        length = 0.08
        thump = self.band(self.rng.standard_normal(round(length * self.rate)), None, 500)
        thump = thump * self.decay(length, 0.015) + 0.5 * np.sin(
            2 * np.pi * self.rng.uniform(60, 100) * np.arange(len(thump)) / self.rate
        ) * self.decay(length, 0.02)
        times = self.onsets(cadence_hz, jitter=0.05)
        return level * self.place(times, self.rng.uniform(0.6, 1.0, len(times)), thump)

    def voice(self, f0: float, level: float) -> np.ndarray:
        vibrato = 1 + 0.08 * np.sin(2 * np.pi * self.rng.uniform(0.3, 1.0) * self.t)
        source = self.pulse_wave(f0 * vibrato) + 0.05 * self.noise()
        formants = [self.rng.uniform(300, 850), self.rng.uniform(900, 2300), 2800.0]
        speech = self.resonate(source, formants, [80.0, 120.0, 200.0])
        return level * speech / (np.std(speech) + 1e-9) * self.gate(self.rng.uniform(3, 6), 0.6)

    def barks(self, rate_hz: float, level: float) -> np.ndarray:
        length = self.rng.uniform(0.1, 0.25)
        n = round(length * self.rate)
        tt = np.arange(n) / self.rate
        f0 = self.rng.uniform(350, 900) * (1.2 - 0.4 * tt / length)  # falls during the bark
        bark = signal.sawtooth(
            2 * np.pi * np.cumsum(f0) / self.rate
        ) + 0.4 * self.rng.standard_normal(n)
        bark = self.resonate(bark, [self.rng.uniform(900, 1600), 2500.0], [250.0, 400.0])
        bark *= np.minimum(tt / 0.01, 1.0) * np.exp(-tt / (length / 2.5))
        bark /= np.max(np.abs(bark)) + 1e-9
        times = self.onsets(rate_hz, jitter=0.25)
        return level * self.place(times, self.rng.uniform(0.7, 1.0, len(times)), bark)

    def engine(self, firing_hz: float, level: float, road: float) -> np.ndarray:
        wobble = firing_hz * (1 + 0.02 * self.band(self.noise(), None, 3.0) * 10)
        phase = 2 * np.pi * np.cumsum(wobble) / self.rate
        tones = sum(
            self.rng.uniform(0.3, 1.0) / k * np.sin(k * phase + self.rng.uniform(0, 6.3))
            for k in (0.5, 1, 1.5, 2, 3, 4, 6)
        )
        rumble = self.band(self.noise(), None, 300) * 0.5 + road * self.band(self.noise(), 80, 1500)
        return level * (tones / 2.0 + rumble * 0.6)

    def whirr(self, blade_pass_hz: float, mains_hz: float, level: float) -> np.ndarray:
        phase = 2 * np.pi * blade_pass_hz * self.t
        tones = (
            0.3 * np.sin(phase)
            + 0.1 * np.sin(2 * phase)
            + 0.15 * np.sin(4 * np.pi * mains_hz * self.t)
        )
        air = self.band(self.noise(), 250, 4000) * (1 + 0.3 * np.sin(phase))
        return level * (tones + 0.5 * air)

    def boil(self, level: float) -> np.ndarray:
        rumble = self.band(self.noise(), 60, 600)
        times = self.poisson_onsets(40.0)
        pop = self.band(self.rng.standard_normal(80), 300, 3000) * self.decay(80 / self.rate, 0.001)
        pops = self.place(times, self.rng.uniform(0.1, 1.0, len(times)), pop)
        return level * (0.5 * rumble + pops)

    def whistle(self, freq: float, level: float) -> np.ndarray:
        vibrato = 1 + 0.015 * np.sin(2 * np.pi * self.rng.uniform(4, 7) * self.t)
        tone = np.sin(2 * np.pi * np.cumsum(freq * vibrato) / self.rate)
        breath = self.band(self.noise(), freq * 0.85, freq * 1.15)
        return level * (tone + 0.3 * breath / (np.std(breath) + 1e-9)) + self.boil(level * 0.2)

    def crackle(self, rate_hz: float, level: float) -> np.ndarray:
        times = self.poisson_onsets(rate_hz)
        click = self.band(self.rng.standard_normal(48), 1500, 7000) * self.decay(
            48 / self.rate, 0.0008
        )
        amps = self.rng.pareto(2.5, len(times)) + 0.2
        hiss = 0.03 * self.band(self.noise(), 2000, 7000) + 0.1 * self.band(self.noise(), None, 200)
        return level * (self.place(times, amps, click) + hiss)

    def knocks(self, count: int, level: float) -> np.ndarray:
        start = self.rng.uniform(0.05, max(0.06, self.n / self.rate - 0.25 * count))
        times = start + np.cumsum(np.r_[0, self.rng.uniform(0.15, 0.3, count - 1)])
        length = 0.12
        tt = np.arange(round(length * self.rate)) / self.rate
        knock = np.sin(2 * np.pi * self.rng.uniform(120, 300) * tt) * np.exp(-tt / 0.03)
        knock[:48] += self.band(self.rng.standard_normal(48), 1000, 3000) * 0.5
        return level * self.place(times, self.rng.uniform(0.7, 1.0, count), knock)

    def creak(self, level: float) -> np.ndarray:
        length = self.rng.uniform(0.3, 0.8)
        n = round(length * self.rate)
        rate = np.linspace(self.rng.uniform(30, 80), self.rng.uniform(120, 250), n)
        pulses = (np.diff(np.floor(np.cumsum(rate) / self.rate), prepend=0.0) > 0).astype(float)
        body = self.resonate(pulses, [self.rng.uniform(400, 1200), 2200.0], [60.0, 150.0])
        body *= np.sin(np.pi * np.arange(n) / n)  # swells and fades
        out = np.zeros(self.n)
        start = int(self.rng.uniform(0, max(self.n - n, 1)))
        piece = body[: self.n - start]
        out[start : start + len(piece)] = piece
        return level * out / (np.max(np.abs(out)) + 1e-9)

    def ticks(self, rate_hz: float, level: float) -> np.ndarray:
        click = self.band(self.rng.standard_normal(32), 2000, 6000) * self.decay(
            32 / self.rate, 0.0005
        )
        times = self.onsets(rate_hz, jitter=0.03)
        return level * self.place(times, np.ones(len(times)), click)

    def bell(self, freq: float, level: float) -> np.ndarray:
        length = 0.8
        tt = np.arange(round(length * self.rate)) / self.rate
        ring = (
            np.sin(2 * np.pi * freq * tt) + 0.5 * np.sin(2 * np.pi * 2.76 * freq * tt)
        ) * np.exp(-tt / 0.25)
        times = np.array([self.rng.uniform(0, 0.5)]) * self.n / self.rate
        times = np.r_[times, times + 0.18]
        return level * self.place(times, np.ones(2), ring)
