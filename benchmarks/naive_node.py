"""The reference of the end-to-end benchmark: the node a user would write in an afternoon.

Keep each topic's latest message; on a 10 Hz timer, convert, preprocess and encode every sensor
again and fuse, all through the public ``predict()`` of the model ``load_model`` gives; publish
the labels with the stamp of each sensor's message. Same bundle, converters and onnxruntime
backend (the lean runtime: no torch in the process) as the product, threads tuned for fairness
(onnxruntime and BLAS at one thread, OMP_NUM_THREADS=1), spun by rclpy's single-threaded
executor (what ``rclpy.spin`` uses).

With ``--receive-only`` the node loads no model and, on the same timer, publishes only each
sensor's stamp: the CPU any node pays to take in these topics at all, the floor under both the
naive node and the product (``--executor events`` measures it on the product's executor).

    OMP_NUM_THREADS=1 python naive_node.py --params config/perception.yaml ... --bundle FILE
        [--receive-only] [--executor single_threaded|events]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import yaml
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from std_msgs.msg import String

from omnibind_ros.pipeline.params import parse_sensor_config
from omnibind_ros.ros.executors import run_nodes
from omnibind_ros.ros.sensor_manager import build_converter
from omnibind_ros.runtime.loading import load_model

RATE_HZ = 10.0


def sensor_settings(params_files: list[Path]) -> dict[str, dict]:
    """`sensors.<name>.*` of the perception node's YAML files, later files winning."""
    merged: dict[str, dict] = {}
    for path in params_files:
        for section in yaml.safe_load(path.read_text()).values():
            sensors = section.get("ros__parameters", {}).get("sensors", {})
            names = sensors.get("names", list(merged))
            for name in names:
                merged.setdefault(name, {}).update(sensors.get(name, {}))
    return merged


class NaiveNode(Node):
    def __init__(self, bundle: Path | None, params_files: list[Path], **node_options) -> None:
        super().__init__("naive" if bundle else "receive_only", **node_options)
        self.model = None  # no bundle: receive only (the module docstring)
        if bundle is not None:
            self.model = load_model(bundle, "onnxruntime", "cpu", onnxruntime_threads=1)
        self.latest: dict[str, tuple] = {}  # sensor -> (message, arrival ns)
        self.converters = {}
        for name, settings in sensor_settings(params_files).items():
            config = parse_sensor_config(name, settings.get)
            self.converters[name] = (config.modality, build_converter(config))
            self.create_subscription(
                build_converter(config).msg_type, config.topic,
                lambda msg, name=name: self.on_message(name, msg), qos_profile_sensor_data,
            )  # fmt: skip
        self.scene_pub = self.create_publisher(String, "~/scene", 10)
        self.create_timer(1.0 / RATE_HZ, self.on_timer)

    def on_message(self, name: str, msg) -> None:
        self.latest[name] = (msg, time.time_ns())

    def on_timer(self) -> None:
        samples, stamps = {}, {}
        for name, (msg, arrived_ns) in list(self.latest.items()):
            modality, converter = self.converters[name]
            if self.model is not None:
                try:
                    samples[modality] = converter.to_sample(msg)
                except Exception as err:
                    self.get_logger().warning(f"{name}: {err}")
                    continue
            stamps[name] = (modality, converter.stamp_ns(msg) or arrived_ns)
        if not stamps:
            return
        if self.model is None:  # receive only: the stamps, no labels
            top_k, modalities = [], sorted({m for m, _ in stamps.values()})
        else:
            prediction = self.model.predict(samples)
            top_k, modalities = prediction.top_k, prediction.modalities
        scene = {
            "labels": [{"label": label, "score": score} for label, score in top_k],
            "modalities": modalities,
            "sensors": {n: {"modality": m, "stamp_ns": s} for n, (m, s) in stamps.items()},
        }
        self.scene_pub.publish(String(data=json.dumps(scene)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--params", type=Path, nargs="+", required=True)
    parser.add_argument("--receive-only", action="store_true", help="no model (docstring)")
    parser.add_argument("--executor", choices=["single_threaded", "events"],
                        default="single_threaded")  # fmt: skip
    args = parser.parse_args()
    bundle = None if args.receive_only else args.bundle
    return run_nodes(
        "naive_node",
        lambda nodes: nodes.append(NaiveNode(bundle, args.params)),
        args=[],
        executor=args.executor,
    )


if __name__ == "__main__":
    raise SystemExit(main())
