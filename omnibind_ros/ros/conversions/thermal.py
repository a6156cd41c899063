"""Thermal sensor_msgs/Image ⇄ HxW float32 degrees Celsius.

Integer encodings (mono16/16UC1, mono8/8UC1) carry raw counts: °C = raw * scale + offset.
The defaults read centi-Kelvin, what radiometric cameras such as the FLIR Lepton publish in
mono16. 32FC1 already holds °C and ignores scale/offset. NaN pixels in 32FC1 pass through
unchanged (dead pixels); the converter rejects all-NaN and Inf frames with core's check.
"""

from __future__ import annotations

import numpy as np
from sensor_msgs.msg import Image

from omnibind_ros.ros.conversions.errors import ConversionError
from omnibind_ros.ros.conversions.image import PIXEL_FORMATS, image_pixels, pixels_to_msg

THERMAL_ENCODINGS: tuple[str, ...] = ("mono16", "16UC1", "32FC1", "mono8", "8UC1")
DEFAULT_SCALE = 0.01  # centi-Kelvin ...
DEFAULT_OFFSET = -273.15  # ... to degrees Celsius


def image_to_celsius(
    msg: Image,
    scale: float = DEFAULT_SCALE,
    offset: float = DEFAULT_OFFSET,
    encoding_override: str = "",
) -> np.ndarray:
    """The thermal image as HxW float32 °C (a view of the message for unpadded 32FC1)."""
    encoding = encoding_override or msg.encoding
    pixels = image_pixels(msg, THERMAL_ENCODINGS, encoding)[..., 0]
    if _is_float(encoding):
        return np.ascontiguousarray(pixels, dtype=np.float32)
    celsius = np.multiply(pixels, np.float32(scale), dtype=np.float32)
    celsius += np.float32(offset)
    return celsius


def thermal_to_msg(
    celsius: np.ndarray,
    encoding: str = "mono16",
    scale: float = DEFAULT_SCALE,
    offset: float = DEFAULT_OFFSET,
    stamp_ns: int = 0,
    frame_id: str = "",
    *,
    bigendian: bool = False,
    row_padding: int = 0,
) -> Image:
    """HxW °C as a thermal Image; integer encodings store round((°C - offset) / scale).

    Raises ConversionError when a temperature (or NaN) cannot be stored in ``encoding``.
    """
    celsius = np.asarray(celsius)
    if encoding not in THERMAL_ENCODINGS:
        raise ConversionError(
            f"unsupported encoding; expected one of {', '.join(THERMAL_ENCODINGS)}",
            encoding=encoding,
        )
    if celsius.ndim != 2:
        raise ConversionError(f"expected HxW temperatures, got shape {celsius.shape}")
    if _is_float(encoding):
        pixels = celsius.astype(np.float32, copy=False)
    else:
        pixels = _quantize(celsius, encoding, scale, offset)
    return pixels_to_msg(
        pixels, encoding, stamp_ns, frame_id, row_padding=row_padding, bigendian=bigendian
    )


def _quantize(celsius: np.ndarray, encoding: str, scale: float, offset: float) -> np.ndarray:
    dtype = np.dtype(PIXEL_FORMATS[encoding][0])
    if scale == 0:
        raise ConversionError("scale must not be 0", encoding=encoding)
    limits = np.iinfo(dtype)
    raw = np.rint((celsius.astype(np.float64) - offset) / scale)
    if not (np.all(np.isfinite(raw)) and raw.min() >= limits.min and raw.max() <= limits.max):
        low, high = storable_celsius(encoding, scale, offset)
        raise ConversionError(
            f"temperatures must be finite and within {low:.2f}..{high:.2f} °C to fit {dtype} "
            f"with scale {scale} and offset {offset}",
            encoding=encoding,
        )
    return raw.astype(dtype)


def storable_celsius(
    encoding: str, scale: float = DEFAULT_SCALE, offset: float = DEFAULT_OFFSET
) -> tuple[float, float]:
    """The temperatures an integer ``encoding`` holds (mono16 centi-Kelvin: -273.15..382.2 °C).

    A radiometric camera saturates there: a writer clips to this range to do the same.
    """
    limits = np.iinfo(np.dtype(PIXEL_FORMATS[encoding][0]))
    low, high = sorted((limits.min * scale + offset, limits.max * scale + offset))
    return low, high


def _is_float(encoding: str) -> bool:
    return PIXEL_FORMATS[encoding][0].startswith("f")
