"""Each condition degrades the sensors it degrades in reality, and only those."""

import numpy as np
import pytest

from omnibind_ros.sim import World

CLEAR = {"fog": 0.0, "occlusion": 0.0, "noise": 1.0}
SCENES = range(10)  # one of each class
# Classes without their own light (flames, headlights and lit windows brighten the night).
UNLIT = ["person", "dog", "bicycle", "chair", "door", "fan", "kettle"]


def _contrast(image: np.ndarray) -> float:
    """Spread of block-averaged luminance: scene contrast, with pixel noise averaged out."""
    gray = image.astype(float).mean(axis=2)
    h, w = gray.shape
    return float(gray.reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3)).std())


def _render(world: World, index: int, modalities, **conditions):
    return world.sample(index, modalities, conditions={**CLEAR, **conditions})[1]


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=5)


def test_night_lowers_image_contrast() -> None:
    world = World(seed=5, classes=UNLIT)
    for index in range(14):
        day = _render(world, index, ["image"], lighting="day")["image"]
        night = _render(world, index, ["image"], lighting="night")["image"]
        assert _contrast(night) < 0.5 * _contrast(day), index


def test_night_keeps_the_heat_of_warm_things_in_the_thermal_image() -> None:
    world = World(seed=5, classes=["person", "dog", "car", "kettle", "campfire"])
    for index in range(10):
        day = _render(world, index, ["thermal"], lighting="day")["thermal"]
        night = _render(world, index, ["thermal"], lighting="night")["thermal"]

        def warmth(frame: np.ndarray) -> float:
            return float(np.percentile(frame, 99.5) - np.median(frame))

        assert warmth(night) > 0.8 * warmth(day), index


def test_fog_washes_out_the_camera_and_fills_the_lidar_with_near_echoes() -> None:
    world = World(seed=5, classes=UNLIT)
    for index in range(14):
        clear = _render(world, index, ["image", "lidar"], lighting="day", fog=0.0)
        foggy = _render(world, index, ["image", "lidar"], lighting="day", fog=1.0)
        assert _contrast(foggy["image"]) < _contrast(clear["image"]), index

        def weak_near(points: np.ndarray) -> int:
            distance = np.linalg.norm(points[:, :3] - [0, 0, 1.2], axis=1)
            return int(np.sum((distance < 4.0) & (points[:, 2] > 0.3) & (points[:, 3] < 0.05)))

        assert weak_near(foggy["lidar"]) > weak_near(clear["lidar"]) + 20, index


def test_occlusion_hides_the_fire_from_the_thermal_camera() -> None:
    world = World(seed=5, classes=["campfire"])
    for index in range(4):
        clear = _render(world, index, ["thermal"], occlusion=0.0)["thermal"]
        hidden = _render(world, index, ["thermal"], occlusion=0.7)["thermal"]
        assert np.sum(hidden > 100) < 0.8 * np.sum(clear > 100), index


def test_distance_shrinks_the_person_and_quietens_the_dog() -> None:
    people = World(seed=5, classes=["person"])
    for index in range(4):
        near = _render(people, index, ["thermal"], lighting="night", distance_m=2.5)["thermal"]
        far = _render(people, index, ["thermal"], lighting="night", distance_m=8.0)["thermal"]
        assert np.sum(near > np.median(near) + 5) > 3 * np.sum(far > np.median(far) + 5), index
    dogs = World(seed=5, classes=["dog"])
    ratios = []
    for index in range(6):
        near = _render(dogs, index, ["audio"], distance_m=1.5)["audio"].waveform
        far = _render(dogs, index, ["audio"], distance_m=6.0)["audio"].waveform
        assert far.std() < near.std(), index
        ratios.append(far.std() / near.std())
    assert np.median(ratios) < 0.6


def test_the_noise_level_raises_thermal_and_audio_noise(world) -> None:
    for index in SCENES:
        calm = _render(world, index, ["thermal"], noise=0.5)["thermal"]
        noisy = _render(world, index, ["thermal"], noise=3.0)["thermal"]
        assert np.diff(noisy, axis=0).std() > np.diff(calm, axis=0).std(), index


def test_darkness_fog_and_occlusion_leave_the_tactile_pad_and_microphone_alone(world) -> None:
    for index in SCENES:
        clear = _render(world, index, ["tactile", "audio"], lighting="day")
        bad = _render(world, index, ["tactile", "audio"], lighting="night", fog=1.0)
        assert np.array_equal(clear["tactile"], bad["tactile"]), index
        assert np.array_equal(clear["audio"].waveform, bad["audio"].waveform), index


def test_only_moving_or_flickering_things_make_events() -> None:
    def signal_events(label: str) -> list[int]:
        world = World(seed=5, classes=[label])
        counts = []
        for index in range(6):
            calm = {**CLEAR, "lighting": "day", "noise": 0.5}
            counts.append(len(world.sample(index, ["event"], conditions=calm)[1]["event"].events))
        return counts

    # Background activity of a quiet 128x128 sensor in 50 ms is a few hundred events.
    assert max(signal_events("chair")) < 400
    assert max(signal_events("glass window")) < 400
    assert np.median(signal_events("fan")) > 3 * max(signal_events("chair"))
    assert np.median(signal_events("campfire")) > 3 * max(signal_events("chair"))
