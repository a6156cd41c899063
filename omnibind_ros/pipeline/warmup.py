"""Encoding one synthetic sample per modality before the node goes live.

The first encode of a modality is slow (lazy imports such as open3d take seconds and hold the
interpreter while they load; torch picks its kernels): done while sensors stream, that stalls
every callback of the node. Done at start, the node is slow to start instead of deaf later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from omnibind_ros.core.samples import AudioSample, EventSample, make_events

_RNG_SEED = 0


def synthetic_sample(modality: str) -> Any:
    """A small, valid raw sample of ``modality`` (content does not matter, format does)."""
    rng = np.random.default_rng(_RNG_SEED)
    if modality in ("image", "tactile"):
        return rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    if modality == "thermal":
        return rng.normal(25.0, 5.0, (24, 32)).astype(np.float32)
    if modality == "event":
        t = np.arange(200, dtype=np.int64) * 100_000
        x, y = (
            rng.integers(0, 32, 200).astype(np.uint16),
            rng.integers(0, 24, 200).astype(np.uint16),
        )
        return EventSample(make_events(x, y, t, rng.choice([-1, 1], 200).astype(np.int8)), 32, 24)
    if modality == "audio":
        return AudioSample(rng.normal(0.0, 0.05, 16000).astype(np.float32), 16000)
    if modality == "lidar":
        return rng.normal(0.0, 5.0, (2000, 4)).astype(np.float32)
    raise ValueError(f"no synthetic sample for modality {modality!r}")


def warm_up(
    encode: Callable[[str, Any], np.ndarray], modalities: Iterable[str]
) -> dict[str, float]:
    """Encode one synthetic sample per modality; returns the seconds each first encode took."""
    seconds = {}
    for modality in modalities:
        started = time.perf_counter()
        encode(modality, synthetic_sample(modality))
        seconds[modality] = time.perf_counter() - started
    return seconds
