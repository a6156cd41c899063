"""Stage data from the simulated world: rendered, preprocessed, cached, and the same in a pool."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from omnibind_ros.core.modalities import default_preprocess_params
from omnibind_ros.core.preprocess import input_shape, preprocess
from omnibind_ros.sim import World
from omnibind_ros.training.sim_scenes import render_scene_set, sim_scene_set

MODALITIES = ["image", "thermal"]
PARAMS = {m: default_preprocess_params(m) for m in MODALITIES}
SCENES = range(40, 46)


def test_scenes_hold_the_worlds_labels_and_preprocessed_inputs(tmp_path: Path) -> None:
    scenes = sim_scene_set(3, SCENES, MODALITIES, PARAMS, tmp_path)
    world = World(seed=3)
    assert scenes.classes == world.classes
    for row, index in enumerate(SCENES):
        label, raw = world.sample(index, MODALITIES)
        assert scenes.classes[scenes.labels[row]] == label
        expected = preprocess("thermal", raw["thermal"], PARAMS["thermal"])
        np.testing.assert_allclose(scenes.inputs["thermal"][row], expected, atol=2e-3, rtol=1e-3)
    assert scenes.inputs["image"].shape == (len(SCENES), *input_shape("image"))
    assert all(p.all() for p in scenes.present.values())


def test_a_second_request_reads_the_cache_and_other_params_miss_it(tmp_path: Path) -> None:
    first = sim_scene_set(3, SCENES, MODALITIES, PARAMS, tmp_path)
    assert len(list(tmp_path.iterdir())) == 1
    again = sim_scene_set(3, SCENES, MODALITIES, PARAMS, tmp_path)
    assert np.array_equal(first.inputs["image"], again.inputs["image"])
    assert len(list(tmp_path.iterdir())) == 1  # nothing new rendered
    smaller = {**PARAMS, "thermal": {**PARAMS["thermal"], "size": 32}}
    other = sim_scene_set(3, SCENES, MODALITIES, smaller, tmp_path)
    assert other.inputs["thermal"].shape[-1] == 32
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.slow  # starts two worker processes: ~10 s
def test_a_process_pool_renders_the_same_scenes_in_the_same_order() -> None:
    scenes = range(0, 70)  # two chunks
    alone = render_scene_set(2, scenes, ["thermal"], PARAMS, workers=1)
    pooled = render_scene_set(2, scenes, ["thermal"], PARAMS, workers=2)
    assert np.array_equal(alone.labels, pooled.labels)
    assert np.array_equal(alone.inputs["thermal"], pooled.inputs["thermal"])
