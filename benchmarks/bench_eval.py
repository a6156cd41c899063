"""Offline bag evaluation speed: a simulated six-sensor bag replayed through the node's pipeline,
as a multiple of real time, next to what bounds it.

    .venv/bin/python benchmarks/bench_eval.py [--bag BAG | --seconds 60] [--backend auto]

Without --bag a bag of the simulated world (sensors dropping out and returning) is recorded
first, and timed too. References: live replay runs at 1x by definition (``ros2 bag play``,
``omnibind eval --live``); the floor is reading and deserializing the bag alone plus the model
work the node must do on it (encode and fuse, measured inside the replay). CPU time is given
beside wall time: this machine is shared, and CPU time is what the replay itself costs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch
from rclpy.serialization import deserialize_message

from omnibind_ros.bench_cli import save_results
from omnibind_ros.eval.inputs import open_inputs
from omnibind_ros.eval.record import record_bag
from omnibind_ros.eval.replay import Replay
from omnibind_ros.ros.optional import message_class
from omnibind_ros.runtime.loading import load_model

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = [ROOT / "config" / "perception.yaml", ROOT / "config" / "demo.yaml"]


def timed(work) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def read_only(inputs) -> int:
    """Every used message read and deserialized, nothing else: the reading floor."""
    classes = {u.topic: message_class(u.msg_type) for u in inputs.plan.uses if u.role != "ignored"}
    count = 0
    for message in inputs.bag.messages(set(classes)):
        deserialize_message(message.data, classes[message.topic])
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bag", type=Path, help="bag to replay (default: record one)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of a recorded bag")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/eval.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    load_before = os.getloadavg()
    report: dict = {"machine": {"cpus": os.cpu_count(), "load_average_before": load_before}}
    with tempfile.TemporaryDirectory() as tmp:
        bag = args.bag
        if bag is None:
            bag = Path(tmp) / "sim"
            _, wall, cpu = timed(lambda: record_bag(bag, args.seconds, progress=False))
            report["record"] = {"bag_s": args.seconds, "wall_s": wall, "cpu_s": cpu}
        inputs = open_inputs(bag, CONFIGS)
        bag_s = inputs.bag.summary.duration_s
        node = inputs.settings.node
        model = load_model(
            node.bundle, args.backend, "cpu", background=False,
            onnxruntime_threads=node.onnxruntime_threads, blas_threads=node.blas_threads,
        )  # fmt: skip
        replay = Replay(inputs.bag, inputs.settings, inputs.plan, [("default", model)])
        result, wall, cpu = timed(replay.run)
        messages, read_wall, read_cpu = timed(lambda: read_only(inputs))
    scenes = result.models[0].scenes
    model_s = sum(s["compute_ms"] for s in scenes) / 1e3
    model_cpu_s = result.models[0].work_cpu_s
    report |= {
        "bag": {"path": str(bag), "seconds": bag_s, "messages": messages},
        "backend": args.backend,
        "replay": {
            "wall_s": wall,
            "cpu_s": cpu,
            "x_real_time_wall": bag_s / wall,
            "x_real_time_cpu": bag_s / cpu,
            "scenes": len(scenes),
        },
        "floor": {
            "read_and_deserialize_wall_s": read_wall,
            "read_and_deserialize_cpu_s": read_cpu,
            "model_work_wall_s": model_s,
            "model_work_cpu_s": model_cpu_s,
            "x_real_time_if_only_these_wall": bag_s / (read_wall + model_s),
            "x_real_time_if_only_these_cpu": bag_s / (read_cpu + model_cpu_s),
        },
        "reference": {"live_replay_x_real_time": 1.0},
    }
    report["machine"]["load_average_after"] = os.getloadavg()
    print(f"bag: {bag_s:.1f} s, {messages} messages used; backend {args.backend}")
    if "record" in report:
        made = report["record"]
        print(f"record: {made['wall_s']:.1f} s wall, {made['cpu_s']:.1f} s CPU")
    print(f"replay: {wall:.1f} s wall ({bag_s / wall:.1f}x real time), {cpu:.1f} s CPU "
          f"({bag_s / cpu:.1f}x), {len(scenes)} scenes")  # fmt: skip
    floor = report["floor"]
    wall_x, cpu_x = floor["x_real_time_if_only_these_wall"], floor["x_real_time_if_only_these_cpu"]
    print(f"floor: reading {read_wall:.1f} s + model work {model_s:.1f} s wall -> {wall_x:.1f}x; "
          f"CPU {read_cpu:.1f} s + {model_cpu_s:.1f} s -> {cpu_x:.1f}x")  # fmt: skip
    print(f"load average before {load_before}, after {report['machine']['load_average_after']}")
    save_results(args.out, report)


if __name__ == "__main__":
    main()
