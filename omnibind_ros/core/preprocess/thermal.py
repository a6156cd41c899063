"""Temperature maps in degrees Celsius -> (1, S, S) in [-1, 1] over a fixed temperature range."""

from __future__ import annotations

from typing import Any

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess.checks import array_sample, require_float
from omnibind_ros.core.preprocess.params import require
from omnibind_ros.core.preprocess.resize import check_fit, fit_square

LAYOUT = "HxW float degrees-Celsius"
MAX_ABS_CELSIUS = 1e6  # far beyond any sensor; keeps the range's width finite in float32


def shape(modality: str, params: dict) -> tuple[int, ...]:
    check_fit(modality, params)
    require(
        params["t_max_c"] > params["t_min_c"],
        modality,
        f"t_max_c ({params['t_max_c']}) must exceed t_min_c ({params['t_min_c']})",
    )
    require(
        max(abs(params["t_min_c"]), abs(params["t_max_c"])) <= MAX_ABS_CELSIUS,
        modality,
        f"t_min_c and t_max_c must lie within ±{MAX_ABS_CELSIUS:g} °C",
    )
    return (1, params["size"], params["size"])


def check(modality: str, raw: Any) -> np.ndarray:
    celsius = array_sample(modality, raw, ndim=2, layout=LAYOUT)
    require_float(modality, celsius, "temperatures (convert raw counts to degrees Celsius)")
    if np.isnan(celsius).all():
        raise InvalidSampleError(modality, f"all {celsius.size} pixels are NaN")
    if np.isinf(celsius).any():
        raise InvalidSampleError(modality, "temperature map contains Inf")
    return celsius


def preprocess(modality: str, raw: Any, params: dict) -> np.ndarray:
    """Map [t_min_c, t_max_c] linearly onto [-1, 1], saturating outside, then resize.

    The range is fixed (not the frame's min/max) so that "hot" means hot in every frame.
    NaN marks dead pixels: they are filled with the median of the valid ones so they read
    as background, not as the coldest value. Inf is not a temperature and is rejected.
    """
    celsius = check(modality, raw)
    nan = np.isnan(celsius)
    t_min, t_max = params["t_min_c"], params["t_max_c"]
    # Clipped in the input's precision first: float64 extremes (1e300) would turn into Inf
    # as float32. Clipping before the saturation below changes nothing else.
    planes = np.clip(celsius, t_min, t_max).astype(np.float32, copy=False)
    if nan.any():
        with np.errstate(over="ignore"):  # the mean of two float64 extremes saturates below
            planes[nan] = np.clip(np.median(celsius[~nan]), t_min, t_max)
    # Saturate before resizing, as the sensor would: a spot beyond the range stays at the edge.
    unit = np.clip((planes - t_min) / (t_max - t_min), 0.0, 1.0)
    resized = fit_square(unit[:, :, None], params["size"], params["fit"])
    return resized * 2.0 - 1.0
