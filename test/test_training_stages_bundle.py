"""The shipped default bundle: loads with every sensor and the sim's classes, stays small, and
fusing all six sensors beats every sensor alone on fresh simulated scenes."""

from __future__ import annotations

import numpy as np
import pytest

from omnibind_ros.core.bundle import load_bundle
from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.paths import default_bundle_path
from omnibind_ros.sim import World

pytestmark = pytest.mark.slow  # renders 40 scenes with every sensor: ~10 s

SCENES = range(5000, 5040)  # held-out world seed 1, past the report's test scenes


@pytest.fixture(scope="module")
def model():
    return load_bundle(default_bundle_path())


def test_shipped_bundle_has_every_sensor_and_the_sim_classes(model) -> None:
    assert model.modalities == SENSOR_MODALITIES
    assert model.labels == World(seed=0).classes
    assert model.config.fusion.kind == "adaptive"
    assert default_bundle_path().stat().st_size < 8e6  # installed with the package


def test_fusing_all_sensors_beats_each_sensor_alone(model) -> None:
    world = World(seed=1)
    fused_hits, single_hits = [], {m: [] for m in SENSOR_MODALITIES}
    for index in SCENES:
        label, samples = world.sample(index)
        prediction = model.predict(samples, top_k=1)
        fused_hits.append(prediction.top_k[0][0] == label)
        for modality, (guess, _) in prediction.per_modality.items():
            single_hits[modality].append(guess == label)
    fused = np.mean(fused_hits)
    assert fused >= 0.7
    assert all(fused >= np.mean(hits) for hits in single_hits.values())
