"""RGB frames (camera images, GelSight/DIGIT tactile images) -> normalised (3, S, S)."""

from __future__ import annotations

from typing import Any

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess.checks import array_sample
from omnibind_ros.core.preprocess.params import require
from omnibind_ros.core.preprocess.resize import check_fit, fit_square

LAYOUT = "HxWx3 uint8 RGB"


def shape(modality: str, params: dict) -> tuple[int, ...]:
    check_fit(modality, params)
    require(min(params["std"]) > 0, modality, f"std must be positive, got {params['std']}")
    return (3, params["size"], params["size"])


def check(modality: str, raw: Any) -> np.ndarray:
    rgb = array_sample(modality, raw, ndim=3, layout=LAYOUT)
    if rgb.shape[2] != 3:
        raise InvalidSampleError(modality, f"expected 3 channels ({LAYOUT}), got shape {rgb.shape}")
    # uint8 only: a float image could be in [0, 1] or [0, 255], and guessing wrong is silent.
    if rgb.dtype != np.uint8:
        raise InvalidSampleError(modality, f"expected dtype uint8 ({LAYOUT}), got {rgb.dtype}")
    return rgb


def preprocess(modality: str, raw: Any, params: dict) -> np.ndarray:
    """Centre-crop or stretch, resize, scale to [0, 1], normalise by the channel mean/std."""
    rgb = check(modality, raw)
    resized = fit_square(rgb, params["size"], params["fit"])
    # Resizing is linear, so normalising the small result equals normalising the frame.
    mean = np.array(params["mean"], dtype=np.float32).reshape(3, 1, 1)
    std = np.array(params["std"], dtype=np.float32).reshape(3, 1, 1)
    return (resized / 255.0 - mean) / std
