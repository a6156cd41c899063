"""Modality specs, default preprocessing parameters and their overrides."""

import json

import numpy as np
import pytest

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.modalities import (
    ALL_MODALITIES,
    MODALITY_SPECS,
    ROLES,
    SENSOR_MODALITIES,
    Role,
    default_preprocess_params,
)
from omnibind_ros.core.preprocess import input_shape, preprocess
from omnibind_ros.core.samples import AudioSample, EventSample, make_events

EXPECTED_SHAPES = {
    "image": (3, 64, 64),
    "thermal": (1, 64, 64),
    "event": (2, 64, 64),
    "tactile": (3, 64, 64),
    "audio": (1, 128, 100),
    "lidar": (1024, 3),
}


def test_every_modality_has_a_spec_with_its_role() -> None:
    assert set(MODALITY_SPECS) == set(ALL_MODALITIES)
    teachers = {name for name, spec in MODALITY_SPECS.items() if spec.role is Role.TEACHER}
    assert teachers == {"image", "text"}
    assert all(ROLES[name] is spec.role for name, spec in MODALITY_SPECS.items())
    assert all(spec.raw_sample for spec in MODALITY_SPECS.values())


def test_default_params_are_json_able_fresh_copies() -> None:
    for modality in ALL_MODALITIES:
        params = default_preprocess_params(modality)
        assert json.loads(json.dumps(params)) == params
    params = default_preprocess_params("image")
    params["mean"][0] = 99.0
    params["size"] = 1
    assert default_preprocess_params("image")["mean"][0] != 99.0
    assert default_preprocess_params("image")["size"] == 64


def test_default_input_shapes_follow_the_contract() -> None:
    assert {m: input_shape(m) for m in SENSOR_MODALITIES} == EXPECTED_SHAPES


def test_partial_overrides_keep_the_other_defaults() -> None:
    assert input_shape("image", {"size": 224}) == (3, 224, 224)
    assert input_shape("event", {"time_bins": 3}) == (6, 64, 64)
    assert input_shape("audio", {"frames": 204}) == (1, 128, 204)
    assert input_shape("lidar", {"num_points": 256}) == (256, 3)


def small_samples() -> dict[str, object]:
    rng = np.random.default_rng(0)
    count = 500
    events = make_events(
        rng.integers(0, 40, count), rng.integers(0, 30, count), np.arange(count), np.ones(count)
    )
    return {
        "image": rng.integers(0, 256, (30, 40, 3), dtype=np.uint8),
        "thermal": rng.normal(25.0, 5.0, (30, 40)).astype(np.float32),
        "event": EventSample(events, 40, 30),
        "tactile": rng.integers(0, 256, (40, 30, 3), dtype=np.uint8),
        "audio": AudioSample(rng.uniform(-0.5, 0.5, 8000).astype(np.float32), 8000),
        "lidar": rng.normal(0.0, 1.0, (300, 3)).astype(np.float32),
    }


OVERRIDES = {
    "image": {"size": 24, "fit": "stretch"},
    "thermal": {"size": 16},
    "event": {"size": 20, "time_bins": 3},
    "tactile": {"size": 8},
    "audio": {"n_mels": 40, "frames": 30},
    "lidar": {"num_points": 100, "sampling": "fps"},
}


@pytest.mark.parametrize("modality", SENSOR_MODALITIES)
def test_preprocess_output_matches_input_shape(modality: str) -> None:
    raw = small_samples()[modality]
    for params in (None, OVERRIDES[modality]):
        out = preprocess(modality, raw, params)
        assert out.shape == input_shape(modality, params)
        assert out.dtype == np.float32 and out.flags.c_contiguous


def test_integers_and_tuples_are_accepted_where_floats_and_lists_are_meant() -> None:
    thermal = np.full((10, 10), 25.0, dtype=np.float32)
    as_ints = preprocess("thermal", thermal, {"t_min_c": 0, "t_max_c": 50})
    as_floats = preprocess("thermal", thermal, {"t_min_c": 0.0, "t_max_c": 50.0})
    assert as_ints.tobytes() == as_floats.tobytes()
    assert input_shape("image", {"mean": (0.5, 0.5, 0.5), "size": np.int64(32)}) == (3, 32, 32)


@pytest.mark.parametrize(
    ("modality", "params", "named"),
    [
        ("image", {"sise": 64}, "sise"),
        ("image", {"size": "64"}, "size"),
        ("image", {"size": 64.5}, "size"),
        ("image", {"size": True}, "size"),
        ("image", {"size": 0}, "size"),
        ("image", {"fit": "zoom"}, "fit"),
        ("image", {"mean": [0.5, 0.5]}, "mean"),
        ("tactile", {"std": [1.0, 0.0, 1.0]}, "std"),
        ("thermal", {"t_min_c": 50.0, "t_max_c": 50.0}, "t_max_c"),
        ("thermal", {"t_max_c": float("nan")}, "t_max_c"),
        ("event", {"window_ms": 0}, "window_ms"),
        ("event", {"time_bins": 0}, "time_bins"),
        ("audio", {"hop_ms": -10.0}, "hop_ms"),
        ("audio", {"win_ms": 0.05}, "win_ms"),
        ("audio", {"std": 0.0}, "std"),
        ("lidar", {"sampling": "grid"}, "sampling"),
        ("lidar", {"voxel_size": -0.1}, "voxel_size"),
    ],
)
def test_bad_params_raise_config_error_naming_modality_and_key(
    modality: str, params: dict, named: str
) -> None:
    with pytest.raises(ConfigError, match=modality) as error:
        input_shape(modality, params)
    assert named in str(error.value)


def test_params_that_are_not_a_mapping_are_rejected() -> None:
    with pytest.raises(ConfigError, match="mapping"):
        input_shape("image", [("size", 64)])


def test_text_and_unknown_modalities_have_no_array_preprocessing() -> None:
    with pytest.raises(ConfigError, match="tokenises"):
        preprocess("text", "a photo of a dog")
    with pytest.raises(ConfigError, match="unknown modality 'sonar'"):
        input_shape("sonar")
    with pytest.raises(ConfigError, match="unknown modality"):
        default_preprocess_params("sonar")
