"""`omnibind demo` command line; rclpy and the model load only when the demo runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from omnibind_ros.paths import default_bundle_path

DEFAULT_DURATION_S = 30.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="simulated sensors + the perception node in one process; prints labels live",
        description="Simulated sensors plugged in and out on a schedule, the perception node "
        "fusing whatever is there, and one line per second: active sensors -> top labels.",
    )
    parser.add_argument(
        "--duration", type=float, default=DEFAULT_DURATION_S, help="seconds to run (default 30)"
    )
    parser.add_argument(
        "--bundle", type=Path, default=default_bundle_path(),
        help="model bundle (default: the shipped one)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="simulated world seed (default 0)")
    parser.add_argument("--verbose", action="store_true", help="also show the nodes' INFO logs")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from omnibind_ros.ros.demo import run_demo

    return run_demo(args.duration, args.bundle, args.seed, verbose=args.verbose)
