"""The `omnibind` command line."""

import subprocess
import sys

from omnibind_ros import __version__
from omnibind_ros.cli import SUBCOMMANDS, build_parser


def test_help_lists_every_registered_subcommand() -> None:
    help_text = build_parser().format_help()
    for name in SUBCOMMANDS:
        assert name in help_text


def test_version_flag_prints_the_package_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "omnibind_ros.cli", "--version"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert __version__ in out


def test_bench_lists_the_benchmarks_and_rejects_an_unknown_one() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "omnibind_ros.cli", "bench", "no_such_benchmark"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert "core" in result.stdout and "sim" in result.stdout


def test_export_needs_an_out_directory_unless_it_writes_the_lean_export(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "omnibind_ros.cli", "export"], capture_output=True, text=True
    )
    assert result.returncode == 2 and "--out DIR is required (or --lean)" in result.stdout
    missing = tmp_path / "missing.omnibind"
    result = subprocess.run(
        [sys.executable, "-m", "omnibind_ros.cli", "export", "--lean", "--bundle", str(missing),
         "--cache-dir", str(tmp_path)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1 and f"model bundle {missing} not found" in result.stdout
