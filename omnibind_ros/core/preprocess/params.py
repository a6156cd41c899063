"""Preprocessing parameters: a modality's defaults with overrides, checked before use."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.modalities import default_preprocess_params


def resolve_params(modality: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The defaults of ``modality`` updated with ``params``; unknown keys and wrong types fail.

    Overrides may be partial (``{"size": 224}``), so configs and bundles need only name
    what differs from the defaults.
    """
    resolved = default_preprocess_params(modality)
    if params is None:
        return resolved
    if not isinstance(params, Mapping):
        raise ConfigError(
            f"{modality} preprocessing: parameters must be a mapping, got {type(params).__name__}"
        )
    unknown = sorted(set(params) - set(resolved))
    require(
        not unknown,
        modality,
        f"unknown parameter(s) {', '.join(map(repr, unknown))}; known: {', '.join(resolved)}",
    )
    for key, value in params.items():
        resolved[key] = _like_default(modality, key, value, resolved[key])
    return resolved


def require(ok: bool, modality: str, problem: str) -> None:
    """Raise ConfigError naming the modality when a parameter check fails."""
    if not ok:
        raise ConfigError(f"{modality} preprocessing: {problem}")


def _like_default(modality: str, key: str, value: Any, default: Any) -> Any:
    # The default's type is the schema: YAML and JSON hand back ints where floats are meant
    # and lists where tuples were written, so those are accepted and converted.
    wrong = f"parameter {key!r} must be like {default!r}, got {value!r}"
    if isinstance(default, str):
        require(isinstance(value, str), modality, wrong)
        return value
    if isinstance(default, int):
        require(_is_int(value), modality, wrong)
        return int(value)
    if isinstance(default, float):
        require(_is_real(value), modality, wrong)
        return float(value)
    require(
        isinstance(value, (list, tuple))
        and len(value) == len(default)
        and all(_is_real(v) for v in value),
        modality,
        wrong,
    )
    return [float(v) for v in value]


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
