"""The node's entry point: converter_for(modality, type)(options) -> to_sample / stamp_ns."""

import math

import numpy as np
import pytest
from rclpy.serialization import deserialize_message, serialize_message
from sensor_msgs.msg import Image, PointCloud2

from omnibind_ros.core.errors import ConfigError, OmniBindError
from omnibind_ros.core.samples import AudioSample, EventSample, make_events
from omnibind_ros.ros.conversions import (
    ConversionError,
    audio_to_audio_data,
    audio_to_msg,
    converter_for,
    events_to_msg,
    events_to_packet,
    image_to_msg,
    points_to_msg,
    supported_message_types,
    thermal_to_msg,
)
from omnibind_ros.ros.optional import optional_module

RGB = np.random.default_rng(4).integers(0, 256, size=(4, 6, 3), dtype=np.uint8)
CELSIUS = np.linspace(10.0, 40.0, 24, dtype=np.float32).reshape(4, 6)
STAMP_NS = 1_234_567_890_123


def test_every_modality_has_a_converter_for_its_usual_messages():
    assert supported_message_types("image") == ["sensor_msgs/msg/Image"]
    assert supported_message_types("tactile") == ["sensor_msgs/msg/Image"]
    assert supported_message_types("thermal") == ["sensor_msgs/msg/Image"]
    assert supported_message_types("lidar") == ["sensor_msgs/msg/PointCloud2"]
    assert supported_message_types("event") == [
        "sensor_msgs/msg/PointCloud2",
        "event_camera_msgs/msg/EventPacket",
    ]
    assert supported_message_types("audio")[:2] == [
        "std_msgs/msg/Int16MultiArray",
        "std_msgs/msg/Float32MultiArray",
    ]


def test_image_converter_gives_rgb_and_the_header_stamp():
    converter = converter_for("image", "sensor_msgs/msg/Image")({}, topic="/cam/image_raw")
    assert converter.msg_type is Image
    msg = image_to_msg(RGB, "bgr8", stamp_ns=STAMP_NS)
    np.testing.assert_array_equal(converter.to_sample(msg), RGB)
    assert converter.stamp_ns(msg) == STAMP_NS


def test_tactile_converter_reads_images_too():
    converter = converter_for("tactile", "sensor_msgs/msg/Image")()
    np.testing.assert_array_equal(converter.to_sample(image_to_msg(RGB, "rgba8")), RGB)


def test_thermal_converter_applies_its_options():
    converter = converter_for("thermal", "sensor_msgs/msg/Image")({"scale": 0.1, "offset": -50})
    msg = thermal_to_msg(CELSIUS, "mono16", scale=0.1, offset=-50)
    np.testing.assert_allclose(converter.to_sample(msg), CELSIUS, atol=0.05 + 1e-4)


def test_lidar_converter_counts_removed_points_across_messages():
    converter = converter_for("lidar", "sensor_msgs/msg/PointCloud2")({"max_range": 10.0})
    points = np.array([[1, 0, 0, 5], [np.nan, 0, 0, 5], [20, 0, 0, 5]], np.float32)
    for _ in range(2):
        np.testing.assert_array_equal(converter.to_sample(points_to_msg(points)), points[:1])
    assert converter.counters == {"points_nonfinite": 2, "points_out_of_range": 2}


def test_event_converter_ignores_options_of_other_stages():
    options = {"width": 64, "height": 48, "window_ms": 50.0}  # window_ms is the node's
    converter = converter_for("event", "sensor_msgs/msg/PointCloud2")(options)
    events = make_events(x=[1, 2], y=[3, 4], t=[STAMP_NS, STAMP_NS + 10], p=[1, -1])
    sample = converter.to_sample(events_to_msg(events))
    assert isinstance(sample, EventSample) and (sample.width, sample.height) == (64, 48)
    np.testing.assert_array_equal(sample.events, events)


@pytest.mark.parametrize(
    "msg_type", ["std_msgs/msg/Int16MultiArray", "std_msgs/msg/Float32MultiArray"]
)
def test_audio_converters_have_no_stamp_and_take_the_rate_from_options(msg_type):
    converter = converter_for("audio", msg_type)({"sample_rate": 48000})
    dtype = "int16" if "Int16" in msg_type else "float32"
    msg = audio_to_msg(np.zeros(480, np.float32), dtype)
    sample = converter.to_sample(msg)
    assert isinstance(sample, AudioSample) and sample.sample_rate == 48000
    assert converter.stamp_ns(msg) is None


def test_wrong_message_class_is_a_conversion_error_naming_the_topic():
    converter = converter_for("lidar", "sensor_msgs/msg/PointCloud2")(topic="/velodyne_points")
    with pytest.raises(ConversionError, match=r"/velodyne_points .*expected a sensor_msgs"):
        converter.to_sample(image_to_msg(RGB))


def test_malformed_message_error_names_topic_type_encoding_and_problem():
    converter = converter_for("image", "sensor_msgs/msg/Image")(topic="/cam")
    msg = image_to_msg(RGB)
    msg.encoding = "yuv422"
    with pytest.raises(ConversionError) as caught:
        converter.to_sample(msg)
    assert str(caught.value).startswith("/cam sensor_msgs/msg/Image encoding 'yuv422': unsup")
    assert caught.value.topic == "/cam" and caught.value.encoding == "yuv422"
    assert isinstance(caught.value, OmniBindError)


def test_converters_read_deserialized_messages():
    image = converter_for("image", "sensor_msgs/msg/Image")()
    received = deserialize_message(serialize_message(image_to_msg(RGB, "rgb8")), Image)
    np.testing.assert_array_equal(image.to_sample(received), RGB)
    lidar = converter_for("lidar", "sensor_msgs/msg/PointCloud2")()
    points = np.ones((5, 4), np.float32)
    received = deserialize_message(serialize_message(points_to_msg(points, "ouster")), PointCloud2)
    np.testing.assert_array_equal(lidar.to_sample(received), points)


@pytest.mark.parametrize(
    ("modality", "msg_type", "problem"),
    [
        ("image", "sensor_msgs/msg/PointCloud2", "use one of sensor_msgs/msg/Image"),
        ("smell", "sensor_msgs/msg/Image", "unknown modality"),
    ],
)
def test_unsupported_pairs_are_config_errors(modality, msg_type, problem):
    with pytest.raises(ConfigError, match=problem):
        converter_for(modality, msg_type)


@pytest.mark.parametrize(
    ("modality", "msg_type", "options", "problem"),
    [
        ("thermal", "sensor_msgs/msg/Image", {"scale": 0}, "non-zero"),
        ("thermal", "sensor_msgs/msg/Image", {"offset": "warm"}, "must be a number"),
        ("thermal", "sensor_msgs/msg/Image", {"encoding_override": "rgb8"}, "must be one of"),
        ("lidar", "sensor_msgs/msg/PointCloud2", {"min_range": -1}, ">= 0"),
        ("lidar", "sensor_msgs/msg/PointCloud2", {"min_range": 5, "max_range": 2}, "exceed"),
        ("event", "sensor_msgs/msg/PointCloud2", {"width": 10.5}, "whole number"),
        ("event", "sensor_msgs/msg/PointCloud2", {"time_unit": "fortnight"}, "must be one of"),
        ("audio", "std_msgs/msg/Int16MultiArray", {}, "sample_rate' is required"),
        ("audio", "std_msgs/msg/Int16MultiArray", {"sample_rate": 0}, ">= 1"),
    ],
)
def test_bad_options_are_config_errors(modality, msg_type, options, problem):
    with pytest.raises(ConfigError, match=problem):
        converter_for(modality, msg_type)(options)


def test_lidar_max_range_zero_means_unlimited():
    converter = converter_for("lidar", "sensor_msgs/msg/PointCloud2")({"max_range": 0})
    assert converter.max_range == math.inf


@pytest.mark.skipif(
    optional_module("event_camera_msgs.msg") is not None, reason="event_camera_msgs is installed"
)
def test_optional_message_package_missing_is_a_config_error_at_construction():
    converter = converter_for("event", "event_camera_msgs/msg/EventPacket")
    with pytest.raises(ConfigError, match="install the event_camera_msgs package"):
        converter({"width": 640, "height": 480})


@pytest.mark.skipif(
    optional_module("event_camera_msgs.msg") is None, reason="event_camera_msgs is not installed"
)
def test_event_packet_converter_reads_mono_packets():
    events = make_events(x=[5, 1], y=[2, 3], t=[STAMP_NS, STAMP_NS + 99], p=[1, 0])
    msg = events_to_packet(EventSample(events, 64, 48), frame_id="dvs")
    converter = converter_for("event", "event_camera_msgs/msg/EventPacket")({})
    sample = converter.to_sample(msg)
    assert (sample.width, sample.height) == (64, 48) and converter.stamp_ns(msg) == STAMP_NS
    np.testing.assert_array_equal(sample.events, events)


@pytest.mark.skipif(
    optional_module("audio_common_msgs.msg") is None, reason="audio_common_msgs is not installed"
)
@pytest.mark.parametrize("stamped", [False, True])
def test_audio_data_converters_read_raw_bytes(stamped):
    waveform = np.linspace(-0.5, 0.5, 320, dtype=np.float32)
    msg = audio_to_audio_data(waveform, "F32LE", stamped=stamped, stamp_ns=STAMP_NS)
    name = "AudioDataStamped" if stamped else "AudioData"
    converter = converter_for("audio", f"audio_common_msgs/msg/{name}")(
        {"sample_rate": 8000, "sample_format": "F32LE"}
    )
    np.testing.assert_array_equal(converter.to_sample(msg).waveform, waveform)
    assert converter.stamp_ns(msg) == (STAMP_NS if stamped else None)
