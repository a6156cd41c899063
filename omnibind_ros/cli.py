"""`omnibind`: the user's command line. Each subcommand lives in the module that does the job.

A subcommand module exposes ``register(subparsers) -> None`` which adds its parser and sets
``func`` (called with the parsed arguments, returning an exit code). Modules are imported
only when listed here, so `omnibind --help` stays fast and ROS-free.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from omnibind_ros import __version__

# subcommand name -> module that registers it
SUBCOMMANDS: dict[str, str] = {
    "bench": "omnibind_ros.bench_cli",
    "demo": "omnibind_ros.ros.demo_cli",
    "eval": "omnibind_ros.eval.cli",
    "dataset": "omnibind_ros.training.dataset_cli",
    "export": "omnibind_ros.runtime.export_cli",
    "info": "omnibind_ros.core.info_cli",
    "sim": "omnibind_ros.sim.cli",
    "train": "omnibind_ros.training.train_cli",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omnibind",
        description="OmniBind multi-sensor perception: demo, evaluation, training, export, bench.",
    )
    parser.add_argument("--version", action="version", version=f"omnibind_ros {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    registered = {
        module_name: importlib.import_module(module_name).register(subparsers)
        for module_name in dict.fromkeys(SUBCOMMANDS.values())
    }
    # `sim record` writes ROS bags: evaluation adds it, so the sim package stays ROS-free.
    importlib.import_module(SUBCOMMANDS["eval"]).register_sim_record(registered[SUBCOMMANDS["sim"]])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
