"""Encoding new samples once each, off the subscription threads, and fusing what is fresh.

ROS-free: the caller owns the clock and the publishers. ``EncoderWorker`` is one thread that
encodes whatever slots have new data (newest sample only, rate-limited per slot);
``SceneFuser`` turns the cached embeddings of active slots into labels at the node's rate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.pipeline.slots import SlotRegistry, SlotView

Clock = Callable[[], float]
ErrorReporter = Callable[[str, str], None]  # (slot name, problem)


class EncoderWorker:
    """Encodes each slot's newest sample once, in its own thread, never blocking callbacks.

    ``wake()`` is called by subscription callbacks after storing a sample; the worker sleeps
    otherwise, or until the earliest rate-limited slot may be encoded again.
    """

    def __init__(
        self,
        encode: Callable[[str, Any], np.ndarray],
        registry: SlotRegistry,
        report_error: ErrorReporter,
        clock: Clock = time.monotonic,
    ) -> None:
        self._encode = encode
        self._registry = registry
        self._report_error = report_error
        self._clock = clock
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="omnibind-encoder", daemon=True)
        self.encode_seconds: list[float] = []  # recent encode durations, for diagnostics

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wake(self) -> None:
        self._wakeup.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def run_once(self) -> int:
        """Encode every slot whose new data is due now; returns how many were encoded."""
        encoded = 0
        for slot in self._registry.all():
            job = slot.take_job(self._clock())
            if job is None:
                continue
            started = time.perf_counter()
            try:
                embedding = self._encode(job.modality, job.sample)
            except InvalidSampleError as err:
                slot.count_invalid(err.problem)
                self._report_error(slot.name, str(err))
                continue
            except Exception as err:  # an encoder bug must not stop the other sensors
                slot.count_encode_error(f"{type(err).__name__}: {err}")
                self._report_error(slot.name, f"encoding failed: {type(err).__name__}: {err}")
                continue
            self._record_duration(time.perf_counter() - started)
            slot.store_embedding(job, embedding)
            encoded += 1
        return encoded

    def _seconds_until_due(self) -> float | None:
        now = self._clock()
        waits = [w for s in self._registry.all() if (w := s.next_job_due(now)) is not None]
        return min(waits) if waits else None

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.clear()
            self.run_once()
            wait = self._seconds_until_due()
            # Data may be pending but not assemblable yet (a filling audio clip): nap, re-check.
            self._wakeup.wait(timeout=1.0 if wait is None else max(wait, 0.002))

    def _record_duration(self, seconds: float) -> None:
        self.encode_seconds.append(seconds)
        del self.encode_seconds[:-200]


@dataclass(frozen=True)
class SensorResult:
    name: str
    modality: str
    label: str
    score: float
    stamp_ns: int
    frame_id: str = ""
    weight: float = 0.0  # this sensor's share of the fused embedding (Fusion.token_weights)


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
            fused = self._model.fuse(inputs)
            weights = self._model.fusion_weights(inputs)
            top_k = self._model.classify(fused, top_k=self.top_k)
            sensors = []
            for view, weight in zip(selected, weights, strict=True):
                ((label, score),) = self._model.classify(view.embedding, 1, view.modality)
                result = SensorResult(
                    view.name, view.modality, label, float(score), view.stamp_ns,
                    view.frame_id, float(weight),
                )  # fmt: skip
                sensors.append(result)
        return SceneResult(
            stamp_ns=max(v.stamp_ns for v in selected),
            top_k=[(label, float(score)) for label, score in top_k],
            sensors=sensors,
        )
