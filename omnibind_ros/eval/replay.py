"""Offline replay: a bag's messages through the node's own pipeline, on bag time.

Each model gets the :class:`PerceptionPipeline` the node builds, on a clock that reads bag
time. Every message, in recorded order, is deserialized into its rclpy class and goes
through the node's delivery (``offer_message``: the converter of its sensor, the header
stamp or the receive time, latest wins in the slot). The node's threads become events in
bag time: the encoder takes a slot's sample as soon as its data is new and its rate limit
allows (an encoder that takes no time); with ``fusion.mode: arrival`` (the node's default)
each new embedding is fused at once, within ``fusion.max_rate_hz`` counted in bag time, and
with ``timer`` the fusion timer fires every 1/rate_hz; the hot-plug timer fires every poll
period. A topic in the bag counts as a publisher for the whole
recording, so a sensor that stops sending goes inactive by its stale timeout, as it does
live once its driver stops publishing.

Wall time spent encoding and fusing is measured per scene.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rclpy.serialization import deserialize_message
from std_msgs.msg import String

from omnibind_ros.eval.bag import Bag
from omnibind_ros.eval.errors import EvalError
from omnibind_ros.eval.params_file import NodeSettings
from omnibind_ros.eval.progress import BagTimeBar
from omnibind_ros.eval.topics import TopicPlan
from omnibind_ros.pipeline.inference import SceneResult
from omnibind_ros.pipeline.pipeline import PerceptionPipeline
from omnibind_ros.pipeline.slots import SensorSlot
from omnibind_ros.pipeline.warmup import warm_up
from omnibind_ros.ros.outputs import scene_dict
from omnibind_ros.ros.sensor_manager import build_converter, offer_message

_HOTPLUG, _FUSION = 1, 2  # order of timers due at the same instant
WAKE_MARGIN_NS = 1_000


class BagClock:
    """The pipeline's clock offline: bag time, set by the replay, in seconds from the bag's
    start (only differences matter; small numbers keep them exact to well under a
    nanosecond, where seconds since the epoch would blur them to a quarter microsecond)."""

    def __init__(self, origin_ns: int) -> None:
        self.origin_ns = origin_ns
        self.now_ns = origin_ns

    def __call__(self) -> float:
        return (self.now_ns - self.origin_ns) / 1e9


@dataclass
class ModelReplay:
    """One model's pipeline on the replay and everything it published."""

    name: str
    pipeline: PerceptionPipeline
    slots: dict[str, SensorSlot]
    scenes: list[dict[str, Any]] = field(default_factory=list)  # ~/scene payloads + time
    hotplug: list[dict[str, Any]] = field(default_factory=list)
    wake_ns: int | None = None  # when its encoder is due to look at the slots again
    compute_s: float = 0.0  # wall seconds encoding and fusing since the last scene
    work_cpu_s: float = 0.0  # CPU seconds encoding and fusing over the whole replay
    _block_started: float = 0.0  # perf_counter at the start of the running work block

    @contextmanager
    def working(self) -> Iterator[None]:
        """Counts the model work inside: wall time per scene, CPU time in total."""
        self._block_started, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.compute_s += time.perf_counter() - self._block_started
            self.work_cpu_s += time.process_time() - cpu

    def take_compute_s(self) -> float:
        """Wall seconds of model work since the last scene, the running block included
        (called inside ``working``: a scene fused on arrival is published mid-block)."""
        now = time.perf_counter()
        spent = self.compute_s + now - self._block_started
        self.compute_s, self._block_started = 0.0, now
        return spent


@dataclass
class ReplayResult:
    models: list[ModelReplay]
    truth_changes: list[tuple[int, str]]  # (log time, label) of each truth message
    wall_s: float


class Replay:
    def __init__(
        self,
        bag: Bag,
        settings: NodeSettings,
        plan: TopicPlan,
        models: Sequence[tuple[str, Any]],
    ) -> None:
        self._bag, self._settings, self._plan = bag, settings, plan
        self.clock = BagClock(bag.summary.start_ns)
        config = settings.node
        self._converters = {name: build_converter(c) for name, c in settings.sensors.items()}
        present = set(plan.sensor_topics.values())
        self.models = []
        for name, model in models:
            lacking = sorted(
                {c.modality for c in settings.sensors.values()} - set(model.modalities)
            )
            if lacking:
                raise EvalError(
                    f"{name}: the model has no {', '.join(lacking)} encoder, which sensors of "
                    f"{', '.join(str(f) for f in settings.files)} need"
                )
            if config.labels:
                model.set_labels(list(config.labels))
            warm_up(model.encode, model.modalities)  # as the node does: not counted in scenes
            index = len(self.models)
            pipeline = PerceptionPipeline.from_config(
                model,
                config,
                clock=self.clock,
                on_scene=lambda result, i=index: self._published(self.models[i], result),
                # The scene cap bounds the node's CPU in wall time; offline, bag time stands in.
                rate_clock=self.clock,
            )
            slots = {}
            for sensor, sensor_config in settings.sensors.items():
                slots[sensor] = pipeline.add_slot(sensor_config)
                slots[sensor].set_publishers(1 if sensor in present else 0)
            self.models.append(ModelReplay(name, pipeline, slots))

    def run(self, progress: bool = False) -> ReplayResult:
        summary = self._bag.summary
        config = self._settings.node
        start, end = summary.start_ns, summary.end_ns
        poll_ns = round(config.poll_period * 1e9)
        timers = [(start + poll_ns, _HOTPLUG, poll_ns)]
        if config.fusion_mode == "timer":
            fusion_ns = round(1e9 / config.rate_hz)
            timers.append((start + fusion_ns, _FUSION, fusion_ns))
        self._encodes: list[tuple[int, int]] = []  # (due ns, model index) heap
        truth_topic = self._plan.truth_topic
        sensor_of = self._plan.sensor_topics
        topics = {*sensor_of, *([truth_topic] if truth_topic else [])}
        truth_changes: list[tuple[int, str]] = []
        started = time.perf_counter()
        bar = BagTimeBar(summary.duration_s, "replay", progress)
        for message in self._bag.messages(topics):
            timers = self._advance_to(message.log_time_ns, timers)
            self.clock.now_ns = message.log_time_ns
            if message.topic == truth_topic:
                label = _truth_label(message.data)
                if label is not None:
                    truth_changes.append((message.log_time_ns, label))
            else:
                self._deliver(sensor_of[message.topic], message.data)
            bar.advance_to((message.log_time_ns - start) / 1e9)
        bar.close()
        # After the last message the node runs on until its sensors have gone stale.
        stale = max((c.stale_timeout for c in self._settings.sensors.values()), default=1.0)
        self._advance_to(end + round((stale + 2 * config.poll_period) * 1e9), timers)
        return ReplayResult(self.models, truth_changes, time.perf_counter() - started)

    def _deliver(self, sensor: str, data: bytes) -> None:
        converter = self._converters[sensor]
        try:
            msg = deserialize_message(data, converter.msg_type)
        except Exception as err:  # bytes that are not this type's CDR: a bad message, counted
            for run in self.models:
                run.pipeline.count_bad(run.slots[sensor], f"not a valid message: {err}")
            return
        targets = [(run.pipeline, run.slots[sensor]) for run in self.models]
        offer_message(msg, converter, targets, lambda: self.clock.now_ns)
        for index in range(len(self.models)):
            self._encode(index)

    def _advance_to(self, t_ns: int, timers: list[tuple[int, int, int]]) -> list:
        """Run every timer and encoder event due up to ``t_ns``, in time order."""
        while True:
            due, kind, _ = min(timers)
            encode_due = self._encodes[0][0] if self._encodes else None
            if encode_due is not None and encode_due <= min(due, t_ns):
                _, index = heapq.heappop(self._encodes)
                if self.models[index].wake_ns == encode_due:  # else superseded by an earlier one
                    self.models[index].wake_ns = None
                    self.clock.now_ns = encode_due
                    self._encode(index)
                continue
            if due > t_ns:
                return timers
            self.clock.now_ns = due
            for run in self.models:
                (self._fuse if kind == _FUSION else self._poll_hotplug)(run)
            timers = [(d + p, k, p) if k == kind else (d, k, p) for d, k, p in timers]

    def _encode(self, index: int) -> None:
        """The encoder thread's turn: encode what is due, then wake when the next slot is."""
        run = self.models[index]
        with run.working():
            run.pipeline.encode_due()  # on arrival, publishes through _published
            scene_wait = run.pipeline.arrival.poll()  # a scene the cap holds back: when
        now = self.clock.now_ns
        # Zero means data that cannot be assembled yet (a filling audio clip): only the next
        # message can change that, and it wakes the encoder as it does live. Waking just
        # after a rate limit expires makes a message arriving at that very instant win
        # (latest wins), whatever the rounding of the two times.
        waits = [w for s in run.slots.values() if (w := s.next_job_due(self.clock()))]
        if scene_wait:
            waits.append(scene_wait)
        if waits:
            wake = now + round(min(waits) * 1e9) + WAKE_MARGIN_NS
            if run.wake_ns is None or wake < run.wake_ns:  # one pending wake-up per encoder
                run.wake_ns = wake
                heapq.heappush(self._encodes, (wake, index))

    def _fuse(self, run: ModelReplay) -> None:
        with run.working():
            result = run.pipeline.fuse()
            if result is not None:
                self._published(run, result)

    def _published(self, run: ModelReplay, result: SceneResult) -> None:
        """A scene the node would publish on ~/scene now, with the work that led to it."""
        now = self.clock.now_ns
        scene = scene_dict(result, now, result.frame_id)
        scene["published_ns"] = now
        scene["compute_ms"] = run.take_compute_s() * 1e3
        run.scenes.append(scene)

    def _poll_hotplug(self, run: ModelReplay) -> None:
        for transition in run.pipeline.plug_transitions():
            run.hotplug.append(
                {
                    "time_ns": self.clock.now_ns,
                    "t_s": (self.clock.now_ns - self._bag.summary.start_ns) / 1e9,
                    "sensor": transition.slot,
                    "modality": transition.modality,
                    "plugged": transition.plugged,
                    "reason": transition.reason,
                    "text": transition.describe(),
                }
            )


def _truth_label(data: bytes) -> str | None:
    try:
        return str(deserialize_message(data, String).data).strip()
    except Exception:  # a corrupt label message: the previous label stays in force
        return None
