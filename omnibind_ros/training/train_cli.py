"""`omnibind train {teacher,cad,af,all,report}`: the training stages and the results report.

omnibind train all --config omnibind_ros/training/configs/default.yaml
omnibind train cad --config my.yaml --resume
torchrun --nproc-per-node 4 -m omnibind_ros.cli train cad --config my.yaml
omnibind train report --bundle omnibind_ros/models/default.omnibind --out docs/results.md
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
import time
from pathlib import Path

from omnibind_ros.core.errors import OmniBindError

DEFAULT_CONFIG = Path(__file__).resolve().parent / "configs" / "default.yaml"
STAGE_HELP = {
    "teacher": "align the image encoder with the frozen text teacher (default bundle only)",
    "cad": "stage I: distil every student into the teachers' space (Eq. 2-7)",
    "af": "stage II: train the fusion module on random modality combinations (Eq. 8-9)",
    "all": "teacher, then cad, then af: the whole default bundle",
}

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="train the model (teacher, cad, af, all) or write the results report"
    )
    stages = parser.add_subparsers(dest="stage", metavar="STAGE", required=True)
    for name, help_text in STAGE_HELP.items():
        stage = stages.add_parser(name, help=help_text, description=help_text)
        _common_options(stage)
        stage.add_argument(
            "--resume", action="store_true",
            help="continue from the checkpoints in the out dir (exactly where they stopped)",
        )  # fmt: skip
        stage.add_argument(
            "--stop-after", type=int, metavar="STEPS",
            help="end each training loop after STEPS steps, leaving a checkpoint to resume",
        )  # fmt: skip
        stage.set_defaults(func=run_stage)
    report = stages.add_parser(
        "report", help="paper-style tables on the held-out test set, as markdown"
    )
    _common_options(report)
    report.add_argument("--bundle", type=Path, help="bundle to evaluate (default: the config's)")
    report.add_argument("--out", type=Path, default=Path("docs/results.md"), help="markdown file")
    report.set_defaults(func=run_report)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG,
        help=f"YAML training config (default: {DEFAULT_CONFIG.name}, the shipped bundle's)",
    )  # fmt: skip
    parser.add_argument("--out-dir", help="override the config's out_dir")
    parser.add_argument("--device", help="override every loop's device (auto, cpu, cuda, cuda:N)")


def _overrides(args: argparse.Namespace) -> dict:
    overrides: dict = {}
    if args.out_dir:
        overrides["out_dir"] = args.out_dir
    if args.device:
        for stage in ("teacher", "cad", "af"):
            overrides[stage] = {"loop": {"device": args.device}}
    return overrides


def _load(args: argparse.Namespace):
    from omnibind_ros.training.config import load_config

    return load_config(args.config, _overrides(args))


def _setup_logging() -> None:
    # Under torchrun every rank runs the same steps: one voice (rank 0) is enough.
    level = logging.INFO if os.environ.get("RANK", "0") == "0" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(name)s: %(message)s")


def run_stage(args: argparse.Namespace) -> int:
    _setup_logging()
    try:
        from omnibind_ros.training.af import run_af
        from omnibind_ros.training.cad import run_cad
        from omnibind_ros.training.preflight import check_dataset
        from omnibind_ros.training.runner import leave_process_group
        from omnibind_ros.training.stage_io import join_process_group, record_timing
        from omnibind_ros.training.teacher import run_teacher

        config = _load(args)
        runners = {"teacher": run_teacher, "cad": run_cad, "af": run_af}
        chosen = list(runners) if args.stage == "all" else [args.stage]
        check_dataset(config, tuple(chosen))  # before any training: what is missing, and why
        # Under torchrun, join the process group before any data is rendered (rank 0 first).
        join_process_group(getattr(config, chosen[0]).loop.device)
        started = time.monotonic()
        for name in chosen:
            _, finished = runners[name](config, resume=args.resume, stop_after=args.stop_after)
            if not finished:
                log.info("%s: stopped early; continue with --resume", name)
                break
        else:
            if args.stage == "all":
                record_timing(config, "all", time.monotonic() - started)
        # Only on success: after an error the other ranks may never reach the barrier.
        leave_process_group()
    except OmniBindError as error:
        print(f"omnibind train {args.stage}: {error}", file=sys.stderr)
        return 2
    return 0


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when inside it (as a user would type it)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run_report(args: argparse.Namespace) -> int:
    _setup_logging()
    try:
        from omnibind_ros.training.preflight import check_dataset
        from omnibind_ros.training.report import write_report
        from omnibind_ros.training.stage_io import training_device

        config = _load(args)
        check_dataset(config, ("cad", "af"))  # the report retrains baselines and ablations
        bundle = args.bundle or (Path(config.bundle) if config.bundle else None)
        if bundle is None:
            print("omnibind train report: give --bundle (the config names none)", file=sys.stderr)
            return 2
        command = shlex.join(
            ["omnibind", "train", "report", "--config", _shown(args.config),
             "--bundle", _shown(bundle), "--out", _shown(args.out)]
        )  # fmt: skip
        write_report(
            config, bundle, args.out, command, training_device(config.af.loop.device),
            config_name=_shown(args.config),
        )  # fmt: skip
    except OmniBindError as error:
        print(f"omnibind train report: {error}", file=sys.stderr)
        return 2
    return 0
