"""Every modality of the simulated world comes out in its true raw format."""

import numpy as np
import pytest

from omnibind_ros.sim import EVENT_DTYPE, SENSOR_MODALITIES, SensorRig, SimConfigError, World


@pytest.fixture(scope="module")
def samples() -> list[tuple[str, dict]]:
    world = World(seed=1)
    return [world.sample(index) for index in range(10)]  # one of each class


def test_every_class_is_rendered_with_all_six_modalities(samples) -> None:
    assert {label for label, _ in samples} == set(World().classes)
    assert len(World().classes) >= 10
    for _, raw in samples:
        assert set(raw) == set(SENSOR_MODALITIES)


def test_image_and_tactile_are_rgb_uint8_with_content(samples) -> None:
    for _, raw in samples:
        assert raw["image"].shape == (96, 96, 3) and raw["image"].dtype == np.uint8
        assert raw["tactile"].shape == (64, 64, 3) and raw["tactile"].dtype == np.uint8
        assert raw["tactile"].std() > 2  # markers and shading, not a flat frame


def test_thermal_is_float32_celsius_in_the_camera_range(samples) -> None:
    for label, raw in samples:
        frame = raw["thermal"]
        assert frame.shape == (60, 80) and frame.dtype == np.float32
        assert np.isfinite(frame).all()
        assert frame.min() >= -40.0 and frame.max() <= 400.0
        assert -25.0 < np.median(frame) < 45.0, label  # a plausible ambient scene


def test_events_are_sorted_structured_and_inside_the_sensor_and_window(samples) -> None:
    for _, raw in samples:
        window = raw["event"]
        ev = window.events
        assert ev.dtype == EVENT_DTYPE
        assert (window.width, window.height) == (128, 128)
        assert len(ev) > 0  # background activity at least
        assert np.all(np.diff(ev["t"]) >= 0)
        assert ev["x"].max() < window.width and ev["y"].max() < window.height
        assert set(np.unique(ev["p"])) <= {-1, 1}
        assert ev["t"].min() >= 0 and ev["t"].max() < 50_000_000


def test_audio_is_one_second_of_16khz_mono_float32_within_full_scale(samples) -> None:
    for _, raw in samples:
        clip = raw["audio"]
        assert clip.sample_rate == 16000
        assert clip.waveform.shape == (16000,) and clip.waveform.dtype == np.float32
        assert np.abs(clip.waveform).max() <= 1.0
        assert clip.waveform.std() > 0  # room tone at least


def test_lidar_is_nx4_float32_with_thousands_of_finite_points(samples) -> None:
    for _, raw in samples:
        points = raw["lidar"]
        assert points.ndim == 2 and points.shape[1] == 4 and points.dtype == np.float32
        assert 2000 <= len(points) <= 20000
        assert np.isfinite(points).all()
        assert points[:, 3].min() >= 0 and points[:, 3].max() <= 1
        assert np.percentile(points[:, 2], 10) < 0.1  # the ground plane is there


def test_organized_lidar_keeps_one_row_per_ray_with_nan_for_no_return() -> None:
    rig = SensorRig(lidar_organized=True)
    _, raw = World(seed=1, rig=rig).sample(0, ["lidar"])
    points = raw["lidar"]
    assert len(points) == rig.lidar_beams * rig.lidar_steps
    missing = np.isnan(points).all(axis=1)
    assert missing.any() and not missing.all()
    assert not np.isnan(points[~missing]).any()


def test_lidar_density_scales_to_about_100k_rays() -> None:
    rig = SensorRig(lidar_beams=128, lidar_steps=800)
    _, raw = World(seed=1, rig=rig).sample(0, ["lidar"])
    assert len(raw["lidar"]) > 50_000


def test_audio_duration_and_sensor_sizes_follow_the_rig() -> None:
    rig = SensorRig(
        image_size=(128, 128),
        thermal_size=(160, 120),
        event_size=(346, 260),
        tactile_size=96,
        audio_duration_s=2.0,
    )
    _, raw = World(seed=2, rig=rig).sample(3)
    assert raw["image"].shape == (128, 128, 3)
    assert raw["thermal"].shape == (120, 160)
    assert (raw["event"].width, raw["event"].height) == (346, 260)
    assert raw["tactile"].shape == (96, 96, 3)
    assert raw["audio"].waveform.shape == (32000,)


def test_only_the_requested_modalities_are_returned() -> None:
    label, raw = World(seed=1).sample(4, ["audio", "thermal"])
    assert set(raw) == {"audio", "thermal"}
    assert label == World(seed=1).scene(4).label


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: World(seed=0).sample(0, ["sonar"]), "sonar"),
        (lambda: World(seed=0, classes=["person", "unicorn"]), "unicorn"),
        (lambda: World(seed=0).sample(-1), "index"),
        (lambda: World(seed=0).sample(0, conditions={"lighting": "noon"}), "noon"),
        (lambda: World(seed=0).sample(0, conditions={"fog": 3.0}), "fog"),
        (lambda: World(seed=0).sample(0, conditions={"rain": 1.0}), "rain"),
        (lambda: SensorRig(image_size=(4, 4)), "image_size"),
    ],
)
def test_bad_arguments_raise_a_sim_config_error_naming_them(make, message) -> None:
    with pytest.raises(SimConfigError, match=message):
        make()
