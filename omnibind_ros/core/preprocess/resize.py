"""Fitting planar sensor data (images, temperature maps, event frames) into an SxS square.

The resize is torch's ``interpolate(mode="bilinear", align_corners=False, antialias=True)``,
the one the shipped encoders were trained behind, done in numpy as two passes of precomputed
per-axis weights, so that preprocessing needs no torch.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from omnibind_ros.core.preprocess.banded import row_blocks
from omnibind_ros.core.preprocess.params import require

FITS = ("crop", "stretch")
# Output rows per matmul of the first pass (banded.py): 8 rows of 480 -> 64 read 75 of the 480
# input rows, for 8 calls; fewer rows per band cost more in calls than they save.
_BAND_ROWS = 8


def check_fit(modality: str, params: dict) -> None:
    require(params["size"] > 0, modality, f"size must be positive, got {params['size']}")
    require(params["fit"] in FITS, modality, f"fit must be one of {FITS}, got {params['fit']!r}")


def fit_square(planes: np.ndarray, size: int, fit: str) -> np.ndarray:
    """(H, W, C) channels-last numbers -> (C, size, size) C-ordered float32.

    "crop" keeps the centre square (CLIP's convention: no distortion, the longer side loses
    its edges); "stretch" keeps the whole field of view, distorted. Bilinear with antialias,
    so a 640 px frame shrunk to 64 px averages its pixels instead of aliasing.

    Channels-last (a camera's layout) because the first pass then multiplies each band of
    weights with whole rows of W * C values: one wide matmul for all channels.
    """
    height, width = planes.shape[:2]
    if fit == "crop":
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        planes = planes[top : top + side, left : left + side]
    height, width, channels = planes.shape
    # A C-ordered float32 copy where the input is not one already: sensor buffers may be
    # uint8, read-only or reversed views (BGR -> RGB by slicing).
    planes = np.ascontiguousarray(planes, dtype=np.float32)
    if (height, width) == (size, size):
        return np.ascontiguousarray(planes.transpose(2, 0, 1))
    rows = planes.reshape(height, width * channels)
    tall = np.concatenate([band @ rows[lo:hi] for lo, hi, band in _row_bands(height, size)])
    # The second pass works on the small result: a dense product costs little there.
    columns = np.ascontiguousarray(tall.reshape(size, width, channels).transpose(2, 0, 1))
    return columns @ _weights(width, size).T


@lru_cache(maxsize=32)
def _weights(in_size: int, out_size: int) -> np.ndarray:
    """(out_size, in_size) float32 weights of torch's antialiased bilinear resize (read-only).

    Output pixel i is centred at scale * (i + 0.5) input pixels, scale = in / out. A triangle
    of radius max(scale, 1) input pixels around that centre weighs the input pixels by the
    distance of their centres, and each row is normalised to sum to 1: shrinking, the
    triangle widens with the factor and averages (PIL's filter); growing, it is plain
    bilinear with half-pixel centres, and past the edges the edge pixel takes the whole weight
    (clamping). Each step rounds to float32 where torch's CPU kernel does, so the weights are
    the very bits the model was trained with.
    """
    f32, f64 = np.float32, np.float64
    scale = f32(in_size) / f32(out_size)
    shrinking = scale >= 1.0
    support = scale if shrinking else f32(1.0)
    invscale = f32(1.0 / f64(scale)) if shrinking else f32(1.0)
    centre = (f64(scale) * (np.arange(out_size) + 0.5)).astype(f32)
    # torch reads only the input pixels in [first, end); C++ casts truncate toward zero.
    first = np.maximum(((centre - support).astype(f64) + 0.5).astype(np.int64), 0)
    end = np.minimum(((centre + support).astype(f64) + 0.5).astype(np.int64), in_size)
    pixel = np.arange(in_size)
    offset = (pixel.astype(f32) - centre[:, None]).astype(f64) + 0.5
    distance = np.abs((offset * invscale).astype(f32))
    weights = np.where(distance < 1.0, (1.0 - distance.astype(f64)).astype(f32), f32(0.0))
    weights[(pixel < first[:, None]) | (pixel >= end[:, None])] = 0.0
    # cumsum adds left to right as torch's loop does; np.sum would add pairwise. Every row
    # has a positive weight: the pixel nearest its centre.
    weights /= np.cumsum(weights, axis=1)[:, -1:]
    weights.flags.writeable = False
    return weights


@lru_cache(maxsize=32)
def _row_bands(in_size: int, out_size: int) -> tuple[tuple[int, int, np.ndarray], ...]:
    return row_blocks(_weights(in_size, out_size), _BAND_ROWS)
