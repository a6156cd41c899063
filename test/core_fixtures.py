"""Shared inputs of the model-layer tests: raw sensor samples and a tiny CLIP architecture."""

from __future__ import annotations

from typing import Any

import numpy as np

from omnibind_ros.core.samples import AudioSample, EventSample, make_events

# A small vocabulary of the simulated world's classes, for models built in tests.
LABELS = ["person", "dog", "car", "fan", "kettle", "fire"]

# A CLIP small enough to build with random weights in a fraction of a second.
TINY_CLIP = {
    "embed_dim": 32,
    "vision_cfg": {"layers": 2, "width": 64, "patch_size": 16, "image_size": 64},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}


def raw_samples(seed: int = 0) -> dict[str, Any]:
    """One raw sample per sensor modality, in the formats of core/samples.py.

    Random but shaped like real sensors: VGA camera, 160x120 thermal, 640x480 event camera,
    DIGIT-size tactile image, 1 s of 16 kHz audio, a 20k-point lidar sweep with NaN returns.
    """
    rng = np.random.default_rng(seed)
    n_events = 20_000
    events = make_events(
        rng.integers(0, 640, n_events).astype(np.uint16),
        rng.integers(0, 480, n_events).astype(np.uint16),
        np.sort(rng.integers(0, 50_000_000, n_events)).astype(np.int64),
        rng.choice(np.array([-1, 1], dtype=np.int8), n_events),
    )
    cloud = rng.normal(0.0, 8.0, (20_000, 4)).astype(np.float32)
    cloud[::50] = np.nan  # lidar drivers report missing returns as NaN rows
    t = np.arange(16_000, dtype=np.float32) / 16_000
    tone = 0.3 * np.sin(2 * np.pi * (200.0 + 100.0 * seed) * t)
    return {
        "image": rng.integers(0, 256, (480, 640, 3), dtype=np.uint8),
        "thermal": rng.normal(22.0, 6.0, (120, 160)).astype(np.float32),
        "event": EventSample(events, width=640, height=480),
        "tactile": rng.integers(0, 256, (240, 320, 3), dtype=np.uint8),
        "audio": AudioSample((tone + rng.normal(0, 0.05, t.shape)).astype(np.float32), 16_000),
        "lidar": cloud,
    }


class FakeClock:
    """A pipeline clock the test moves by hand (seconds)."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
