"""What one message may cost is bounded, values that would wrap are rejected, and value checks
run at conversion time: each a message that once hung, ballooned or slipped through."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sensor_msgs.msg import Image, PointCloud2, PointField

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.samples import make_events
from omnibind_ros.ros.conversions import (
    ConversionError,
    converter_for,
    events_to_msg,
    points_to_msg,
)
from omnibind_ros.ros.conversions.pointcloud import FieldSpec, PointLayout, records_to_cloud
from omnibind_ros.ros.conversions.thermal import thermal_to_msg

IMAGE, CLOUD = "sensor_msgs/msg/Image", "sensor_msgs/msg/PointCloud2"


def converter(modality: str, msg_type: str = CLOUD, **options):
    return converter_for(modality, msg_type)(options, topic="/t")


def one_event_cloud(x: int, y: int, p: int = 1, t: float = 0.0) -> PointCloud2:
    """One event in a layout that can hold values no EVENT_DTYPE field can (float64 t,
    int16 p)."""
    layout = PointLayout(
        "u16xy_f64t_i16p",
        (
            FieldSpec("x", PointField.UINT16, 0),
            FieldSpec("y", PointField.UINT16, 2),
            FieldSpec("t", PointField.FLOAT64, 4),
            FieldSpec("p", PointField.INT16, 12),
        ),
        14,
    )
    records = np.zeros(1, layout.dtype())
    records["x"], records["y"], records["t"], records["p"] = x, y, t, p
    return records_to_cloud(records, layout)


def test_a_field_with_a_huge_count_on_an_empty_cloud_fails_at_once() -> None:
    # Once looped over 10^7 elements (over 60 s) before looking at the cloud's size.
    msg = PointCloud2(height=1, width=0, point_step=4, row_step=0)
    msg.fields = [PointField(name="x", offset=0, datatype=PointField.FLOAT32, count=10**7)]
    started = time.monotonic()
    with pytest.raises(ConversionError, match="empty cloud"):
        converter("lidar").to_sample(msg)
    assert time.monotonic() - started < 1.0


def test_a_field_with_more_values_than_a_point_may_hold_is_rejected() -> None:
    msg = PointCloud2(height=1, width=1, point_step=4 * 10**6, row_step=4 * 10**6)
    msg.fields = [PointField(name="x", offset=0, datatype=PointField.FLOAT32, count=10**6)]
    msg.data = bytes(4 * 10**6)
    started = time.monotonic()
    with pytest.raises(ConversionError, match="1 to 1024 values"):
        converter("lidar").to_sample(msg)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("coordinate", [7999, 65535])
def test_an_event_far_off_does_not_size_the_sensor_beyond_the_limit(coordinate: int) -> None:
    # Once a 1.2 GB histogram (7999) or a MemoryError (65535) from one 9-byte event.
    events = make_events([coordinate], [coordinate], [0], [1])
    with pytest.raises(ConversionError, match="the largest the limit of 2048 allows"):
        converter("event").to_sample(events_to_msg(events, stamp_ns=0))


def test_the_sensor_size_limit_is_a_parameter() -> None:
    events = make_events([2999], [5], [0], [1])
    sample = converter("event", max_sensor_size=4096).to_sample(events_to_msg(events, stamp_ns=0))
    assert (sample.width, sample.height) == (3000, 6)


@pytest.mark.parametrize("size", [70000, 4096])
def test_a_configured_event_sensor_over_the_limit_is_a_config_error(size: int) -> None:
    # 70000 once wrapped x/y through uint16.
    with pytest.raises(ConfigError, match="exceeds max_sensor_size 2048"):
        converter("event", width=size, height=480)


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ({"p": 200}, "event p in 200..200"),  # once wrapped to -56 by astype(int8)
        ({"p": 5}, "event p in 5..5"),
        ({"t": 1e19}, "fit int64 nanoseconds"),  # once became INT64_MIN
        ({"t": -5.0}, "must be >= 0"),
    ],
)
def test_event_values_that_would_wrap_or_mean_nothing_are_rejected(event, problem) -> None:
    msg = one_event_cloud(**{"x": 1, "y": 1, **event})
    with pytest.raises(ConversionError, match=problem):
        converter("event", width=8, height=8).to_sample(msg)


def test_an_audio_sample_rate_beyond_hardware_is_a_config_error() -> None:
    # 2147483647 Hz once asked for 320 GiB.
    with pytest.raises(ConfigError, match="exceeds 384000 Hz"):
        converter("audio", "std_msgs/msg/Int16MultiArray", sample_rate=2147483647)


def test_an_image_over_the_pixel_limit_is_rejected_before_its_data_is_read() -> None:
    msg = Image(height=100_000, width=100_000, encoding="rgb8", step=300_000)
    with pytest.raises(ConversionError, match="exceed the limit of 16777216"):
        converter("image", IMAGE).to_sample(msg)
    with pytest.raises(ConversionError, match="exceed the limit of 100"):
        converter("thermal", IMAGE, max_pixels=100).to_sample(
            thermal_to_msg(np.zeros((20, 20), np.float32), "32FC1")
        )


def test_a_cloud_over_the_point_limit_is_rejected() -> None:
    big = PointCloud2(height=3, width=1_000_000, point_step=12, row_step=12_000_000)
    with pytest.raises(ConversionError, match="exceed the limit of 2000000"):
        converter("lidar").to_sample(big)
    small = points_to_msg(np.ones((11, 3), np.float32), "xyz")
    with pytest.raises(ConversionError, match="exceed the limit of 10"):
        converter("lidar", max_points=10).to_sample(small)


@pytest.mark.parametrize(
    "celsius",
    [np.full((4, 4), np.nan, np.float32), np.array([[np.inf, 1.0], [2.0, 3.0]], np.float32)],
)
def test_a_thermal_frame_of_no_temperatures_is_rejected_as_it_arrives(celsius) -> None:
    # Once judged only when encoded: a frame superseded first was never counted bad.
    with pytest.raises(ConversionError, match=r"/t .*(NaN|Inf)"):
        converter("thermal", IMAGE).to_sample(thermal_to_msg(celsius, "32FC1"))
