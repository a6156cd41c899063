"""Temperature maps in degrees Celsius -> (1, S, S) in [-1, 1] over a fixed temperature range."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess.checks import array_sample, require_float
from omnibind_ros.core.preprocess.params import require
from omnibind_ros.core.preprocess.resize import check_fit, fit_square, float_tensor

LAYOUT = "HxW float degrees-Celsius"


def shape(modality: str, params: dict) -> tuple[int, ...]:
    check_fit(modality, params)
    require(
        params["t_max_c"] > params["t_min_c"],
        modality,
        f"t_max_c ({params['t_max_c']}) must exceed t_min_c ({params['t_min_c']})",
    )
    return (1, params["size"], params["size"])


def preprocess(modality: str, raw: Any, params: dict) -> np.ndarray:
    """Map [t_min_c, t_max_c] linearly onto [-1, 1], saturating outside, then resize.

    The range is fixed (not the frame's min/max) so that "hot" means hot in every frame.
    NaN marks dead pixels: they are filled with the median of the valid ones so they read
    as background, not as the coldest value. Inf is not a temperature and is rejected.
    """
    celsius = array_sample(modality, raw, ndim=2, layout=LAYOUT)
    require_float(modality, celsius, "temperatures (convert raw counts to degrees Celsius)")
    nan = np.isnan(celsius)
    if nan.all():
        raise InvalidSampleError(modality, f"all {celsius.size} pixels are NaN")
    if np.isinf(celsius).any():
        raise InvalidSampleError(modality, "temperature map contains Inf")
    planes = float_tensor(celsius).unsqueeze(0)
    if nan.any():
        planes[0][torch.from_numpy(nan)] = float(np.median(celsius[~nan]))
    t_min, t_max = params["t_min_c"], params["t_max_c"]
    # Saturate before resizing, as the sensor would: a spot beyond the range stays at the edge.
    unit = ((planes - t_min) / (t_max - t_min)).clamp_(0.0, 1.0)
    resized = fit_square(unit, params["size"], params["fit"])
    return (resized * 2.0 - 1.0).numpy()
