"""Encoding new samples once each, off the subscription threads, and fusing what is fresh.

ROS-free: the caller owns the clock and the publishers. ``EncoderWorker`` is a small pool of
threads that encode whatever slots have new data (newest sample only, rate-limited per slot,
the longest-waiting slot first, one thread per slot at a time), so a slow encoder holds one
thread while the others keep serving the fast sensors; ``SceneFuser`` turns the cached
embeddings of active slots into labels.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.pipeline.slots import EncodeJob, SensorSlot, SlotRegistry, SlotView

Clock = Callable[[], float]
ErrorReporter = Callable[[str, str], None]  # (slot name, problem)
# Called after each stored embedding (``on_embedding``) or when an encoder thread has nothing
# left to encode (``on_idle``); returns the seconds after which it wants to be called again
# (None: not before the next embedding).
Hook = Callable[[], "float | None"]
IDLE_WAIT_S = 1.0  # nothing pending: sleep until woken, checking for a stop this often
# Data may be pending but not assemblable yet (a filling audio clip): nap, re-check.
MIN_NAP_S = 0.002


class EncoderWorker:
    """Encodes each slot's newest sample once, in ``threads`` threads, never blocking callbacks.

    ``wake()`` is called by subscription callbacks after storing a sample; the threads sleep
    otherwise, or until the earliest rate-limited slot may be encoded again.
    """

    def __init__(
        self,
        encode: Callable[[str, Any], np.ndarray],
        registry: SlotRegistry,
        report_error: ErrorReporter,
        clock: Clock = time.monotonic,
        *,
        threads: int = 1,
        on_embedding: Hook = lambda: None,
        on_idle: Hook = lambda: None,
    ) -> None:
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self._encode = encode
        self._registry = registry
        self._report_error = report_error
        self._clock = clock
        self._on_embedding = on_embedding
        self._on_idle = on_idle
        self._changed = threading.Condition()
        self._signals = 0  # bumped by every wake(): a wake between check and wait is not lost
        self._stopping = False
        self._paused = False
        self._claimed: set[str] = set()  # slots an encoder thread works on now (under _changed)
        self._threads = [
            threading.Thread(target=self._run, name=f"omnibind-encoder-{i}", daemon=True)
            for i in range(threads)
        ]
        self._durations: deque[float] = deque(maxlen=200)

    @property
    def encode_seconds(self) -> list[float]:
        """Recent encode durations (wall seconds), for diagnostics."""
        return list(self._durations)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout)

    def wake(self) -> None:
        with self._changed:
            self._signals += 1
            self._changed.notify_all()

    def pause(self, paused: bool) -> None:
        """While paused, new samples wait in their slots unencoded (latest wins, as ever)."""
        with self._changed:
            self._paused = paused
            self._signals += 1
            self._changed.notify_all()

    @property
    def paused(self) -> bool:
        with self._changed:
            return self._paused

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def run_once(self) -> int:
        """Encode, in this thread, every slot whose new data is due now; returns how many."""
        encoded = 0
        while (claimed := self._claim_next()) is not None:
            encoded += self._encode_job(*claimed)
        return encoded

    def _claim_next(self) -> tuple[SensorSlot, EncodeJob] | None:
        """The due job of the slot whose data has waited longest, claimed for this thread:
        no two threads encode one sensor at once, and none waits behind another's encoder."""
        now = self._clock()
        with self._changed:
            if self._paused:
                return None
            slots = [s for s in self._registry.all() if s.name not in self._claimed]
            waiting = [(since, s) for s in slots if (since := s.pending_since()) is not None]
            for _, slot in sorted(waiting, key=lambda pair: pair[0]):
                job = slot.take_job(now)
                if job is not None:
                    self._claimed.add(slot.name)
                    return slot, job
        return None

    def _release(self, slot: SensorSlot) -> None:
        with self._changed:
            self._claimed.discard(slot.name)
            self._signals += 1  # its newer data, if any, is for whichever thread is free
            self._changed.notify_all()

    def _encode_job(self, slot: SensorSlot, job: EncodeJob) -> int:
        try:
            started = time.perf_counter()
            try:
                embedding = self._encode(job.modality, job.sample)
            except InvalidSampleError as err:
                slot.count_invalid(err.problem)
                self._report_error(slot.name, str(err))
                return 0
            except Exception as err:  # an encoder bug must not stop the other sensors
                slot.count_encode_error(f"{type(err).__name__}: {err}")
                self._report_error(slot.name, f"encoding failed: {type(err).__name__}: {err}")
                return 0
            self._durations.append(time.perf_counter() - started)
            slot.store_embedding(job, embedding)
        finally:
            self._release(slot)
        self._on_embedding()
        return 1

    def _seconds_until_due(self) -> float | None:
        """Until the earliest unclaimed slot's job is due (a claimed one is looked at again
        when its thread releases it)."""
        now = self._clock()
        with self._changed:
            if self._paused:
                return None
            slots = [s for s in self._registry.all() if s.name not in self._claimed]
        waits = [w for s in slots if (w := s.next_job_due(now)) is not None]
        return min(waits) if waits else None

    def _run(self) -> None:
        while True:
            with self._changed:
                if self._stopping:
                    return
                seen = self._signals
            while (claimed := self._claim_next()) is not None:
                self._encode_job(*claimed)
            waits = [w for w in (self._seconds_until_due(), self._on_idle()) if w is not None]
            with self._changed:
                if self._signals == seen and not self._stopping:
                    self._changed.wait(max(min(waits), MIN_NAP_S) if waits else IDLE_WAIT_S)


@dataclass(frozen=True)
class SensorResult:
    name: str
    modality: str
    label: str
    score: float
    stamp_ns: int
    frame_id: str = ""
    weight: float = 0.0  # this sensor's share of the fused embedding (fuse_with_weights)


@dataclass(frozen=True)
class SceneResult:
    stamp_ns: int  # newest stamp among the fused samples
    top_k: list[tuple[str, float]]
    sensors: list[SensorResult]

    @property
    def modalities(self) -> list[str]:
        return sorted({s.modality for s in self.sensors})

    @property
    def oldest_stamp_ns(self) -> int:
        return min(s.stamp_ns for s in self.sensors)

    @property
    def frame_id(self) -> str:
        """The frame of the newest fused sample that has one ('' when none has)."""
        framed = [s for s in self.sensors if s.frame_id]
        return max(framed, key=lambda s: s.stamp_ns).frame_id if framed else ""


def select_for_fusion(views: Sequence[SlotView], window_ns: int) -> list[SlotView]:
    """Active slots with an embedding whose stamps lie within ``window_ns`` of the newest."""
    ready = [v for v in views if v.active and v.embedding is not None]
    if not ready:
        return []
    newest = max(v.stamp_ns for v in ready)
    return [v for v in ready if v.stamp_ns >= newest - window_ns]


class SceneFuser:
    """Fuses selected slots and classifies against the current labels.

    Label changes (``set_labels``) and fusion share one lock, so a scene is never classified
    against a half-replaced label bank.
    """

    def __init__(self, model: Any, top_k: int) -> None:
        self._model = model
        self._lock = threading.Lock()
        self.top_k = top_k

    @property
    def labels(self) -> list[str]:
        with self._lock:
            return list(self._model.labels)

    def set_labels(self, labels: Sequence[str]) -> None:
        with self._lock:
            self._model.set_labels(list(labels))

    def fuse(self, views: Sequence[SlotView], window_ns: int) -> SceneResult | None:
        selected = select_for_fusion(views, window_ns)
        if not selected:
            return None
        with self._lock:
            inputs = [(v.modality, v.embedding) for v in selected]
            fused, weights = self._model.fuse_with_weights(inputs)
            # The scene and every sensor ranked in one pass: one label snapshot, one matmul.
            # Each sensor against its own modality's prompts ("the sound of a {}" ...).
            rankings = self._model.rank(
                np.stack([fused, *(v.embedding for v in selected)]),
                top_k=self.top_k,
                modalities=[None, *(v.modality for v in selected)],
            )
        top_k = rankings[0]
        sensors = [
            SensorResult(
                view.name,
                view.modality,
                label,
                float(score),
                view.stamp_ns,
                view.frame_id,
                float(weight),
            )
            for view, weight, ((label, score), *_) in zip(
                selected, weights, rankings[1:], strict=True
            )
        ]
        return SceneResult(
            stamp_ns=max(v.stamp_ns for v in selected),
            top_k=[(label, float(score)) for label, score in top_k],
            sensors=sensors,
        )
