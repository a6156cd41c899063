"""Packages a full ROS install has and the pip environment lacks: imported only when present."""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

from omnibind_ros.core.errors import ConfigError


@functools.cache
def optional_module(name: str) -> ModuleType | None:
    """``name`` imported, or None when it (or something it needs, e.g. cv2) is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def message_class(type_name: str) -> type:
    """The class of ``'package/msg/Name'``; ConfigError when its package is not installed."""
    package, _, name = type_name.partition("/msg/")
    module = optional_module(f"{package}.msg") if package and name else None
    if module is None or not hasattr(module, name):
        raise ConfigError(
            f"message type {type_name!r} is not available: install the {package or '?'} package"
        )
    return getattr(module, name)
