"""Type checks for config values, so a wrong value fails at load with one line naming it.

The dataclasses' own type hints are the schema: ``x: float`` takes 3 or 3.5 (YAML writes
both) but not "3.5" or true; ``tuple[str, ...]`` takes a list of strings; ``int | None``
also takes null.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Mapping
from typing import Any

from omnibind_ros.core.errors import ConfigError


def fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` (as YAML gives it) is of type ``hint``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return (
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        )
    if hint is str:
        return isinstance(value, str)
    if origin is tuple:
        return isinstance(value, (list, tuple)) and all(fits(v, args[0]) for v in value)
    if origin is dict or hint is dict:
        return isinstance(value, Mapping)
    return True  # nested dataclasses are built and checked by their own builder


def describe(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe(a) for a in args)
    if hint is type(None):
        return "null"
    if origin is tuple:
        item = describe(args[0]).removeprefix("a ").removeprefix("an ")
        return f"a list of {item}s"
    if origin is dict or hint is dict:
        return "a mapping"
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


def checked(value: Any, hint: Any, where: str) -> Any:
    """``value`` if it is of type ``hint`` (lists become tuples for tuple fields), else a
    ConfigError naming ``where``."""
    if not fits(value, hint):
        raise ConfigError(f"{where} must be {describe(hint)}, got {value!r}")
    return tuple(value) if typing.get_origin(hint) is tuple else value


def require_positive(value: float, where: str) -> None:
    if not value > 0:
        raise ConfigError(f"{where} must be > 0, got {value!r}")
