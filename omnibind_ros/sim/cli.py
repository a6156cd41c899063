"""`omnibind sim`: export a dataset from the simulated world, record it as a rosbag2 bag, or draw
its contact sheet."""

from __future__ import annotations

import argparse
from pathlib import Path

from omnibind_ros.sim.errors import SimConfigError


def _fractions(text: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected TRAIN,VAL,TEST fractions") from None
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"{text!r}: expected three fractions")
    return values  # type: ignore[return-value]


def register(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """Adds `omnibind sim`; returns its subcommands, so `record` (which writes ROS bags, see
    omnibind_ros.eval.cli) is added by a module that may import ROS."""
    sim = subparsers.add_parser("sim", help="simulated multi-sensor world: export, record, preview")
    commands = sim.add_subparsers(dest="sim_command", metavar="SIM_COMMAND", required=True)

    export = commands.add_parser("export", help="write a dataset (manifest.jsonl + files)")
    export.add_argument("out", type=Path, help="new output directory")
    export.add_argument(
        "--scenes",
        type=int,
        default=None,
        help="scenes to render (default: the largest per-modality count)",
    )
    export.add_argument(
        "--per-modality",
        default="",
        metavar="M=N,...",
        help="scenes carrying each modality, e.g. image=20000,thermal=300 "
        "(modalities not named get every scene)",
    )
    export.add_argument("--seed", type=int, default=0)
    export.add_argument("--start-index", type=int, default=0)
    export.add_argument(
        "--split", type=_fractions, default=(0.8, 0.1, 0.1), metavar="TRAIN,VAL,TEST"
    )
    export.set_defaults(func=_export)

    preview = commands.add_parser("preview", help="draw a PNG contact sheet, one row per class")
    preview.add_argument("out", type=Path, help="PNG file to write")
    preview.add_argument("--seed", type=int, default=0)
    preview.add_argument(
        "--as-sampled",
        action="store_true",
        help="keep each scene's drawn conditions (default: clear day)",
    )
    preview.set_defaults(func=_preview)
    return commands


def _export(args: argparse.Namespace) -> int:
    from omnibind_ros.sim.export import export_dataset, parse_counts
    from omnibind_ros.sim.world import World

    try:
        counts = parse_counts(args.per_modality)
        if args.scenes is None and not counts:
            raise SimConfigError("give --scenes or --per-modality")
        manifest = export_dataset(
            World(args.seed), args.out, args.scenes, counts, args.split, args.start_index
        )
    except SimConfigError as err:
        print(f"omnibind sim export: {err}")
        return 2
    print(f"wrote {manifest}")
    return 0


def _preview(args: argparse.Namespace) -> int:
    from omnibind_ros.sim.preview import write_contact_sheet

    path = write_contact_sheet(args.out, args.seed, clear_day=not args.as_sampled)
    print(f"wrote {path}")
    return 0
