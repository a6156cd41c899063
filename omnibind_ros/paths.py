"""Where the package's installed data (launch, config, models) and its caches live."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = "omnibind_ros"
_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def share_dir() -> Path:
    """The package's share/ directory: from the ament index when available, else the source tree.

    The source tree holds the same launch/, config/ and package.xml, so an editable install
    or a plain checkout behaves like an installed package.
    """
    try:
        from ament_index_python.packages import get_package_share_directory

        return Path(get_package_share_directory(PACKAGE))
    except (ImportError, LookupError, OSError):
        return _SOURCE_ROOT


def config_file(name: str) -> Path:
    return share_dir() / "config" / name


def default_bundle_path() -> Path:
    """The shipped default model bundle (trained on the simulated world)."""
    return Path(__file__).resolve().parent / "models" / "default.omnibind"


def default_cache_dir() -> Path:
    """``$OMNIBIND_CACHE_DIR``, else ``$XDG_CACHE_HOME/omnibind_ros``, else ``~/.cache/...``:
    ONNX exports, TensorRT engines and text prompt embeddings."""
    if "OMNIBIND_CACHE_DIR" in os.environ:
        return Path(os.environ["OMNIBIND_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / PACKAGE
