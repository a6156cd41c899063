"""Typed errors the model layer raises, so callers can count and report them."""

from __future__ import annotations

import math
from typing import Any


class OmniBindError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidSampleError(OmniBindError, ValueError):
    """A raw sensor sample that cannot be preprocessed (empty, wrong shape, NaN, ...)."""

    def __init__(self, modality: str, problem: str) -> None:
        super().__init__(f"{modality}: {problem}")
        self.modality = modality
        self.problem = problem


class BundleError(OmniBindError, RuntimeError):
    """A model bundle that cannot be loaded: missing, corrupt, truncated or mismatched."""


class ConfigError(OmniBindError, ValueError):
    """A configuration value that is missing or out of range; the message says what to fix."""


def finite_number(value: Any, name: str) -> float:
    """``value`` as a finite float, or a ConfigError naming the setting ``name``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    return number
