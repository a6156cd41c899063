"""A sensor slot: the newest data of one sensor, its cached embedding, and its health.

Three kinds of thread touch a slot: subscription callbacks (``offer``, ``count_bad``), the
encoder threads (``take_job``, ``store_embedding``) and fusion/diagnostics (``view``). One lock
guards everything; every call under it is short and never encodes.

Times are monotonic seconds ("now") for staleness and rates; ``stamp_ns`` is the message's
header stamp, used to line samples up in the fusion window.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from omnibind_ros.pipeline.params import SensorConfig
from omnibind_ros.pipeline.rate_budget import RateBudget
from omnibind_ros.pipeline.streams import SampleStream


class RateEstimator:
    """Events per second over the last ``window`` seconds, read at a clock that only moves
    forward. Thread-safe: one thread ticks while another (diagnostics) reads."""

    def __init__(self, window: float = 2.0, max_events: int = 1024) -> None:
        self._window = window
        self._times: deque[float] = deque(maxlen=max_events)
        self._lock = threading.Lock()

    def tick(self, now: float) -> None:
        with self._lock:
            self._times.append(now)

    def rate(self, now: float) -> float:
        # Fusion reads every slot's rate for each scene (about 100 a second): arrivals older
        # than the window are dropped here once instead of being scanned on every read.
        with self._lock:
            times = self._times
            while times and now - times[0] > self._window:
                times.popleft()
            count, first = len(times), (times[0] if times else now)
        if count < 2:
            return 0.0
        # Measured up to now, not to the last arrival, so a sensor that stops decays to zero.
        return (count - 1) / max(now - first, 1e-9)


@dataclass(frozen=True)
class EncodeJob:
    """One assembled sample for the encoder; ``seq`` ties the result back to it."""

    slot: str
    modality: str
    sample: Any
    stamp_ns: int
    seq: int
    frame_id: str = ""


@dataclass(frozen=True)
class SlotView:
    """A consistent snapshot of a slot for fusion and diagnostics."""

    name: str
    modality: str
    topic: str
    active: bool
    reason: str  # why inactive ('' when active)
    embedding: np.ndarray | None
    stamp_ns: int  # stamp of the sample the embedding came from
    frame_id: str  # header frame of that sample ('' when the message has none)
    age: float | None  # seconds since the newest message (None: never received)
    rate_hz: float
    publishers: int
    received: int
    superseded: int
    bad: int
    encode_errors: int
    encoded: int
    last_error: str


class SensorSlot:
    def __init__(self, config: SensorConfig, stream: SampleStream, max_encode_hz: float) -> None:
        self.config = config
        self._stream = stream
        self._encode_budget = RateBudget(max_encode_hz)
        self._lock = threading.Lock()
        self._rate = RateEstimator()
        self._publishers = 0
        self._last_received: float | None = None
        self._pending_stamp_ns: int | None = None  # new data since the last job
        self._pending_frame_id = ""
        self._pending_since = 0.0  # when the oldest data not yet taken arrived
        self._seq = self._stored_seq = 0
        self._embedding: np.ndarray | None = None
        self._embedding_stamp_ns = 0
        self._embedding_frame_id = ""
        self._received = self._superseded = self._bad = self._encode_errors = self._encoded = 0
        self._last_error = ""
        self._last_sample: Any | None = None

    @property
    def name(self) -> str:
        return self.config.name

    # -- subscription side ------------------------------------------------------------------

    def offer(self, sample: Any, stamp_ns: int, now: float, frame_id: str = "") -> None:
        """Store a converted message (cheap: no encoding)."""
        with self._lock:
            self._superseded += self._stream.add(sample)
            self._last_sample = sample
            if self._pending_stamp_ns is None:
                self._pending_since = now
            self._pending_stamp_ns = stamp_ns
            self._pending_frame_id = frame_id
            self._last_received = now
            self._received += 1
            self._rate.tick(now)

    def count_bad(self, problem: str, now: float) -> None:
        """A message that could not be converted: counted, remembered, dropped."""
        with self._lock:
            self._bad += 1
            self._received += 1
            self._last_error = problem
            self._rate.tick(now)

    def set_max_encode_hz(self, max_encode_hz: float, now: float) -> None:
        with self._lock:
            self._encode_budget.set_rate(max_encode_hz, now)

    def set_publishers(self, count: int) -> None:
        with self._lock:
            self._publishers = max(0, int(count))

    # -- encoder side -----------------------------------------------------------------------

    def take_job(self, now: float) -> EncodeJob | None:
        """The next sample to encode, if there is new data and the encode budget allows it
        (``max_encode_hz`` on average, a sample early by up to a period let through)."""
        with self._lock:
            if self._pending_stamp_ns is None or self._encode_budget.wait(now) > 0:
                return None
            sample = self._stream.assemble()
            if sample is None:
                return None  # not enough data yet (e.g. audio clip still filling)
            self._seq += 1
            self._encode_budget.take(now)
            stamp_ns, self._pending_stamp_ns = self._pending_stamp_ns, None
            return EncodeJob(
                self.name, self.config.modality, sample, stamp_ns, self._seq, self._pending_frame_id
            )

    def next_job_due(self, now: float) -> float | None:
        """Seconds until ``take_job`` may return a job (None: nothing pending)."""
        with self._lock:
            if self._pending_stamp_ns is None:
                return None
            return self._encode_budget.wait(now)

    def pending_since(self) -> float | None:
        """When the oldest data waiting to be encoded arrived (None: nothing waits)."""
        with self._lock:
            return None if self._pending_stamp_ns is None else self._pending_since

    def store_embedding(self, job: EncodeJob, embedding: np.ndarray) -> None:
        with self._lock:
            if job.seq <= self._stored_seq:
                return  # a newer result already landed
            self._stored_seq = job.seq
            self._embedding = embedding
            self._embedding_stamp_ns = job.stamp_ns
            self._embedding_frame_id = job.frame_id
            self._encoded += 1

    def count_invalid(self, problem: str) -> None:
        """The assembled sample was rejected by preprocessing (bad data, not a bug)."""
        with self._lock:
            self._bad += 1
            self._last_error = problem

    def count_encode_error(self, problem: str) -> None:
        with self._lock:
            self._encode_errors += 1
            self._last_error = problem

    # -- fusion / diagnostics side ----------------------------------------------------------

    def reset_stream(self) -> None:
        """The sensor went away: drop buffered data and the cached embedding."""
        with self._lock:
            self._stream.reset()
            self._pending_stamp_ns = None
            self._embedding = None
            self._last_sample = None

    def last_sample(self) -> Any | None:
        """The newest converted message as it came (the overlay draws on it)."""
        with self._lock:
            return self._last_sample

    def view(self, now: float) -> SlotView:
        with self._lock:
            age = None if self._last_received is None else now - self._last_received
            if self._publishers == 0:
                reason = "no publisher"
            elif age is None:
                reason = "no message yet"
            elif age >= self.config.stale_timeout:
                reason = f"stale ({age:.1f} s without a message)"
            elif self._embedding is None:
                reason = "waiting for a first encoded sample"
            else:
                reason = ""
            return SlotView(
                name=self.name,
                modality=self.config.modality,
                topic=self.config.topic,
                active=not reason,
                reason=reason,
                embedding=self._embedding,
                stamp_ns=self._embedding_stamp_ns,
                frame_id=self._embedding_frame_id,
                age=age,
                rate_hz=self._rate.rate(now),
                publishers=self._publishers,
                received=self._received,
                superseded=self._superseded,
                bad=self._bad,
                encode_errors=self._encode_errors,
                encoded=self._encoded,
                last_error=self._last_error,
            )


class SlotRegistry:
    """The node's slots by name; safe to change while the worker and timers read it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, SensorSlot] = {}

    def add(self, slot: SensorSlot) -> None:
        with self._lock:
            self._slots[slot.name] = slot

    def remove(self, name: str) -> SensorSlot | None:
        with self._lock:
            return self._slots.pop(name, None)

    def get(self, name: str) -> SensorSlot | None:
        with self._lock:
            return self._slots.get(name)

    def all(self) -> list[SensorSlot]:
        with self._lock:
            return list(self._slots.values())

    def views(self, now: float) -> list[SlotView]:
        return [slot.view(now) for slot in self.all()]
