"""Checks of raw samples shared by the modalities; each failure names the modality."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError


def array_sample(modality: str, raw: Any, *, ndim: int, layout: str) -> np.ndarray:
    """``raw`` as a non-empty ndarray of ``ndim`` dimensions; ``layout`` names the expected form."""
    if not isinstance(raw, np.ndarray):
        raise InvalidSampleError(
            modality, f"expected a {layout} numpy array, got {type(raw).__name__}"
        )
    if raw.ndim != ndim:
        raise InvalidSampleError(modality, f"expected a {layout} array, got shape {raw.shape}")
    if raw.size == 0:
        raise InvalidSampleError(modality, f"empty array of shape {raw.shape}")
    return raw


def require_float(modality: str, array: np.ndarray, what: str) -> None:
    """Integer data here means raw sensor counts that were never converted to physical units."""
    if array.dtype.kind != "f":
        raise InvalidSampleError(
            modality, f"{what} must be floating point, got dtype {array.dtype}"
        )


def attribute(modality: str, raw: Any, name: str, layout: str) -> Any:
    """Attribute ``name`` of a sample object, or an error saying what object was expected."""
    try:
        return getattr(raw, name)
    except AttributeError:
        raise InvalidSampleError(
            modality, f"expected {layout}, got {type(raw).__name__} without .{name}"
        ) from None


def positive_int(modality: str, value: Any, what: str) -> int:
    """A whole positive number (numpy integers and integral floats included)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or value <= 0
        or value != int(value)
    ):
        raise InvalidSampleError(modality, f"{what} must be a positive whole number, got {value!r}")
    return int(value)
