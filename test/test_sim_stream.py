"""Sensor streams: natural rates, time order, scene changes, hot-plug, touch-only tactile."""

from collections import Counter

import numpy as np
import pytest

from omnibind_ros.sim import DEFAULT_SENSORS, HotPlugSchedule, SensorSpec, SimConfigError, World

SCENE_S = 1.0


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=11)


@pytest.fixture(scope="module")
def two_seconds(world) -> list:
    return list(world.stream(2.0, scene_duration_s=SCENE_S, start_stamp_ns=5_000_000_000))


def test_samples_come_in_stamp_order_at_each_sensors_natural_rate(two_seconds) -> None:
    stamps = [s.stamp_ns for s in two_seconds]
    assert stamps == sorted(stamps)
    counts = Counter(s.sensor for s in two_seconds)
    assert counts["camera"] == 60 and counts["thermal"] == 18 and counts["events"] == 100
    assert counts["microphone"] == 20 and counts["lidar"] == 20
    for sensor, rate in (("camera", 30.0), ("lidar", 10.0)):
        own = np.array([s.stamp_ns for s in two_seconds if s.sensor == sensor])
        assert np.allclose(np.diff(own), 1e9 / rate, atol=1)
    assert stamps[0] == 5_000_000_000


def test_each_sample_has_its_modalitys_raw_format(two_seconds) -> None:
    for sample in two_seconds:
        if sample.modality in ("image", "tactile"):
            assert sample.raw.dtype == np.uint8 and sample.raw.shape[2] == 3
        elif sample.modality == "thermal":
            assert sample.raw.dtype == np.float32 and sample.raw.ndim == 2
        elif sample.modality == "lidar":
            assert sample.raw.dtype == np.float32 and sample.raw.shape[1] == 4


def test_audio_comes_in_contiguous_100ms_chunks_of_16khz(two_seconds) -> None:
    chunks = [s.raw for s in two_seconds if s.modality == "audio"]
    assert all(c.sample_rate == 16000 and c.waveform.shape == (1600,) for c in chunks)
    assert all(c.waveform.dtype == np.float32 and np.abs(c.waveform).max() <= 1 for c in chunks)
    # Within a scene the chunks join without a seam: no jump at the boundaries.
    first_scene = np.concatenate([c.waveform for c in chunks[:10]])
    steps = np.abs(np.diff(first_scene))
    boundary_steps = steps[1599::1600]
    assert boundary_steps.max() <= 3 * np.percentile(steps, 99.9) + 1e-6


def test_event_packets_span_20ms_each_from_their_stamp(two_seconds) -> None:
    packets = [s for s in two_seconds if s.modality == "event"]
    for packet in packets:
        t = packet.raw.events["t"]
        assert np.all(np.diff(t) >= 0)
        assert t.min() >= packet.stamp_ns and t.max() < packet.stamp_ns + 20_000_000


def test_scenes_change_every_scene_duration_with_the_worlds_labels(world, two_seconds) -> None:
    for sample in two_seconds:
        elapsed = (sample.stamp_ns - 5_000_000_000) / 1e9
        assert sample.label == world.scene(int(elapsed // SCENE_S)).label


def test_tactile_publishes_only_while_the_pad_touches(world) -> None:
    schedule = HotPlugSchedule.always((SensorSpec("tactile", "tactile", 30.0),))
    tactile = list(world.stream(8.0, schedule=schedule, scene_duration_s=4.0))
    assert 2 * 30 < len(tactile) < 8 * 30  # each scene has one contact of 1 to 2.5 s
    for sample in tactile:
        elapsed = sample.stamp_ns / 1e9
        on, off = world.layout(world.scene(int(elapsed // 4.0))).contact
        assert on <= elapsed % 4.0 < off
    # The imprint follows the press: deepest in the middle of a contact, more shading there.
    shading = [float(np.std(s.raw.astype(float))) for s in tactile[:20]]
    assert max(shading) > shading[0]


def test_hot_plug_schedule_removes_and_returns_sensors(world) -> None:
    sensors = (SensorSpec("camera", "image", 10.0), SensorSpec("mic", "audio", 10.0))
    schedule = HotPlugSchedule(sensors, {"camera": ((0.0, 0.5), (1.0, 1.5)), "mic": ((0.2, 2.0),)})
    samples = list(world.stream(2.0, schedule=schedule))
    camera = [s.stamp_ns / 1e9 for s in samples if s.sensor == "camera"]
    mic = [s.stamp_ns / 1e9 for s in samples if s.sensor == "mic"]
    assert all(t < 0.5 or 1.0 <= t < 1.5 for t in camera) and len(camera) == 10
    assert min(mic) >= 0.2 and len(mic) == 18
    assert schedule.changes(2.0) == [
        (0.0, "camera", True),
        (0.2, "mic", True),
        (0.5, "camera", False),
        (1.0, "camera", True),
        (1.5, "camera", False),
    ]


def test_random_schedule_is_reproducible_repeats_and_keeps_always_on_sensors() -> None:
    a = HotPlugSchedule.random(seed=3, period_s=40.0, always_on=("camera",))
    assert a == HotPlugSchedule.random(seed=3, period_s=40.0, always_on=("camera",))
    assert all(a.is_present("camera", t) for t in np.arange(0, 200, 0.7))
    gone = [
        s.name
        for s in DEFAULT_SENSORS
        if not all(a.is_present(s.name, t) for t in np.arange(0, 40, 0.1))
    ]
    assert gone  # something comes and goes
    for name in gone:
        assert a.is_present(name, 3.3) == a.is_present(name, 43.3)
    unplugs = [c for c in a.changes(80.0) if not c[2]]
    assert unplugs and all(name != "camera" for _, name, _ in unplugs)


def test_an_endless_stream_keeps_going_past_any_schedule_period(world) -> None:
    schedule = HotPlugSchedule.random(
        seed=2, sensors=(SensorSpec("lidar", "lidar", 10.0),), period_s=1.0, always_on=("lidar",)
    )
    stream = world.stream(None, schedule=schedule, scene_duration_s=0.5)
    stamps = [next(stream).stamp_ns for _ in range(25)]
    assert stamps[-1] == 2_400_000_000


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SensorSpec("events", "event", 5.0), "10..50 ms"),
        (lambda: SensorSpec("x", "radar", 10.0), "radar"),
        (lambda: HotPlugSchedule(DEFAULT_SENSORS, {"nope": ((0.0, 1.0),)}), "nope"),
        (lambda: HotPlugSchedule(DEFAULT_SENSORS, {"camera": ((1.0, 2.0), (1.5, 3.0))}), "sorted"),
        (lambda: HotPlugSchedule(DEFAULT_SENSORS * 2), "distinct"),
    ],
)
def test_bad_sensor_specs_and_schedules_raise_sim_config_errors(make, message) -> None:
    with pytest.raises(SimConfigError, match=message):
        make()
