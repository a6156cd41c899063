"""The pipeline's rules (staleness, rate limits, fusion) follow the clock it is given."""

from __future__ import annotations

import numpy as np
import pytest
from core_fixtures import FakeClock
from fixtures_model import untrained_model

from omnibind_ros.pipeline.params import DEFAULT_MAX_ENCODE_HZ, SensorConfig
from omnibind_ros.pipeline.pipeline import PerceptionPipeline

RNG = np.random.default_rng(5)
ENCODE_HZ = {**DEFAULT_MAX_ENCODE_HZ, "image": 15.0}  # the rate limit these tests count in


@pytest.fixture(scope="module")
def model():
    return untrained_model()


def camera_pipeline(model, clock: FakeClock) -> tuple[PerceptionPipeline, object]:
    pipeline = PerceptionPipeline(
        model, top_k=2, fusion_window=0.5, max_encode_hz=ENCODE_HZ, clock=clock
    )
    config = SensorConfig("cam", "image", "/cam", "sensor_msgs/msg/Image", stale_timeout=1.0)
    slot = pipeline.add_slot(config)
    slot.set_publishers(1)
    return pipeline, slot


def frame() -> np.ndarray:
    return RNG.integers(0, 255, (48, 64, 3), dtype=np.uint8)


def test_a_sensor_goes_stale_when_the_given_clock_says_so_not_the_wall_clock(model) -> None:
    clock = FakeClock()
    pipeline, slot = camera_pipeline(model, clock)
    pipeline.offer(slot, frame(), stamp_ns=1_000, frame_id="cam_optical")
    assert pipeline.encode_due() == 1
    scene = pipeline.fuse()
    assert scene is not None and scene.frame_id == "cam_optical"
    clock.now += 0.9  # within stale_timeout on this clock
    assert pipeline.fuse() is not None
    clock.now += 0.2
    assert pipeline.fuse() is None
    assert pipeline.views()[0].reason.startswith("stale")


def test_the_encode_rate_limit_counts_in_the_given_clock(model) -> None:
    clock = FakeClock()
    pipeline, slot = camera_pipeline(model, clock)  # image: at most 15 encodes per second
    for stamp in (1, 2):  # the budget lets one frame through early
        pipeline.offer(slot, frame(), stamp_ns=stamp)
        assert pipeline.encode_due() == 1
    pipeline.offer(slot, frame(), stamp_ns=3)
    assert pipeline.encode_due() == 0  # 0 s later on this clock: too soon
    clock.now += 0.07  # just over 1/15 s
    assert pipeline.encode_due() == 1
    assert pipeline.views()[0].encoded == 3


def test_scene_rate_and_fusion_time_are_recorded_per_published_scene(model) -> None:
    clock = FakeClock()
    pipeline, slot = camera_pipeline(model, clock)
    assert pipeline.fuse() is None and pipeline.fuse_seconds() == []
    pipeline.offer(slot, frame(), stamp_ns=1)
    pipeline.encode_due()
    for _ in range(5):
        assert pipeline.fuse() is not None
        clock.now += 0.1
    assert len(pipeline.fuse_seconds()) == 5
    assert pipeline.scene_rate.rate(clock()) == pytest.approx(4 / 0.5)
