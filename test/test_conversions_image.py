"""Colour Image messages ⇄ HxWx3 uint8 RGB: every encoding, padding, malformed messages."""

import re
import sys
import types

import numpy as np
import pytest
from rclpy.serialization import deserialize_message, serialize_message
from sensor_msgs.msg import Image

from omnibind_ros.ros.conversions import ConversionError, image_to_msg
from omnibind_ros.ros.conversions.buffers import message_bytes
from omnibind_ros.ros.conversions.image import (
    COLOR_ENCODINGS,
    PIXEL_FORMATS,
    image_pixels,
    image_to_rgb,
    pixels_to_rgb,
)
from omnibind_ros.ros.optional import optional_module

RGB = np.random.default_rng(0).integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
GRAY_RGB = np.repeat(RGB[..., :1], 3, axis=2)  # r == g == b survives mono8 exactly


@pytest.mark.parametrize("encoding", ["rgb8", "bgr8", "rgba8", "bgra8"])
def test_color_encodings_round_trip_exactly(encoding):
    msg = image_to_msg(RGB, encoding, stamp_ns=1_500_000_000, frame_id="cam")
    assert msg.encoding == encoding
    assert msg.step == 5 * (4 if "a" in encoding else 3)
    assert (msg.header.stamp.sec, msg.header.stamp.nanosec) == (1, 500_000_000)
    assert msg.header.frame_id == "cam"
    np.testing.assert_array_equal(image_to_rgb(msg), RGB)


def test_bgr8_stores_blue_first():
    msg = image_to_msg(RGB, "bgr8")
    first_pixel = message_bytes(msg.data)[:3]
    np.testing.assert_array_equal(first_pixel, RGB[0, 0, ::-1])


def test_alpha_channel_is_opaque_and_dropped_on_read():
    msg = image_to_msg(RGB, "rgba8")
    assert np.all(image_pixels(msg, COLOR_ENCODINGS)[..., 3] == 255)
    assert image_to_rgb(msg).shape == (6, 5, 3)


def test_mono8_round_trips_gray_and_replicates_to_three_channels():
    msg = image_to_msg(GRAY_RGB, "mono8")
    assert msg.step == 5
    rgb = image_to_rgb(msg)
    np.testing.assert_array_equal(rgb, GRAY_RGB)


def test_mono8_writer_uses_bt601_luma():
    pure = np.zeros((1, 3, 3), dtype=np.uint8)
    pure[0, 0, 0], pure[0, 1, 1], pure[0, 2, 2] = 255, 255, 255
    luma = message_bytes(image_to_msg(pure, "mono8").data)
    np.testing.assert_array_equal(luma, [76, 150, 29])  # 0.299, 0.587, 0.114 of 255


@pytest.mark.parametrize("encoding", COLOR_ENCODINGS)
def test_row_padding_is_skipped(encoding):
    source = GRAY_RGB if encoding == "mono8" else RGB
    msg = image_to_msg(source, encoding, row_padding=7)
    assert msg.step == msg.width * len(image_pixels(msg, COLOR_ENCODINGS)[0, 0]) + 7
    np.testing.assert_array_equal(image_to_rgb(msg), source)


def test_rgb8_read_shares_the_message_buffer():
    msg = image_to_msg(RGB, "rgb8")
    rgb = pixels_to_rgb(image_pixels(msg, COLOR_ENCODINGS), "rgb8")
    assert np.shares_memory(rgb, message_bytes(msg.data))
    assert rgb.flags.c_contiguous


def test_converted_samples_are_c_contiguous():
    for encoding in ("bgr8", "bgra8"):
        assert image_to_rgb(image_to_msg(RGB, encoding, row_padding=3)).flags.c_contiguous


def test_image_survives_serialization_as_from_dds():
    msg = image_to_msg(RGB, "bgr8", stamp_ns=42, row_padding=2)
    received = deserialize_message(serialize_message(msg), Image)
    np.testing.assert_array_equal(image_to_rgb(received), RGB)


def _malformed(**fields) -> Image:
    msg = image_to_msg(RGB, "rgb8")
    for name, value in fields.items():
        setattr(msg, name, value)
    return msg


@pytest.mark.parametrize(
    ("msg", "problem"),
    [
        (_malformed(encoding="yuv422"), "unsupported encoding"),
        (_malformed(encoding="mono16"), "unsupported encoding"),
        (_malformed(step=14), "step 14 < width*bytes_per_pixel 15"),
        (_malformed(height=7), "data length 90 != step*height 105"),
        (_malformed(width=0), "zero-size image"),
        (_malformed(height=0), "zero-size image"),
    ],
)
def test_malformed_images_raise_typed_errors(msg, problem):
    with pytest.raises(ConversionError, match=re.escape(problem)):
        image_to_rgb(msg)


def test_truncated_image_data_is_rejected():
    msg = image_to_msg(RGB, "rgb8")
    msg.data = msg.data[:-1]
    with pytest.raises(ConversionError, match=re.escape("data length 89 != step*height 90")):
        image_to_rgb(msg)


def test_conversion_error_is_a_value_error_naming_the_encoding():
    with pytest.raises(ValueError, match="encoding 'yuv422'"):
        image_to_rgb(_malformed(encoding="yuv422"))


@pytest.mark.parametrize(
    ("array", "encoding"),
    [(RGB[..., 0], "rgb8"), (RGB.astype(np.float32), "bgr8"), (RGB, "jpeg")],
)
def test_writer_rejects_wrong_arrays_and_encodings(array, encoding):
    with pytest.raises(ConversionError):
        image_to_msg(array, encoding)


# Row paddings (bytes) the tests above use; 3 and 4 are whole pixels of some encodings only.
PADDINGS = (0, 2, 3, 4, 7)


def cv_bridge_rows(msg: Image) -> np.ndarray:
    """cv_bridge's CvBridge.imgmsg_to_cv2 (vision_opencv core.py, humble and rolling branches)
    up to its colour conversion: a row is int(step / itemsize / channels) pixels."""
    element, channels = PIXEL_FORMATS[msg.encoding]
    dtype = np.dtype(element).newbyteorder(">" if msg.is_bigendian else "<")
    shape = (msg.height, int(msg.step / dtype.itemsize / channels), channels)
    rows = np.ndarray(shape=shape, dtype=dtype, buffer=message_bytes(msg.data))
    return np.ascontiguousarray(rows[: msg.height, : msg.width, :])


def cv_bridge_stand_in() -> types.ModuleType:
    """A cv_bridge module whose imgmsg_to_cv2(msg, 'rgb8') does cv_bridge's row arithmetic."""
    module = types.ModuleType("cv_bridge")

    class CvBridge:
        def imgmsg_to_cv2(self, msg: Image, desired_encoding: str = "passthrough") -> np.ndarray:
            assert desired_encoding == "rgb8"
            return pixels_to_rgb(cv_bridge_rows(msg), msg.encoding)

    module.CvBridge, module.CvBridgeError = CvBridge, RuntimeError
    return module


def source_for(encoding: str) -> np.ndarray:
    return GRAY_RGB if encoding == "mono8" else RGB


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("encoding", COLOR_ENCODINGS)
def test_cv_bridge_row_arithmetic_is_exact_only_for_whole_pixel_padding(encoding, padding):
    msg = image_to_msg(source_for(encoding), encoding, row_padding=padding)
    pixel_bytes = PIXEL_FORMATS[encoding][1]
    exact = np.array_equal(pixels_to_rgb(cv_bridge_rows(msg), encoding), source_for(encoding))
    assert exact == (padding % pixel_bytes == 0)


@pytest.mark.parametrize("padding", PADDINGS)
@pytest.mark.parametrize("encoding", COLOR_ENCODINGS)
def test_images_read_the_same_with_cv_bridge_installed(monkeypatch, encoding, padding):
    msg = image_to_msg(source_for(encoding), encoding, row_padding=padding)
    without = image_to_rgb(msg)
    monkeypatch.setitem(sys.modules, "cv_bridge", cv_bridge_stand_in())
    optional_module.cache_clear()
    try:
        with_bridge = image_to_rgb(msg)
    finally:
        optional_module.cache_clear()
    np.testing.assert_array_equal(without, source_for(encoding))
    np.testing.assert_array_equal(with_bridge, without)


@pytest.mark.skipif(optional_module("cv_bridge") is None, reason="cv_bridge is not installed")
@pytest.mark.parametrize("encoding", COLOR_ENCODINGS)
def test_real_cv_bridge_agrees_where_its_row_arithmetic_is_exact(encoding):
    cv_bridge = optional_module("cv_bridge")
    for padding in PADDINGS:
        if padding % PIXEL_FORMATS[encoding][1]:
            continue
        msg = image_to_msg(source_for(encoding), encoding, row_padding=padding)
        rgb = cv_bridge.CvBridge().imgmsg_to_cv2(msg, desired_encoding="rgb8")
        np.testing.assert_array_equal(rgb, image_to_rgb(msg))
