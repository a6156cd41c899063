"""Raw sample types of the simulated world, with the attribute names of the product's contract.

The world imports nothing else of the package, so it carries its own copies: an event window
(structured array x:u16 y:u16 t:i64 ns p:i8, sorted by t, plus the sensor size) and an audio
clip (float32 mono waveform in [-1, 1] plus its sample rate). Consumers read attributes only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SENSOR_MODALITIES: tuple[str, ...] = ("image", "thermal", "event", "tactile", "audio", "lidar")

EVENT_DTYPE = np.dtype([("x", np.uint16), ("y", np.uint16), ("t", np.int64), ("p", np.int8)])


@dataclass(frozen=True)
class EventWindow:
    """Events of one time window from an event camera of ``width`` x ``height`` pixels."""

    events: np.ndarray  # structured, EVENT_DTYPE, sorted by t (ns); p is +1 (ON) or -1 (OFF)
    width: int
    height: int


@dataclass(frozen=True)
class AudioClip:
    """A mono waveform, float32 in [-1, 1], at ``sample_rate`` Hz."""

    waveform: np.ndarray
    sample_rate: int


def pack_events(x: np.ndarray, y: np.ndarray, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Pack event columns into one EVENT_DTYPE array, sorted by time (stable for equal stamps)."""
    order = np.argsort(t, kind="stable")
    events = np.empty(len(order), dtype=EVENT_DTYPE)
    events["x"], events["y"] = x[order], y[order]
    events["t"], events["p"] = t[order], p[order]
    return events
