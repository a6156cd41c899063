"""The encoder worker and the fuser, with a real (untrained) model and no DDS."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from core_fixtures import LABELS
from fixtures_model import untrained_model

from omnibind_ros.pipeline.inference import EncoderWorker, SceneFuser, select_for_fusion
from omnibind_ros.pipeline.params import SensorConfig
from omnibind_ros.pipeline.slots import SensorSlot, SlotRegistry, SlotView
from omnibind_ros.pipeline.streams import LatestOnly

RNG = np.random.default_rng(3)


@pytest.fixture(scope="module")
def model():
    return untrained_model()


def slot(name: str, modality: str, max_hz: float = 1000.0) -> SensorSlot:
    config = SensorConfig(name, modality, f"/{name}", "x/msg/Y", stale_timeout=10.0)
    made = SensorSlot(config, LatestOnly(), max_hz)
    made.set_publishers(1)
    return made


def view(name: str, stamp_ns: int, active: bool = True, modality: str = "image") -> SlotView:
    return SlotView(
        name, modality, f"/{name}", active, "" if active else "stale", np.ones(4), stamp_ns, "",
        0.0, 10.0, 1, 1, 0, 0, 0, 1, "",
    )  # fmt: skip


def image() -> np.ndarray:
    return RNG.integers(0, 255, (48, 64, 3), dtype=np.uint8)


def test_fusion_window_keeps_samples_close_to_the_newest_and_skips_inactive() -> None:
    views = [
        view("a", 1_000_000_000),
        view("b", 1_400_000_000),
        view("c", 400_000_000),  # 1 s older than the newest: outside a 0.5 s window
        view("d", 1_500_000_000, active=False),
    ]
    assert [v.name for v in select_for_fusion(views, 500_000_000)] == ["a", "b"]
    assert select_for_fusion([view("x", 5, active=False)], 10) == []


def test_worker_encodes_each_new_sample_once_and_only_the_newest(model) -> None:
    registry = SlotRegistry()
    camera = slot("camera", "image")
    registry.add(camera)
    encoded: list[str] = []

    def encode(modality, raw):
        encoded.append(modality)
        return model.encode(modality, raw)

    worker = EncoderWorker(encode, registry, report_error=lambda *_: None)
    for i in range(3):
        camera.offer(image(), i, now=time.monotonic())
    assert worker.run_once() == 1
    assert worker.run_once() == 0  # nothing new: no second encode
    assert encoded == ["image"]
    result = camera.view(time.monotonic())
    assert result.stamp_ns == 2 and result.embedding.shape == (model.embed_dim,)
    assert np.linalg.norm(result.embedding) == pytest.approx(1.0, abs=1e-4)


def test_worker_counts_invalid_samples_and_encoder_failures_and_keeps_going(model) -> None:
    registry = SlotRegistry()
    thermal, camera, broken = (
        slot("thermal", "thermal"),
        slot("camera", "image"),
        slot("x", "image"),
    )
    for s in (thermal, camera, broken):
        registry.add(s)
    errors: list[tuple[str, str]] = []

    def encode(modality, raw):
        if isinstance(raw, str):
            raise RuntimeError("encoder bug")
        return model.encode(modality, raw)

    worker = EncoderWorker(encode, registry, report_error=lambda *e: errors.append(e))
    now = time.monotonic()
    thermal.offer(np.full((24, 32), np.nan, np.float32), 1, now)  # all dead pixels
    broken.offer("not an image", 1, now)
    camera.offer(image(), 1, now)
    assert worker.run_once() == 1
    assert thermal.view(now).bad == 1 and thermal.view(now).embedding is None
    assert broken.view(now).encode_errors == 1
    assert camera.view(now).encoded == 1
    assert {name for name, _ in errors} == {"thermal", "x"}
    assert "NaN" in dict(errors)["thermal"]


def test_worker_thread_wakes_on_new_samples_and_stops(model) -> None:
    registry = SlotRegistry()
    camera = slot("camera", "image")
    registry.add(camera)
    worker = EncoderWorker(model.encode, registry, report_error=lambda *_: None)
    worker.start()
    assert worker.running
    try:
        camera.offer(image(), 7, time.monotonic())
        worker.wake()
        deadline = time.monotonic() + 10.0
        while camera.view(time.monotonic()).encoded == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert camera.view(time.monotonic()).stamp_ns == 7
    finally:
        worker.stop()
    assert not worker.running


def test_fuser_ranks_current_labels_and_reports_each_sensor(model) -> None:
    fuser = SceneFuser(model, top_k=3)
    views = []
    for name, modality in (("front", "image"), ("rear", "image"), ("heat", "thermal")):
        raw = image() if modality == "image" else RNG.normal(30, 5, (24, 32)).astype(np.float32)
        embedding = model.encode(modality, raw)
        views.append(replace(view(name, 10, modality=modality), embedding=embedding))
    result = fuser.fuse(views, window_ns=1)
    assert len(result.top_k) == 3
    assert {label for label, _ in result.top_k} <= set(LABELS)
    scores = [score for _, score in result.top_k]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1.0 + 1e-6
    assert [s.name for s in result.sensors] == ["front", "rear", "heat"]
    # Each sensor's share of the fused embedding, as the model's fusion defines it.
    _, expected = model.fuse_with_weights([(v.modality, v.embedding) for v in views])
    assert [s.weight for s in result.sensors] == pytest.approx(list(expected))
    assert sum(s.weight for s in result.sensors) == pytest.approx(1.0)
    assert result.modalities == ["image", "thermal"]

    fuser.set_labels(["kettle", "bicycle"])
    relabelled = fuser.fuse(views, window_ns=1)
    assert {label for label, _ in relabelled.top_k} == {"kettle", "bicycle"}


def test_fuser_publishes_nothing_without_active_sensors(model) -> None:
    assert SceneFuser(model, top_k=3).fuse([view("a", 1, active=False)], 10) is None
