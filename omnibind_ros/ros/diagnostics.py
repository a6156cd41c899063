"""/diagnostics content: one status per sensor slot and one for the node.

Statuses are built from slot views here (unit-testable); the node only wraps them in a
diagnostic_msgs/DiagnosticArray.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from std_msgs.msg import Header

from omnibind_ros.pipeline.slots import SlotView

# diagnostic_msgs/DiagnosticStatus levels (the message holds them as single bytes).
OK, WARN, ERROR, STALE = 0, 1, 2, 3


@dataclass(frozen=True)
class Status:
    name: str
    level: int
    message: str
    values: dict[str, str] = field(default_factory=dict)


class DiagnosticsReporter:
    """Turns slot views into statuses; an active sensor is WARN after bad messages and ERROR
    after encoder failures since the previous report, an inactive one STALE."""

    def __init__(self, node_name: str) -> None:
        self._node_name = node_name
        self._last_counts: dict[str, tuple[int, int]] = {}  # slot -> (bad, encode errors)

    def sensor_status(self, view: SlotView) -> Status:
        bad, errors = self._new_problems(view)
        if not view.active:
            level, message = STALE, f"inactive: {view.reason}"
        elif errors:
            level, message = ERROR, f"{errors} samples failed to encode: {view.last_error}"
        elif bad:
            level, message = WARN, f"{bad} bad messages since last report: {view.last_error}"
        else:
            level, message = OK, "active"
        values = {
            "modality": view.modality,
            "topic": view.topic,
            "active": str(view.active).lower(),
            "rate_hz": f"{view.rate_hz:.1f}",
            "age_s": "never" if view.age is None else f"{view.age:.3f}",
            "publishers": str(view.publishers),
            "received": str(view.received),
            "encoded": str(view.encoded),
            "dropped_superseded": str(view.superseded),
            "bad_messages": str(view.bad),
            "encode_errors": str(view.encode_errors),
            "last_error": view.last_error,
        }
        return Status(f"{self._node_name}: sensor {view.name}", level, message, values)

    def node_status(
        self,
        views: Sequence[SlotView],
        fuse_seconds: Iterable[float],
        encode_seconds: Iterable[float],
        scene_rate_hz: float,
        labels: int,
        encoder_running: bool = True,
        gc_pause: tuple[float, int] = (0.0, 0),
    ) -> Status:
        """``gc_pause``: the longest garbage-collector pause (s) and the number of collections
        since the previous report."""
        active = sorted(v.name for v in views if v.active)
        fuse_ms = np.asarray(list(fuse_seconds)) * 1e3
        encode_ms = np.asarray(list(encode_seconds)) * 1e3
        values = {
            "active_sensors": " ".join(active),
            "configured_sensors": str(len(views)),
            "scene_rate_hz": f"{scene_rate_hz:.1f}",
            "labels": str(labels),
            "fusion_latency_ms_p50": _percentile(fuse_ms, 50),
            "fusion_latency_ms_p99": _percentile(fuse_ms, 99),
            "encode_latency_ms_p50": _percentile(encode_ms, 50),
            "encode_latency_ms_p99": _percentile(encode_ms, 99),
            "gc_pause_ms_max": f"{gc_pause[0] * 1e3:.1f}",
            "gc_collections": str(gc_pause[1]),
        }
        if not encoder_running:
            level, message = ERROR, "encoder thread stopped: no sample is encoded any more"
        elif active:
            level, message = OK, f"fusing {len(active)} of {len(views)} sensors"
        else:
            level, message = WARN, "no active sensors: no labels are published"
        return Status(f"{self._node_name}: perception", level, message, values)

    def _new_problems(self, view: SlotView) -> tuple[int, int]:
        """(bad messages, encode errors) since the previous report of this slot."""
        last_bad, last_errors = self._last_counts.get(view.name, (0, 0))
        self._last_counts[view.name] = (view.bad, view.encode_errors)
        return max(0, view.bad - last_bad), max(0, view.encode_errors - last_errors)


def diagnostic_array(statuses: Iterable[Status], stamp: Time) -> DiagnosticArray:
    return DiagnosticArray(header=Header(stamp=stamp), status=[_to_msg(s) for s in statuses])


def _to_msg(status: Status) -> DiagnosticStatus:
    return DiagnosticStatus(
        level=status.level.to_bytes(1, "little"),
        name=status.name,
        message=status.message,
        hardware_id=status.name.split(":")[0],
        values=[KeyValue(key=k, value=v) for k, v in status.values.items()],
    )


def _percentile(values: np.ndarray, q: float) -> str:
    return f"{np.percentile(values, q):.2f}" if values.size else "n/a"
