"""Raw sample types handed from sensors (ROS conversions, the simulator, files) to the model.

This table is the contract between every producer and the model:

| modality | raw sample                                                        |
|----------|-------------------------------------------------------------------|
| image    | HxWx3 uint8 RGB ndarray                                           |
| text     | str                                                               |
| thermal  | HxW float32 ndarray, degrees Celsius                              |
| event    | EventSample: structured array x:u16 y:u16 t:i64(ns) p:i8 + size   |
| tactile  | HxWx3 uint8 RGB ndarray                                           |
| audio    | AudioSample: float32 mono waveform in [-1, 1] + sample rate (Hz)  |
| lidar    | Nx3 or Nx4 float32 ndarray (x, y, z[, intensity]), NaNs allowed   |

Producers outside ``core`` (the simulator) may hand any object with the same attribute
names; ``core`` reads attributes, never checks the class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EVENT_DTYPE = np.dtype([("x", np.uint16), ("y", np.uint16), ("t", np.int64), ("p", np.int8)])


@dataclass(frozen=True)
class EventSample:
    """Events of one time window from a sensor of ``width`` x ``height`` pixels."""

    events: np.ndarray  # structured, EVENT_DTYPE, sorted by t
    width: int
    height: int


@dataclass(frozen=True)
class AudioSample:
    """A mono waveform, float32 in [-1, 1], at ``sample_rate`` Hz."""

    waveform: np.ndarray
    sample_rate: int


def make_events(x: np.ndarray, y: np.ndarray, t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Pack event columns into one EVENT_DTYPE structured array."""
    events = np.empty(len(t), dtype=EVENT_DTYPE)
    events["x"], events["y"], events["t"], events["p"] = x, y, t, p
    return events
