"""The microphone: the object's sound at its distance (quieter far away, muffled behind an
occluder), room reverberation, background sounds of the place (room tone, mains hum, distant
traffic) and the microphone's own noise; float32 mono in [-1, 1]."""

from __future__ import annotations

import numpy as np
from scipy import signal

from omnibind_ros.sim.conditions import Conditions
from omnibind_ros.sim.layout import Layout
from omnibind_ros.sim.samples import AudioClip
from omnibind_ros.sim.sounds import Synth

_SELF_NOISE = 0.0015


def _room_response(rng: np.random.Generator, rate: int, indoor: bool, distance: float):
    """Direct sound plus an exponentially decaying diffuse tail; farther sources sound more
    reverberant."""
    rt60 = rng.uniform(0.3, 0.8) if indoor else rng.uniform(0.05, 0.2)
    n = max(int(rt60 * rate), 2)
    tail = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)
    tail *= (0.15 if indoor else 0.05) * min(distance, 8.0) / np.sqrt(n / 100)
    response = np.r_[1.0, np.zeros(int(0.003 * rate)), tail]
    return response


def render_audio(
    layout: Layout, conditions: Conditions, rng: np.random.Generator, rate: int, duration_s: float
) -> AudioClip:
    env = layout.env
    synth = Synth(rng, rate, duration_s)
    source = layout.model.sound(layout.params, synth) / max(conditions.distance_m, 0.5)
    if conditions.occlusion > 0:  # diffraction round an obstacle loses the highs
        source = (1 - 0.5 * conditions.occlusion) * synth.band(source, None, 2500.0)
    wet = signal.fftconvolve(source, _room_response(rng, rate, env.indoor, conditions.distance_m))
    room = rng.uniform(0.001, 0.004) * env.noise * synth.band(synth.noise(), None, 800.0)
    if rng.random() < 0.3:
        mains = float(rng.choice([50.0, 60.0]))
        room += rng.uniform(0.0005, 0.003) * np.sin(2 * np.pi * mains * synth.t)
    if rng.random() < 0.2:  # traffic somewhere outside
        rumble = synth.band(synth.noise(), 30.0, 250.0) * synth.gate(0.3, 0.7, 0.8)
        room += rng.uniform(0.003, 0.01) * rumble
    room += _SELF_NOISE * env.noise * synth.noise()
    mixed = wet[: synth.n] + room
    return AudioClip(np.clip(mixed, -1.0, 1.0).astype(np.float32), rate)
