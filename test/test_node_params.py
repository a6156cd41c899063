"""Parsing and validation of the perception node's parameters (no ROS needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.limits import DEFAULT_MAX_PIXELS
from omnibind_ros.pipeline.params import (
    NODE_PARAMETERS,
    SENSOR_PARAMETERS,
    IncompleteSensorError,
    discovered_sensor_name,
    normalize_msg_type,
    parse_discovery_rule,
    parse_node_config,
    parse_sensor_config,
    validate_sensor_names,
)

DEFAULT_BUNDLE = Path("/models/default.omnibind")


def node_getter(**overrides):
    values = {spec.name: spec.default for spec in NODE_PARAMETERS}
    values.update({k.replace("__", "."): v for k, v in overrides.items()})
    return values.__getitem__


def sensor_getter(**overrides):
    values = {spec.name: spec.default for spec in SENSOR_PARAMETERS}
    values.update(overrides)
    return values.__getitem__


def test_node_defaults_parse_to_the_shipped_bundle_on_cpu_torch() -> None:
    config = parse_node_config(node_getter(), DEFAULT_BUNDLE)
    assert config.bundle == DEFAULT_BUNDLE
    assert (config.backend, config.device, config.fp16, config.cache_dir) == (
        "auto",
        "cpu",
        False,
        None,
    )
    assert config.labels == ()  # empty: keep the bundle's labels
    assert config.rate_hz == 10.0
    assert set(config.max_encode_hz) == {"image", "thermal", "event", "tactile", "audio", "lidar"}


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), "fast"])
def test_node_rejects_non_positive_rate(value) -> None:
    with pytest.raises(ConfigError, match="rate_hz"):
        parse_node_config(node_getter(rate_hz=value), DEFAULT_BUNDLE)


def test_node_accepts_integer_for_float_parameter() -> None:
    # YAML `rate_hz: 5` is an int; a robotics engineer expects it to work.
    assert parse_node_config(node_getter(rate_hz=5), DEFAULT_BUNDLE).rate_hz == 5.0


def test_node_expands_user_in_bundle_path() -> None:
    config = parse_node_config(node_getter(model__bundle="~/m.omnibind"), DEFAULT_BUNDLE)
    assert config.bundle == Path.home() / "m.omnibind"


def test_node_rejects_duplicate_labels() -> None:
    with pytest.raises(ConfigError, match="repeated: dog"):
        parse_node_config(node_getter(labels=["dog", "cat", "dog "]), DEFAULT_BUNDLE)
    labels = parse_node_config(node_getter(labels=[" dog", "cat"]), DEFAULT_BUNDLE).labels
    assert labels == ("dog", "cat")


def test_sensor_names_must_be_valid_and_unique() -> None:
    assert validate_sensor_names(["camera", "thermal_2"]) == ("camera", "thermal_2")
    with pytest.raises(ConfigError, match="duplicates"):
        validate_sensor_names(["camera", "camera"])
    with pytest.raises(ConfigError, match="must start with a letter"):
        validate_sensor_names(["front-cam"])


def test_sensor_defaults_type_from_modality_and_collects_its_options() -> None:
    config = parse_sensor_config("thermal", sensor_getter(modality="thermal", topic="/t"))
    assert config.msg_type == "sensor_msgs/msg/Image"
    assert config.qos == "sensor_data"
    assert dict(config.options) == {
        "scale": 0.01,
        "offset": -273.15,
        "encoding_override": "",
        "max_pixels": DEFAULT_MAX_PIXELS,
    }
    audio = parse_sensor_config("mic", sensor_getter(modality="audio", topic="/a"))
    assert audio.msg_type == "std_msgs/msg/Int16MultiArray"
    assert dict(audio.options) == {"sample_rate": 16000, "channels": 0, "sample_format": "S16LE"}
    assert audio.option("sample_rate") == 16000


def test_sensor_without_topic_or_modality_is_incomplete_and_says_what_to_set() -> None:
    with pytest.raises(IncompleteSensorError, match=r"sensors\.cam\.topic not set"):
        parse_sensor_config("cam", sensor_getter(modality="image"))
    with pytest.raises(
        IncompleteSensorError, match=r"sensors\.cam\.modality and sensors\.cam\.topic"
    ):
        parse_sensor_config("cam", sensor_getter())


def test_sensor_with_unknown_modality_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"radar.*image, thermal, event, tactile, audio, lidar"):
        parse_sensor_config("r", sensor_getter(modality="radar", topic="/r"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"qos": "fast"}, "qos 'fast' must be one of"),
        ({"stale_timeout": 0.0}, "stale_timeout must be a positive number"),
        ({"type": "Image"}, "is not 'package/msg/Type'"),
    ],
)
def test_sensor_rejects_bad_settings(overrides, message) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_sensor_config("cam", sensor_getter(modality="image", topic="/c", **overrides))


@pytest.mark.parametrize(
    ("modality", "overrides", "message"),
    [
        ("audio", {"sample_rate": 16000.5}, "whole number"),
        ("audio", {"channels": "two"}, "channels must be a number"),
        ("event", {"window_ms": 0}, "window_ms must be positive"),
        ("thermal", {"offset": float("inf")}, "offset must be finite"),
    ],
)
def test_sensor_rejects_bad_modality_options(modality, overrides, message) -> None:
    getter = sensor_getter(modality=modality, topic="/x", **overrides)
    with pytest.raises(ConfigError, match=message):
        parse_sensor_config("s", getter)


def test_msg_type_short_and_long_forms_are_the_same() -> None:
    assert normalize_msg_type("sensor_msgs/Image") == "sensor_msgs/msg/Image"
    assert normalize_msg_type("sensor_msgs/msg/Image") == "sensor_msgs/msg/Image"


def test_discovery_rule_matches_type_and_full_topic_name() -> None:
    rule = parse_discovery_rule("sensor_msgs/Image | /.*thermal.* | thermal")
    assert rule.modality == "thermal"
    assert rule.matches("/front/thermal/image_raw", ["sensor_msgs/msg/Image"])
    assert not rule.matches("/front/thermal/image_raw", ["sensor_msgs/msg/CompressedImage"])
    assert not rule.matches("/front/camera", ["sensor_msgs/msg/Image"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sensor_msgs/msg/Image|.*", "must be 'msg_type|topic_regex|modality'"),
        ("sensor_msgs/msg/Image|(|image", "bad topic regex"),
        ("sensor_msgs/msg/Image|.*|sonar", "modality 'sonar' unknown"),
    ],
)
def test_discovery_rule_rejects_malformed_text(text, message) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_discovery_rule(text)


def test_discovered_name_is_valid_and_unused() -> None:
    assert discovered_sensor_name("/front/image_raw", []) == "front_image_raw"
    assert discovered_sensor_name("/front/image_raw", ["front_image_raw"]) == "front_image_raw_2"
    assert discovered_sensor_name("/3d/points", []) == "s_3d_points"
    validate_sensor_names([discovered_sensor_name("/a-b/c.d", [])])


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"rate_hz": 5000.0}, "rate_hz must lie in [0.01, 1000.0], got 5000.0"),
        ({"top_k": 5000}, "top_k must lie in [1, 1000], got 5000"),
        ({"max_encode_hz__lidar": 0.001}, "max_encode_hz.lidar must lie in [0.01, 1000.0]"),
    ],
)
def test_node_numbers_outside_their_range_are_refused(overrides, problem) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        parse_node_config(node_getter(**overrides), DEFAULT_BUNDLE)


@pytest.mark.parametrize(
    ("modality", "overrides", "problem"),
    [
        ("audio", {"sample_rate": 100}, "sensors.s.sample_rate must lie in [1000, 384000]"),
        ("event", {"width": 70000}, "sensors.s.width must lie in [0, 65535]"),
        ("image", {"stale_timeout": 7200.0}, "sensors.s.stale_timeout must lie in [0.001, 3600.0]"),
    ],
)
def test_sensor_numbers_outside_their_range_are_refused(modality, overrides, problem) -> None:
    get = sensor_getter(modality=modality, topic="t", **overrides)
    with pytest.raises(ConfigError, match=re.escape(problem)):
        parse_sensor_config("s", get)


def test_every_default_lies_in_its_range() -> None:
    for spec in (*NODE_PARAMETERS, *SENSOR_PARAMETERS):
        if spec.limits is not None:
            assert spec.limits[0] <= spec.default <= spec.limits[1], spec.name
