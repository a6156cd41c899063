"""Event-camera PointCloud2 (fields x, y, t, p) ⇄ the core sample: an EventSample.

A cloud's width x height is its event count, not the sensor size: the sensor size comes from
the options (or, when they leave it 0, from the largest coordinate of the packet, capped by
``max_sensor_side``). ``t`` may be any
field type; ``time_unit`` scales it to nanoseconds and ``time_reference`` says whether it
counts from the header stamp ("header", what the writer produces) or is absolute.
"""

from __future__ import annotations

import numpy as np
from sensor_msgs.msg import PointCloud2

from omnibind_ros.core.limits import DEFAULT_MAX_EVENTS, DEFAULT_MAX_SENSOR_SIDE
from omnibind_ros.core.samples import EventSample, make_events
from omnibind_ros.ros.conversions.errors import ConversionError
from omnibind_ros.ros.conversions.header import stamp_to_ns
from omnibind_ros.ros.conversions.layouts import EVENT_LAYOUT
from omnibind_ros.ros.conversions.pointcloud import cloud_records, records_to_cloud

EVENT_FIELDS = ("x", "y", "t", "p")
TIME_UNITS_NS: dict[str, int] = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
TIME_REFERENCES = ("header", "absolute")
_MAX_OFFSET_NS = np.iinfo(np.uint32).max  # the writer's t field
# Half of int64: stamps this large are centuries away, and windows subtract in int64.
_MAX_T_NS = float(2**62)


def cloud_to_events(
    msg: PointCloud2,
    *,
    width: int = 0,
    height: int = 0,
    time_unit: str = "ns",
    time_reference: str = "header",
    max_events: int = DEFAULT_MAX_EVENTS,
    max_sensor_side: int = DEFAULT_MAX_SENSOR_SIDE,
) -> EventSample:
    """The events of ``msg``, sorted by t (ns), from a sensor of ``width`` x ``height``.

    Values are checked before they are narrowed to EVENT_DTYPE, so nothing wraps: polarity
    must be 0/1 or -1/+1, t non-negative and within int64 nanoseconds, x/y on the sensor.
    """
    records = cloud_records(msg, max_points=max_events).reshape(-1)
    missing = [name for name in EVENT_FIELDS if name not in records.dtype.names]
    if missing:
        raise ConversionError(f"missing fields {missing}; the cloud has {records.dtype.names}")
    x, width = pixel_coordinates(records["x"], width, "x", "width", max_sensor_side)
    y, height = pixel_coordinates(records["y"], height, "y", "height", max_sensor_side)
    base_ns = stamp_to_ns(msg.header.stamp) if time_reference == "header" else 0
    t = _nanoseconds(records["t"], TIME_UNITS_NS[time_unit], base_ns)
    events = make_events(x, y, t, polarities(records["p"]))
    return EventSample(sort_by_time(events), width, height)


def pixel_coordinates(
    values: np.ndarray, size: int, axis: str, dimension: str, max_side: int
) -> tuple[np.ndarray, int]:
    """Coordinates as uint16 and the sensor size along them (``size``, or max + 1 when 0,
    at most ``max_side``)."""
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise ConversionError(f"event {axis} has NaN/Inf values")
    if size > max_side:
        raise ConversionError(f"sensor {dimension} {size} exceeds the limit of {max_side}")
    low, high = values.min(), values.max()
    limit = size or min(int(high) + 1, max_side)
    if low < 0 or high >= limit:
        raise ConversionError(
            f"event {axis} in {low}..{high} lies outside sensor {dimension} {limit}"
            + ("" if size else f" (the largest the limit of {max_side} allows)")
        )
    return values.astype(np.uint16), limit


def polarities(values: np.ndarray) -> np.ndarray:
    """Polarities as int8, which must be 0/1 or -1/+1 (200 would wrap to -56)."""
    low, high = values.min(), values.max()
    if not (np.all(np.isfinite(values)) and low >= -1 and high <= 1) or (
        values.dtype.kind == "f" and np.any(values != np.round(values))
    ):
        raise ConversionError(f"event p in {low}..{high}; expected 0/1 or -1/+1")
    return values.astype(np.int8)


def sort_by_time(events: np.ndarray) -> np.ndarray:
    """``events`` in t order (stable: simultaneous events keep their order); no copy if sorted."""
    t = events["t"]
    if t.size > 1 and np.any(t[1:] < t[:-1]):
        return events[np.argsort(t, kind="stable")]
    return events


def _nanoseconds(values: np.ndarray, unit_ns: int, base_ns: int) -> np.ndarray:
    """``base_ns`` + t in ``unit_ns`` as int64 ns; t must be >= 0 and the sum fit int64."""
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        raise ConversionError("event t has NaN/Inf values")
    low, high = values.min(), values.max()
    # Checked in float64 (exact enough for a bound) before any integer arithmetic can wrap.
    if low < 0 or float(high) * unit_ns + base_ns > _MAX_T_NS:
        raise ConversionError(
            f"event t in {low}..{high} (x {unit_ns} ns, after {base_ns} ns) must be >= 0 "
            "and fit int64 nanoseconds"
        )
    if values.dtype.kind == "f":
        return np.rint(values.astype(np.float64) * unit_ns).astype(np.int64) + base_ns
    return values.astype(np.int64) * unit_ns + base_ns


def events_to_msg(
    events: EventSample | np.ndarray, stamp_ns: int | None = None, frame_id: str = ""
) -> PointCloud2:
    """Events (an EventSample or an EVENT_DTYPE array) as a cloud in EVENT_LAYOUT.

    The header stamp is ``stamp_ns`` (default: the first event's t) and each t is stored as
    uint32 nanoseconds after it, so one message spans at most 4.29 s.
    """
    array = events.events if isinstance(events, EventSample) else np.asarray(events)
    t = array["t"].astype(np.int64)
    if stamp_ns is None:
        stamp_ns = int(t.min()) if t.size else 0
    offsets = t - stamp_ns
    if t.size and (offsets.min() < 0 or offsets.max() > _MAX_OFFSET_NS):
        raise ConversionError(
            f"event times must lie within 0..{_MAX_OFFSET_NS} ns after the stamp {stamp_ns}"
        )
    records = np.zeros(array.shape[0], dtype=EVENT_LAYOUT.dtype())
    records["x"], records["y"], records["p"] = array["x"], array["y"], array["p"]
    records["t"] = offsets
    return records_to_cloud(records, EVENT_LAYOUT, stamp_ns, frame_id)
