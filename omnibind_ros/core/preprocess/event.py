"""Event-camera packets -> (2 * time_bins, S, S) polarity histograms of the newest window."""

from __future__ import annotations

from typing import Any

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.limits import MAX_EVENT_HISTOGRAM_CELLS, MAX_EVENT_SENSOR_SIDE
from omnibind_ros.core.preprocess.checks import array_sample, attribute, positive_int
from omnibind_ros.core.preprocess.params import require
from omnibind_ros.core.preprocess.resize import check_fit, fit_square

LAYOUT = "an EventSample (.events with fields x, y, t, p; .width; .height)"
FIELDS = ("x", "y", "t", "p")


def shape(modality: str, params: dict) -> tuple[int, ...]:
    check_fit(modality, params)
    for key in ("window_ms", "time_bins"):
        require(params[key] > 0, modality, f"{key} must be positive, got {params[key]}")
    return (2 * params["time_bins"], params["size"], params["size"])


def preprocess(modality: str, raw: Any, params: dict) -> np.ndarray:
    """Count events per pixel, polarity and time bin over the last ``window_ms`` of the packet.

    Channel 2k holds negative and 2k+1 positive events of time bin k (oldest first); p > 0
    is positive, so both the {0, 1} and the {-1, +1} polarity conventions work. The
    window ends at the newest event; events need not be sorted, since counting ignores order
    (so an unsorted packet costs nothing extra and is accepted). Counts are log-compressed
    and scaled so the busiest pixel is 1: the count depends on how fast things move, the
    encoder should see the shape of the motion.
    """
    events, width, height = check(modality, raw)
    x, y = events["x"].astype(np.int64), events["y"].astype(np.int64)
    time_bins = params["time_bins"]
    window_ns = params["window_ms"] * 1e6
    age = _ages_ns(events["t"])
    recent = age < window_ns
    if params["fit"] == "crop":
        # Only the centre square is seen (fit_square's crop): count only there, so the cost
        # follows the square, not the sensor's longer side.
        side = min(width, height)
        top, left = (height - side) // 2, (width - side) // 2
        x, y, width, height = x - left, y - top, side, side
        recent &= (x >= 0) & (x < side) & (y >= 0) & (y < side)
    cells = 2 * time_bins * height * width
    if cells > MAX_EVENT_HISTOGRAM_CELLS:
        raise InvalidSampleError(
            modality,
            f"a {width}x{height} histogram of {2 * time_bins} channels exceeds "
            f"{MAX_EVENT_HISTOGRAM_CELLS} cells: a wrong sensor size would cost memory for "
            "nothing (the largest event cameras have about 1 Mpx)",
        )
    time_bin = ((window_ns - age[recent]) * (time_bins / window_ns)).astype(np.int64)
    channel = 2 * np.minimum(time_bin, time_bins - 1) + (events["p"][recent] > 0)
    # Channels last, the layout fit_square resizes fastest.
    flat = (y[recent] * width + x[recent]) * (2 * time_bins) + channel
    # float32 at once and log(1 + n) in place: 12 bytes per cell at the peak, not 20. Not
    # log1p: counts are whole, so 1 + n is exact, and numpy vectorises log, not log1p (3x).
    counts = np.bincount(flat, minlength=cells).astype(np.float32)
    counts += 1.0
    planes = np.log(counts, out=counts).reshape(height, width, 2 * time_bins)
    resized = fit_square(planes, params["size"], params["fit"])
    busiest = resized.max()
    # Every recent event may lie outside the centre crop: nothing moves in view, all zeros.
    return resized / busiest if busiest > 0 else resized


def check(modality: str, raw: Any) -> tuple[np.ndarray, int, int]:
    """The events and sensor size, with every event on the sensor and a known polarity."""
    events, width, height = _event_sample(modality, raw)
    if max(width, height) > MAX_EVENT_SENSOR_SIDE:
        raise InvalidSampleError(
            modality, f"sensor {width}x{height}: x and y (uint16) address {MAX_EVENT_SENSOR_SIDE}"
        )
    x, y = events["x"], events["y"]
    if x.min() < 0 or x.max() >= width or y.min() < 0 or y.max() >= height:
        raise InvalidSampleError(
            modality,
            f"event coordinates x {x.min()}..{x.max()}, y {y.min()}..{y.max()} "
            f"lie outside the {width}x{height} sensor",
        )
    p = events["p"]
    if p.min() < -1 or p.max() > 1:
        raise InvalidSampleError(
            modality, f"polarity in {p.min()}..{p.max()}; expected 0/1 or -1/+1"
        )
    return events, width, height


def _ages_ns(t: np.ndarray) -> np.ndarray:
    """Nanoseconds from the newest event, as float64: subtracted modulo 2^64 on the integer
    bit patterns, so epoch-scale stamps lose nothing and int64 extremes cannot overflow."""
    wide = t.astype(np.int64 if t.dtype.kind == "i" else np.uint64)
    bits = wide.view(np.uint64)
    return (bits[np.argmax(wide)] - bits).astype(np.float64)


def _event_sample(modality: str, raw: Any) -> tuple[np.ndarray, int, int]:
    events = attribute(modality, raw, "events", LAYOUT)
    width = positive_int(modality, attribute(modality, raw, "width", LAYOUT), "sensor width")
    height = positive_int(modality, attribute(modality, raw, "height", LAYOUT), "sensor height")
    array_sample(modality, events, ndim=1, layout="1-D structured event")
    missing = [f for f in FIELDS if f not in (events.dtype.names or ())]
    if missing:
        raise InvalidSampleError(
            modality, f"events lack field(s) {', '.join(missing)} (dtype {events.dtype})"
        )
    if any(events.dtype[f].kind not in "iu" for f in FIELDS):
        raise InvalidSampleError(modality, f"event fields must be integers, got {events.dtype}")
    return events, width, height
