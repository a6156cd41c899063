"""`omnibind dataset build|stats`: build a modality-free dataset, and report what one holds."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from omnibind_ros.core.errors import OmniBindError
from omnibind_ros.training.dataset import LabelAliases, build_dataset, dataset_stats, format_stats

Command = Callable[[argparse.Namespace], int]


# Descriptions per MiniLM call: padding the whole dataset into one batch would not fit in memory.
_EMBED_CHUNK = 256


def _embed_descriptions(texts: list[str]) -> np.ndarray:
    """Sentence embeddings of sample descriptions, from the same MiniLM the text teacher uses."""
    from omnibind_ros.core.text import shared_minilm  # loads BERT: only when descriptions exist

    teacher = shared_minilm()
    chunks = range(0, len(texts), _EMBED_CHUNK)
    return np.concatenate([teacher.encode(texts[i : i + _EMBED_CHUNK]).numpy() for i in chunks])


def _build(args: argparse.Namespace) -> int:
    aliases = LabelAliases.from_yaml(args.aliases) if args.aliases else None
    built = build_dataset(
        args.source,
        args.out,
        aliases=aliases,
        sample_level=args.sample_level,
        embed_fn=_embed_descriptions,
        seed=args.seed,
    )
    counts = f"{len(built.records)} samples, {len(built.combinations)} combinations"
    print(f"wrote {counts} to {args.out}")
    print(format_stats(dataset_stats(args.out)))
    return 0


def _stats(args: argparse.Namespace) -> int:
    print(format_stats(dataset_stats(args.root)))
    return 0


def _reporting_errors(command: Command) -> Command:
    """Dataset problems are the user's to fix: print the message, not a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except OmniBindError as error:
            print(f"omnibind dataset: error: {error}", file=sys.stderr)
            return 1

    return run


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dataset",
        help="build a modality-free training dataset, or print its statistics",
        description="Build a modality-free dataset from source datasets, or print statistics.",
    )
    commands = parser.add_subparsers(dest="dataset_command", metavar="ACTION", required=True)

    build = commands.add_parser(
        "build",
        help="merge source datasets and group their samples into combinations",
        description=(
            "Merge source datasets (each a directory with manifest.jsonl) into OUT: "
            "labels unified through the alias map, samples of one label grouped into "
            "multi-modal combinations (combinations.jsonl)."
        ),
    )
    build.add_argument("--source", type=Path, action="append", required=True, metavar="DIR",
                       help="a source dataset directory (repeat for several)")  # fmt: skip
    build.add_argument("--aliases", type=Path, metavar="YAML",
                       help="label alias map {canonical: [alias, ...]}")  # fmt: skip
    build.add_argument("--out", type=Path, required=True, metavar="DIR",
                       help="output dataset directory")  # fmt: skip
    build.add_argument("--sample-level", action="store_true",
                       help="pair samples of the same scene (group), else of the most similar "
                            "description, instead of any sample of the same label")  # fmt: skip
    build.add_argument("--seed", type=int, default=0,
                       help="seed of the label-level pairing order (default 0)")  # fmt: skip
    build.set_defaults(func=_reporting_errors(_build))

    stats = commands.add_parser(
        "stats",
        help="per-modality counts, labels and combination sizes of a dataset",
        description="Print per-modality counts per split, label counts and the "
        "combination-size histogram of a dataset directory.",
    )
    stats.add_argument("root", type=Path, metavar="DIR", help="dataset directory")
    stats.set_defaults(func=_reporting_errors(_stats))
