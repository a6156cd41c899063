"""sensor_msgs/Image ⇄ numpy: pixel views honouring step and byte order, RGB samples, writers.

Reads are zero-copy views of ``msg.data``; a conversion copies only when the core sample needs
other bytes (channel order, alpha, gray to RGB, row padding). Structure is checked here (encoding,
sizes, step, data length); pixel values are left to core's preprocessing.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
from sensor_msgs.msg import Image

from omnibind_ros.ros.conversions.buffers import byte_array, message_bytes
from omnibind_ros.ros.conversions.errors import ConversionError
from omnibind_ros.ros.conversions.header import make_header

# encoding -> (element type, channels); names as in sensor_msgs/image_encodings.hpp
PIXEL_FORMATS: dict[str, tuple[str, int]] = {
    "rgb8": ("u1", 3),
    "bgr8": ("u1", 3),
    "rgba8": ("u1", 4),
    "bgra8": ("u1", 4),
    "mono8": ("u1", 1),
    "8UC1": ("u1", 1),
    "mono16": ("u2", 1),
    "16UC1": ("u2", 1),
    "32FC1": ("f4", 1),
}

# Which message channels make R, G, B of the core sample.
_RGB_CHANNELS: dict[str, list[int]] = {
    "rgb8": [0, 1, 2],
    "bgr8": [2, 1, 0],
    "rgba8": [0, 1, 2],
    "bgra8": [2, 1, 0],
    "mono8": [0, 0, 0],
}
COLOR_ENCODINGS: tuple[str, ...] = tuple(_RGB_CHANNELS)
# Which RGB channels make the message's channels; None is an opaque alpha.
_ENCODING_CHANNELS: dict[str, list[int | None]] = {
    "bgr8": [2, 1, 0],
    "rgba8": [0, 1, 2, None],
    "bgra8": [2, 1, 0, None],
}

# ITU-R BT.601 luma, the weights cv2.cvtColor(RGB2GRAY) uses, so mono8 matches a ROS camera.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def image_pixels(msg: Image, allowed: Collection[str], encoding: str = "") -> np.ndarray:
    """The pixels of ``msg`` as an (H, W, C) view, in the message's byte order.

    ``encoding`` replaces ``msg.encoding`` (for drivers that label their images wrongly).
    Raises ConversionError for an encoding not in ``allowed`` or inconsistent sizes.
    """
    encoding = encoding or msg.encoding
    if encoding not in allowed:
        raise ConversionError(
            f"unsupported encoding; expected one of {', '.join(allowed)}", encoding=encoding
        )
    element, channels = PIXEL_FORMATS[encoding]
    dtype = np.dtype(element).newbyteorder(">" if msg.is_bigendian else "<")
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    if height == 0 or width == 0:
        raise ConversionError(f"zero-size image {width}x{height}", encoding=encoding)
    row_bytes = width * channels * dtype.itemsize
    if step < row_bytes:
        raise ConversionError(f"step {step} < width*bytes_per_pixel {row_bytes}", encoding=encoding)
    data = message_bytes(msg.data)
    if data.size != step * height:
        raise ConversionError(
            f"data length {data.size} != step*height {step * height}", encoding=encoding
        )
    # Row padding (step > row_bytes) is skipped by slicing: still a view, no copy.
    rows = data.reshape(height, step)[:, :row_bytes]
    return rows.view(dtype).reshape(height, width, channels)


def image_to_rgb(msg: Image) -> np.ndarray:
    """An rgb8/bgr8/rgba8/bgra8/mono8 image as the core sample: HxWx3 uint8 RGB, C-contiguous.

    Never through cv_bridge: its imgmsg_to_cv2 takes a row as int(step / itemsize / channels)
    pixels, so a row padding that is not a whole number of pixels shifts every row; this path
    honours ``step`` exactly and copies no more than cv_bridge would.
    """
    return pixels_to_rgb(image_pixels(msg, COLOR_ENCODINGS), msg.encoding)


def pixels_to_rgb(pixels: np.ndarray, encoding: str) -> np.ndarray:
    """(H, W, C) pixels of a colour encoding as C-contiguous RGB; no copy for unpadded rgb8."""
    if encoding == "rgb8":
        return np.ascontiguousarray(pixels)
    return _gather_channels(pixels, _RGB_CHANNELS[encoding])


def _gather_channels(pixels: np.ndarray, sources: list[int | None]) -> np.ndarray:
    """A new (H, W, len(sources)) uint8 array; channel i copies ``sources[i]`` (None: 255).

    One strided copy per channel: about 3x faster than np.take or a reversed-axis copy.
    """
    out = np.empty((*pixels.shape[:2], len(sources)), dtype=np.uint8)
    for channel, source in enumerate(sources):
        out[..., channel] = 255 if source is None else pixels[..., source]
    return out


def image_to_msg(
    rgb: np.ndarray,
    encoding: str = "rgb8",
    stamp_ns: int = 0,
    frame_id: str = "",
    row_padding: int = 0,
) -> Image:
    """An HxWx3 uint8 RGB array as an Image in ``encoding`` (one of COLOR_ENCODINGS).

    mono8 stores BT.601 luma; an HxW uint8 array is taken as gray for mono8 only.
    """
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8:
        raise ConversionError(f"expected uint8 pixels, got {rgb.dtype}", encoding=encoding)
    if encoding == "mono8" and rgb.ndim == 2:
        pixels = rgb
    else:
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ConversionError(f"expected HxWx3 RGB, got shape {rgb.shape}", encoding=encoding)
        pixels = _rgb_to_encoding(rgb, encoding)
    return pixels_to_msg(pixels, encoding, stamp_ns, frame_id, row_padding=row_padding)


def _rgb_to_encoding(rgb: np.ndarray, encoding: str) -> np.ndarray:
    if encoding == "rgb8":
        return rgb
    if encoding in _ENCODING_CHANNELS:
        return _gather_channels(rgb, _ENCODING_CHANNELS[encoding])
    if encoding == "mono8":
        return np.rint(rgb @ _LUMA).astype(np.uint8)
    raise ConversionError(
        f"unsupported encoding; expected one of {', '.join(COLOR_ENCODINGS)}", encoding=encoding
    )


def pixels_to_msg(
    pixels: np.ndarray,
    encoding: str,
    stamp_ns: int = 0,
    frame_id: str = "",
    *,
    row_padding: int = 0,
    bigendian: bool = False,
) -> Image:
    """(H, W[, C]) pixels, already in ``encoding``'s element type and channels, as an Image.

    ``row_padding`` zero bytes end each row (step > width*bytes_per_pixel, as some drivers
    align rows); ``bigendian`` stores multi-byte elements big-endian.
    """
    height, width = pixels.shape[:2]
    dtype = pixels.dtype.newbyteorder(">" if bigendian else "<")
    rows = np.ascontiguousarray(pixels, dtype=dtype).reshape(height, -1).view(np.uint8)
    if row_padding:
        rows = np.pad(rows, ((0, 0), (0, row_padding)))
    msg = Image(
        header=make_header(stamp_ns, frame_id),
        height=height,
        width=width,
        encoding=encoding,
        is_bigendian=bigendian,
        step=rows.shape[1],
    )
    msg.data = byte_array(rows)
    return msg
