"""Where a bundle's lean export lives in the cache, and making it when it is not there yet.

The export is keyed by the bundle file's SHA-256, so a retrained bundle at the same path gets
a fresh one. It is written by ``python -m omnibind_ros.runtime.lean_export`` in a process of
its own: that process imports torch to read the bundle, this one never does.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from omnibind_ros.core.errors import BundleError

LEAN_FILE = "lean.json"  # written last: a directory without it is an unfinished export
# Bumped when what an export holds changes; an export of another layout is made again.
LEAN_LAYOUT = 1
EXPORT_TIMEOUT_S = 600.0  # a CLIP-size image tower exports in about a minute on 2 cores
UNSUPPORTED_EXIT = 3  # the exporter's exit status for a bundle the lean runtime cannot serve


class LeanUnsupportedError(BundleError):
    """A valid bundle the lean runtime cannot run (its text teacher has no ONNX export here):
    the caller loads it with torch instead."""


def require_bundle_file(bundle: Path) -> None:
    """The one error for a bundle path that is not a file, whichever runtime loads it."""
    if not Path(bundle).is_file():
        raise BundleError(
            f"model bundle {bundle} not found: set model.bundle to a .omnibind file "
            "(train one with `omnibind train`)"
        )


def bundle_sha256(bundle: Path) -> str:
    with Path(bundle).open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def lean_export_dir(bundle: Path, cache_dir: Path) -> Path:
    return Path(cache_dir) / "lean" / bundle_sha256(bundle)[:16]


def text_export_name(weights_sha256: str) -> str:
    """The text teacher's export, a sibling of the bundles' exports: every bundle distilled
    into the same teacher shares its one copy (90 MB for MiniLM)."""
    return f"text-{weights_sha256[:16]}"


def unsupported_marker(out: Path) -> Path:
    """Remembers why a bundle cannot run lean, so later starts skip the export attempt."""
    return out.with_name(out.name + ".unsupported")


def read_lean_file(directory: Path) -> dict | None:
    """The export's description, or None when there is no finished export of this layout."""
    try:
        data = json.loads((Path(directory) / LEAN_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("layout") == LEAN_LAYOUT else None


def ensure_lean_export(
    bundle: Path, cache_dir: Path, log: Callable[[str], None] = lambda message: None
) -> Path:
    """The finished lean export of ``bundle``, made first when the cache has none."""
    bundle = Path(bundle)
    require_bundle_file(bundle)
    out = lean_export_dir(bundle, cache_dir)
    if read_lean_file(out) is not None:
        return out
    marker = unsupported_marker(out)
    if marker.is_file():
        raise LeanUnsupportedError(marker.read_text().strip())
    log(f"lean runtime: exporting {bundle} to ONNX once, into {out}")
    command = [sys.executable, "-m", "omnibind_ros.runtime.lean_export", str(bundle), str(out)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise BundleError(
            f"exporting {bundle} for the lean runtime took over {EXPORT_TIMEOUT_S:.0f} s; "
            "run `python -m omnibind_ros.runtime.lean_export BUNDLE OUT` to see why"
        ) from None
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    problem = lines[-1] if lines else f"lean export of {bundle} failed"
    if done.returncode == UNSUPPORTED_EXIT:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(problem + "\n")
        raise LeanUnsupportedError(problem)
    if done.returncode != 0 or read_lean_file(out) is None:
        raise BundleError(problem)
    return out
