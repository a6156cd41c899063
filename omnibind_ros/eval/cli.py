"""`omnibind eval`: score the perception node on a recorded bag, offline or live over DDS.

    omnibind eval run.mcap --report out/                       # offline, bag time
    omnibind eval run/ --bundle a.omnibind --bundle b.omnibind --report out/
    omnibind eval run/ --annotations labels.csv --remap /cam/image:=/camera/image_raw --report out/
    omnibind eval --live run/ --rate 1.0 --report out/        # rclpy player + node + scorer

Every problem with the inputs ends in one line naming the file and what to fix (exit 2).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from omnibind_ros.core.errors import OmniBindError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="evaluate the perception node on a rosbag2 bag (offline or --live)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("bag", type=Path, help="bag directory, or one .mcap or .db3 file")
    parser.add_argument("--report", type=Path, required=True, help="directory for the report")
    parser.add_argument(
        "--config",
        type=Path,
        action="append",
        default=[],
        help="node parameter file (repeat: later files override); default config/perception.yaml "
        "(plus config/demo.yaml for bags of `omnibind sim record`)",
    )
    parser.add_argument(
        "--bundle",
        type=Path,
        action="append",
        default=[],
        help="model bundle (repeat to compare models on one replay); default from the config",
    )
    parser.add_argument("--backend", default=None, help="override the config's backend")
    parser.add_argument("--device", default=None, help="override the config's device")
    parser.add_argument("--annotations", type=Path, help="CSV or YAML of start,end,label ranges")
    parser.add_argument(
        "--truth-topic",
        default=None,
        help="std_msgs/String label topic (default: the simulator's /omnibind/ground_truth)",
    )
    parser.add_argument(
        "--remap", action="append", default=[], metavar="/FROM:=/TO", help="rename a bag topic"
    )
    parser.add_argument(
        "--namespace", default="/", help="namespace the node runs in (resolves relative topics)"
    )
    parser.add_argument(
        "--settle", type=float, default=1.0, help="s after a truth change before 'settled'"
    )
    parser.add_argument("--live", action="store_true", help="play the bag over DDS into a node")
    parser.add_argument("--rate", type=float, default=1.0, help="--live: playback rate")
    parser.add_argument(
        "--running-node",
        action="store_true",
        help="--live: score a perception node already running instead of starting one",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--traceback", action="store_true", help="show tracebacks of bugs")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except OmniBindError as err:  # bad bag, config, bundle or annotations: one line
        print(f"omnibind eval: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # a bug: still one line unless asked for the traceback
        if args.traceback:
            raise
        print(
            f"omnibind eval: {args.bag}: failed: {type(err).__name__}: {err} "
            "(--traceback shows where)",
            file=sys.stderr,
        )
        return 1


def _run(args: argparse.Namespace) -> int:
    from omnibind_ros.eval.errors import EvalError
    from omnibind_ros.eval.inputs import open_inputs
    from omnibind_ros.ros.sim_sensors_node import GROUND_TRUTH_TOPIC

    if args.rate <= 0:
        raise EvalError(f"--rate {args.rate}: must be positive")
    inputs = open_inputs(
        args.bag,
        args.config,
        truth_topic=args.truth_topic or GROUND_TRUTH_TOPIC,
        remaps=args.remap,
        annotations=args.annotations,
        truth_topic_given=args.truth_topic is not None,
        namespace=args.namespace,
    )
    command = "omnibind eval " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    if args.live:
        from omnibind_ros.eval.live import evaluate_live

        if len(args.bundle) > 1:
            raise EvalError("--live runs one node: give at most one --bundle")
        path, info = evaluate_live(
            inputs, args.bundle[0] if args.bundle else None, args.report, command=command,
            rate=args.rate, settle_s=args.settle, running_node=args.running_node,
            node_overrides={
                name: value
                for name, value in (("backend", args.backend), ("device", args.device))
                if value
            },
        )  # fmt: skip
    else:
        from omnibind_ros.eval.offline import evaluate_offline

        models = _load_models(inputs, args, args.bundle or [None])
        path, info = evaluate_offline(
            inputs, models, args.report, command=command, settle_s=args.settle,
            progress=not args.no_progress,
        )  # fmt: skip
    for note in info.notes:
        print(f"omnibind eval: {note}", file=sys.stderr)
    print(_headline(path, inputs, info))
    return 0


def _load_models(inputs, args: argparse.Namespace, bundles: list[Path | None]) -> list:
    from omnibind_ros.runtime.loading import load_model

    node = inputs.settings.node
    paths = [b or node.bundle for b in bundles]
    stems = [p.name for p in paths]
    names = [p.name if stems.count(p.name) == 1 else str(p) for p in paths]
    # The node's thread settings: one sample at a time, so more threads only contend.
    options = {
        "cache_dir": node.cache_dir, "fp16": node.fp16, "background": False,
        "onnxruntime_threads": node.onnxruntime_threads, "torch_threads": node.torch_threads,
        "blas_threads": node.blas_threads,
    }  # fmt: skip
    backend, device = args.backend or node.backend, args.device or node.device
    return [
        (name, load_model(path, backend, device, **options))
        for name, path in zip(names, paths, strict=True)
    ]


def _headline(path: Path, inputs, info) -> str:
    import json

    report = json.loads((path.parent / "report.json").read_text())
    parts = []
    for model in report["models"]:
        accuracy = model["metrics"]["accuracy"]
        score = "no truth" if accuracy is None else f"accuracy {100 * accuracy:.1f} %"
        parts.append(f"{model['name']}: {model['metrics']['scenes']} scenes, {score}")
    speed = report["run"]["speed_x_real_time"]
    pace = f", {speed:.1f}x real time" if speed else ""
    return f"wrote {path} ({'; '.join(parts)}{pace})"


def register_sim_record(sim_commands: argparse._SubParsersAction) -> None:
    """`omnibind sim record`: the simulated sensors into a rosbag2 bag (kept here: the sim
    package imports no ROS)."""
    record = sim_commands.add_parser(
        "record",
        help="write the six simulated sensor streams and the ground truth into a rosbag2 bag",
    )
    record.add_argument("out", type=Path, help="new bag directory")
    record.add_argument("--seconds", type=float, default=60.0, help="bag length (default 60)")
    record.add_argument("--storage", choices=("mcap", "sqlite3"), default="mcap")
    record.add_argument("--seed", type=int, default=0, help="world seed (scenes, dropouts)")
    record.add_argument("--scene-duration", type=float, default=4.0, help="s per scene")
    record.add_argument(
        "--all-sensors", action="store_true", help="no dropouts: every sensor all the time"
    )
    record.add_argument("--no-progress", action="store_true", help="no progress bar")
    record.set_defaults(func=_record)


def _record(args: argparse.Namespace) -> int:
    from omnibind_ros.eval.record import record_bag
    from omnibind_ros.sim import HotPlugSchedule

    try:
        recording = record_bag(
            args.out, args.seconds, storage=args.storage, seed=args.seed,
            scene_duration=args.scene_duration,
            schedule=HotPlugSchedule.always() if args.all_sensors else None,
            progress=not args.no_progress,
        )  # fmt: skip
    except OmniBindError as err:
        print(f"omnibind sim record: {err}")
        return 2
    counts = ", ".join(f"{topic} {n}" for topic, n in recording.messages.items())
    print(f"wrote {recording.path} ({recording.seconds:g} s, {args.storage}): {counts}")
    if recording.skipped:
        print(f"{recording.skipped} samples could not be published (as live, they are left out)")
    return 0
