"""Thermal Image messages ⇄ HxW float32 °C: mono16 with scale/offset, 32FC1, mono8."""

import numpy as np
import pytest
from rclpy.serialization import deserialize_message, serialize_message
from sensor_msgs.msg import Image

from omnibind_ros.ros.conversions import ConversionError, thermal_to_msg
from omnibind_ros.ros.conversions.buffers import message_bytes
from omnibind_ros.ros.conversions.thermal import image_to_celsius

CELSIUS = np.random.default_rng(1).uniform(-20.0, 120.0, size=(12, 16)).astype(np.float32)


@pytest.mark.parametrize("encoding", ["mono16", "16UC1"])
def test_centikelvin_round_trips_within_half_a_count(encoding):
    msg = thermal_to_msg(CELSIUS, encoding)
    raw = message_bytes(msg.data).view("<u2")
    assert raw.min() > 25_000  # stored as centi-Kelvin
    celsius = image_to_celsius(msg)
    assert celsius.dtype == np.float32 and celsius.shape == (12, 16)
    np.testing.assert_allclose(celsius, CELSIUS, atol=0.005 + 1e-4)


def test_custom_scale_and_offset_apply_on_both_sides():
    msg = thermal_to_msg(CELSIUS, "mono16", scale=0.04, offset=-100.0)
    np.testing.assert_allclose(image_to_celsius(msg, 0.04, -100.0), CELSIUS, atol=0.02 + 1e-4)


def test_big_endian_mono16_reads_the_same():
    little = thermal_to_msg(CELSIUS, "mono16")
    big = thermal_to_msg(CELSIUS, "mono16", bigendian=True)
    assert big.is_bigendian
    little_bytes = message_bytes(little.data).reshape(-1, 2)
    np.testing.assert_array_equal(message_bytes(big.data).reshape(-1, 2), little_bytes[:, ::-1])
    np.testing.assert_array_equal(image_to_celsius(big), image_to_celsius(little))


def test_padded_rows_with_odd_step_read_correctly():
    msg = thermal_to_msg(CELSIUS, "mono16", row_padding=3)  # step 35: unaligned rows
    assert msg.step == 16 * 2 + 3
    np.testing.assert_allclose(image_to_celsius(msg), CELSIUS, atol=0.005 + 1e-4)


def test_32fc1_is_celsius_exactly_and_read_without_copying():
    msg = thermal_to_msg(CELSIUS, "32FC1", scale=123.0, offset=9.0)  # ignored for floats
    celsius = image_to_celsius(msg, scale=123.0, offset=9.0)
    np.testing.assert_array_equal(celsius, CELSIUS)
    assert np.shares_memory(celsius, message_bytes(msg.data))


def test_32fc1_big_endian_and_padded():
    msg = thermal_to_msg(CELSIUS, "32FC1", bigendian=True, row_padding=4)
    np.testing.assert_array_equal(image_to_celsius(msg), CELSIUS)


def test_32fc1_nan_pixels_pass_through_for_core_to_judge():
    with_nan = CELSIUS.copy()
    with_nan[0, 0] = np.nan
    celsius = image_to_celsius(thermal_to_msg(with_nan, "32FC1"))
    assert np.isnan(celsius[0, 0]) and np.isfinite(celsius[1:]).all()


def test_mono8_uses_the_linear_mapping():
    # 0..255 counts mapped onto -20..107.5 °C at 0.5 °C per count.
    msg = thermal_to_msg(CELSIUS.clip(-20, 107.5), "mono8", scale=0.5, offset=-20.0)
    np.testing.assert_allclose(
        image_to_celsius(msg, 0.5, -20.0), CELSIUS.clip(-20, 107.5), atol=0.25 + 1e-4
    )


def test_encoding_override_reinterprets_a_mislabelled_image():
    msg = thermal_to_msg(CELSIUS, "mono16")
    msg.encoding = "rgb8"  # a driver that labels its thermal stream wrongly
    with pytest.raises(ConversionError, match="unsupported encoding"):
        image_to_celsius(msg)
    np.testing.assert_allclose(
        image_to_celsius(msg, encoding_override="mono16"), CELSIUS, atol=0.005 + 1e-4
    )


def test_thermal_survives_serialization_as_from_dds():
    msg = thermal_to_msg(CELSIUS, "mono16", row_padding=2)
    received = deserialize_message(serialize_message(msg), Image)
    np.testing.assert_array_equal(image_to_celsius(received), image_to_celsius(msg))


@pytest.mark.parametrize(
    "change",
    [{"encoding": "bgr8"}, {"step": 31}, {"height": 13}, {"width": 0}],
    ids=["colour encoding", "short step", "data too short", "zero width"],
)
def test_malformed_thermal_images_raise_typed_errors(change):
    msg = thermal_to_msg(CELSIUS, "mono16")
    for name, value in change.items():
        setattr(msg, name, value)
    with pytest.raises(ConversionError):
        image_to_celsius(msg)


@pytest.mark.parametrize(
    ("celsius", "encoding"),
    [
        (np.full((2, 2), 500.0), "mono8"),  # 77315 centi-Kelvin counts overflow 8 bits
        (np.full((2, 2), -300.0), "mono16"),  # below absolute zero: negative counts
        (np.full((2, 2), np.nan), "mono16"),
        (np.zeros((2, 2, 1)), "mono16"),
        (np.zeros((2, 2)), "rgb8"),
    ],
    ids=["overflow", "negative", "nan", "3-d", "colour encoding"],
)
def test_writer_refuses_what_the_encoding_cannot_store(celsius, encoding):
    with pytest.raises(ConversionError):
        thermal_to_msg(celsius, encoding)
