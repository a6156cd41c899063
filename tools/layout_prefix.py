"""Lay out an editable install's prefix the way `colcon build --symlink-install` does.

    python tools/layout_prefix.py PREFIX

An editable pip install leaves setup.py's data_files out and puts the executables in
PREFIX/bin. `ros2 launch PACKAGE FILE` walks share/PACKAGE with os.walk, which does not
descend into directory symlinks, and `ros2 run` / launch_ros's Node look for executables in
PREFIX/lib/PACKAGE. So this makes real directories holding one symlink per file (edits to
those files stay live; re-run after adding a file), and links each console script of setup.py
into lib/PACKAGE. The file list is setup.py's own data_files, read by running setup.py with
setuptools.setup replaced, as colcon reads a package's setup.py.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path
from typing import Any

import setuptools

ROOT = Path(__file__).resolve().parent.parent


def setup_arguments(root: Path = ROOT) -> dict[str, Any]:
    """The keyword arguments setup.py passes to setuptools.setup (its globs run in ``root``)."""
    captured: dict[str, Any] = {}
    original, cwd = setuptools.setup, Path.cwd()
    setuptools.setup = lambda **kwargs: captured.update(kwargs)
    try:
        os.chdir(root)
        runpy.run_path(str(root / "setup.py"), run_name="__main__")
    finally:
        setuptools.setup = original
        os.chdir(cwd)
    return captured


def _link(target: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        raise SystemExit(f"layout: {link} is a directory where a file link goes; remove it")
    link.symlink_to(target)


def _drop_directory_links(share: Path) -> None:
    """Older layouts linked share/PACKAGE/launch etc. as whole directories: drop those."""
    if share.is_dir():
        for child in share.iterdir():
            if child.is_symlink() and child.is_dir():
                child.unlink()


def lay_out(prefix: Path, root: Path = ROOT) -> list[Path]:
    """Link data_files into ``prefix`` and console scripts into prefix/lib/PACKAGE.

    Returns the links made. A console script missing from prefix/bin (the package is not
    installed there yet) is an error, so `ros2 run` never finds a dangling link.
    """
    arguments = setup_arguments(root)
    package = arguments["name"]
    made = []
    _drop_directory_links(prefix / "share" / package)
    for destination, files in arguments.get("data_files", []):
        directory = prefix / destination
        for name in files:
            link = directory / Path(name).name
            _link((root / name).resolve(), link)
            made.append(link)
    libexec = prefix / "lib" / package
    for entry in arguments.get("entry_points", {}).get("console_scripts", []):
        script = entry.split("=")[0].strip()
        installed = prefix / "bin" / script
        if not installed.is_file():
            raise SystemExit(f"layout: {installed} missing: pip install -e {root} first")
        _link(installed, libexec / script)
        made.append(libexec / script)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", type=Path, help="the venv (or other install prefix)")
    args = parser.parse_args(argv)
    links = lay_out(args.prefix.resolve())
    print(f"layout: {len(links)} links under {args.prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
