"""`omnibind bench NAME`: run one of the benchmark scripts of a source checkout.

The scripts in benchmarks/ print a table and save JSON under benchmarks/results/; they ship
with the repository, not with an installed package.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent.parent / "benchmarks"


def save_results(path: Path, report: dict) -> None:
    """Write a benchmark's JSON report, creating its folder, and say where it went."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {path}")


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in BENCHMARKS_DIR.glob("bench_*.py"))


def register(subparsers: argparse._SubParsersAction) -> None:
    names = available()
    parser = subparsers.add_parser(
        "bench",
        help="run a benchmark script (source checkout only); results go to benchmarks/results",
        description="Benchmarks: " + (", ".join(names) or "none in this installation") + ". "
        "Arguments after NAME go to the script (e.g. `omnibind bench core -- --repeats 20`).",
    )
    parser.add_argument("name", help="which benchmark")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="passed to the script")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    script = BENCHMARKS_DIR / f"bench_{args.name}.py"
    if not script.is_file():
        names = ", ".join(available())
        print(
            f"omnibind bench: no benchmark {args.name!r}; "
            + (f"choose one of {names}" if names else "benchmarks ship with the source checkout")
        )
        return 1
    extra = [a for a in args.script_args if a != "--"]
    return subprocess.run([sys.executable, str(script), *extra], cwd=BENCHMARKS_DIR).returncode
