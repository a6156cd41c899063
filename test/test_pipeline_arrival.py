"""Fusion on arrival: every new embedding becomes a scene at once, the rate cap defers (never
drops) scenes, a failing publisher does not stop the encoder, and a slow encoder leaves the
fast sensors their own thread. A real (untrained) model, injected clocks, no DDS."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from core_fixtures import FakeClock
from fixtures_model import untrained_model

from omnibind_ros.pipeline.inference import EncoderWorker
from omnibind_ros.pipeline.params import DEFAULT_MAX_ENCODE_HZ, SensorConfig
from omnibind_ros.pipeline.pipeline import PerceptionPipeline
from omnibind_ros.pipeline.slots import SensorSlot, SlotRegistry
from omnibind_ros.pipeline.streams import LatestOnly

RNG = np.random.default_rng(11)


@pytest.fixture(scope="module")
def model():
    return untrained_model()


def frame() -> np.ndarray:
    return RNG.integers(0, 255, (48, 64, 3), dtype=np.uint8)


def arrival_pipeline(model, clock, rate_clock, scenes, max_scene_hz=100.0, **kwargs):
    pipeline = PerceptionPipeline(
        model, top_k=2, fusion_window=0.5, clock=clock, rate_clock=rate_clock,
        max_encode_hz={m: 1000.0 for m in DEFAULT_MAX_ENCODE_HZ}, fusion_mode="arrival",
        max_scene_hz=max_scene_hz, on_scene=scenes.append, **kwargs,
    )  # fmt: skip
    slots = []
    for name, modality in (("cam", "image"), ("heat", "thermal")):
        config = SensorConfig(name, modality, f"/{name}", "sensor_msgs/msg/Image")
        slots.append(pipeline.add_slot(config))
        slots[-1].set_publishers(1)
    return pipeline, slots


def heat() -> np.ndarray:
    return RNG.normal(30.0, 5.0, (24, 32)).astype(np.float32)


def test_each_new_embedding_is_fused_and_handed_on_at_once(model) -> None:
    clock, scenes = FakeClock(), []
    pipeline, (cam, hot) = arrival_pipeline(model, clock, clock, scenes)
    pipeline.offer(cam, frame(), stamp_ns=1_000)
    assert pipeline.encode_due() == 1
    assert [s.stamp_ns for s in scenes] == [1_000]
    clock.now += 0.02
    pipeline.offer(hot, heat(), stamp_ns=2_000)
    pipeline.encode_due()
    assert [s.stamp_ns for s in scenes] == [1_000, 2_000]
    assert scenes[-1].modalities == ["image", "thermal"]
    assert pipeline.scene_rate.rate(clock()) > 0


def test_the_rate_cap_defers_a_scene_and_never_loses_the_embedding(model) -> None:
    clock, rate_clock, scenes = FakeClock(), FakeClock(), []
    pipeline, (cam, hot) = arrival_pipeline(model, clock, rate_clock, scenes, max_scene_hz=10.0)
    pipeline.offer(cam, frame(), stamp_ns=1_000)
    pipeline.offer(hot, heat(), stamp_ns=2_000)
    assert pipeline.encode_due() == 2
    # Two embeddings landing together both go out: the cap holds on average, not per gap.
    assert [s.stamp_ns for s in scenes] == [1_000, 2_000]
    pipeline.offer(cam, frame(), stamp_ns=3_000)
    assert pipeline.encode_due() == 1
    # The third finds the budget spent: it waits a period for the next scene, not lost.
    assert [s.stamp_ns for s in scenes] == [1_000, 2_000]
    assert pipeline.arrival.poll() == pytest.approx(0.1)
    rate_clock.now += 0.06
    assert pipeline.arrival.poll() == pytest.approx(0.04)
    rate_clock.now += 0.05
    assert pipeline.arrival.poll() is None  # fused now: nothing left waiting
    assert [s.stamp_ns for s in scenes] == [1_000, 2_000, 3_000]
    assert {s.name for s in scenes[-1].sensors} == {"cam", "heat"}


def test_timer_mode_leaves_fusion_to_the_caller(model) -> None:
    clock, scenes = FakeClock(), []
    pipeline, (cam, _) = arrival_pipeline(model, clock, clock, scenes)
    pipeline.set_fusion_mode("timer")
    pipeline.offer(cam, frame(), stamp_ns=5)
    assert pipeline.encode_due() == 1
    assert scenes == [] and pipeline.arrival.poll() is None
    assert pipeline.fuse().stamp_ns == 5
    with pytest.raises(ValueError, match="arrival, timer"):
        pipeline.set_fusion_mode("sometimes")


def test_a_failing_publisher_is_reported_and_the_next_scene_still_goes_out(model) -> None:
    clock, published, errors = FakeClock(), [], []

    def publish(scene) -> None:
        published.append(scene.stamp_ns)
        if len(published) == 1:
            raise RuntimeError("publisher gone")

    pipeline, (cam, _) = arrival_pipeline(model, clock, clock, [], on_fusion_error=errors.append)
    pipeline.arrival._publish = publish
    for stamp in (1, 2):
        pipeline.offer(cam, frame(), stamp_ns=stamp)
        pipeline.encode_due()
        clock.now += 0.1
    assert published == [1, 2]
    assert [str(e) for e in errors] == ["publisher gone"]


def test_the_slot_waiting_longest_is_encoded_first(model) -> None:
    registry, order = SlotRegistry(), []
    for name in ("a", "b", "c"):
        slot = SensorSlot(SensorConfig(name, "image", f"/{name}", "x/msg/Y"), LatestOnly(), 1e3)
        registry.add(slot)
    offered = {}
    for name, now in (("c", 1.0), ("a", 2.0), ("b", 3.0)):
        offered[name] = frame()
        registry.get(name).offer(offered[name], 1, now=now)

    def encode(modality, raw):
        order.append(next(n for n, sample in offered.items() if sample is raw))
        return np.ones(model.embed_dim, np.float32)

    assert EncoderWorker(encode, registry, lambda *_: None, clock=lambda: 10.0).run_once() == 3
    assert order == ["c", "a", "b"]  # by arrival, not by the order the slots were added


def test_a_slow_encoder_holds_one_thread_while_fast_sensors_keep_encoding(model) -> None:
    registry = SlotRegistry()
    slow, fast = (
        SensorSlot(SensorConfig(n, m, f"/{n}", "x/msg/Y"), LatestOnly(), 1e3)
        for n, m in (("tower", "image"), ("heat", "thermal"))
    )
    registry.add(slow)
    registry.add(fast)
    release = threading.Event()

    def encode(modality, raw):
        if modality == "image":
            release.wait(10.0)  # a CLIP-size tower, stuck until the test lets it go
        return np.ones(model.embed_dim, np.float32)

    worker = EncoderWorker(encode, registry, lambda *_: None, threads=2)
    worker.start()
    try:
        slow.offer(frame(), 1, time.monotonic())
        worker.wake()
        for stamp in range(1, 21):
            fast.offer(heat(), stamp, time.monotonic())
            worker.wake()
            time.sleep(0.01)
        deadline = time.monotonic() + 10.0
        while fast.view(time.monotonic()).stamp_ns != 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fast.view(time.monotonic()).stamp_ns == 20
        assert slow.view(time.monotonic()).encoded == 0  # still inside its encoder
    finally:
        release.set()
        worker.stop()
    assert slow.view(time.monotonic()).encoded == 1
