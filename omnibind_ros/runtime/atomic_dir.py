"""Putting a directory written in full elsewhere into place in one step, so a reader of the
cache sees an export either whole or not at all (a file's twin: engine_cache.write_atomically)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def replace_dir(staging: Path, out_dir: Path) -> None:
    """Move ``staging`` (on ``out_dir``'s file system) to ``out_dir``, replacing an older
    directory there."""
    old = None
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
        os.replace(out_dir, old / out_dir.name)
    try:
        os.replace(staging, out_dir)
    except OSError:
        # Another process finished the same export first: its files are as good as ours.
        if not out_dir.is_dir():
            raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
