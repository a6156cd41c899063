"""The replay evaluator node: records what a perception node publishes while a bag plays, and
writes the same report as offline evaluation when it stops.

    ros2 run omnibind_ros replay_evaluator --ros-args -p bag:=/data/run1 -p report_dir:=/tmp/r \
        -p use_sim_time:=true

It subscribes to the node's ~/scene and to the ground-truth label topic and stamps what it
receives with its own clock: run it with ``use_sim_time`` while ``ros2 bag play --clock``
plays, and every time in the report is bag time, comparable with the offline report.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node
from std_msgs.msg import String

from omnibind_ros.ros.qos import TRUTH_QOS
from omnibind_ros.ros.sim_sensors_node import GROUND_TRUTH_TOPIC

NODE_NAME = "omnibind_replay_evaluator"


class ReplayEvaluator(Node):
    def __init__(self, **node_kwargs: Any) -> None:
        super().__init__(NODE_NAME, **node_kwargs)

        def param(name: str, default: Any, description: str) -> Any:
            descriptor = ParameterDescriptor(description=description)
            return self.declare_parameter(name, default, descriptor).value

        self.scene_topic = param("scene_topic", "/omnibind/scene", "the node's ~/scene")
        self.truth_topic = param("truth_topic", GROUND_TRUTH_TOPIC, "std_msgs/String labels")
        self.bag = param("bag", "", "the bag being played (for its summary and topic plan)")
        self.report_dir = param("report_dir", "", "where the report goes when the node stops")
        self.configs = param("config", [""], "the perception node's parameter files")
        self.annotations = param("annotations", "", "CSV/YAML truth instead of the topic")
        self.settle = float(param("settle", 1.0, "s after a truth change before 'settled'"))
        self._lock = threading.Lock()
        self._scenes: list[dict[str, Any]] = []
        self._truth: list[tuple[int, str]] = []
        self.create_subscription(String, self.scene_topic, self._on_scene, 100)
        self.create_subscription(String, self.truth_topic, self._on_truth, TRUTH_QOS)

    def _on_scene(self, msg: String) -> None:
        try:
            scene = json.loads(msg.data)
        except ValueError:
            self.get_logger().warning(f"{self.scene_topic}: not scene JSON, skipped")
            return
        scene["published_ns"] = self.get_clock().now().nanoseconds
        with self._lock:
            self._scenes.append(scene)

    def _on_truth(self, msg: String) -> None:
        with self._lock:
            self._truth.append((self.get_clock().now().nanoseconds, msg.data.strip()))

    def recorded(self) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
        """The scenes and truth changes received so far."""
        with self._lock:
            return list(self._scenes), list(self._truth)

    def scene_publishers(self) -> int:
        return self.count_publishers(self.scene_topic)


def write_live_report(
    evaluator: ReplayEvaluator,
    inputs: Any,
    report_dir: Path,
    *,
    command: str,
    wall_s: float,
    name: str,
    notes: Sequence[str] = (),
) -> tuple[Path, Any]:
    """Score what ``evaluator`` recorded against the truth and write the report."""
    from omnibind_ros.eval.inputs import model_outcome, node_rules, truth_of
    from omnibind_ros.eval.report import RunInfo, write_report

    scenes, changes = evaluator.recorded()
    truth = truth_of(inputs, changes)
    all_notes = list(notes)
    if truth is None:
        all_notes.append(f"{inputs.bag.path}: no ground truth received: predictions only")
    all_notes.append(
        "live: hot-plug events are those the scenes show (the fused combination changing); "
        "the node's own log lists its plug/unplug transitions"
    )
    outcome = model_outcome(name, scenes, inputs, truth, evaluator.settle)
    info = RunInfo(
        mode="live",
        command=command,
        wall_s=wall_s,
        cpu_s=None,
        settings_files=[str(f) for f in inputs.settings.files],
        truth_source=truth.source if truth else None,
        settle_s=evaluator.settle,
        rules=node_rules(inputs.settings),
        notes=all_notes,
    )
    path = write_report(report_dir, inputs.bag.summary, inputs.plan, truth, info, [outcome])
    return path, info


def main(args: Sequence[str] | None = None) -> int:
    """`ros2 run omnibind_ros replay_evaluator`: records until stopped, then writes the report."""
    import time

    from omnibind_ros.core.errors import OmniBindError
    from omnibind_ros.eval.inputs import open_inputs
    from omnibind_ros.ros.executors import run_nodes

    evaluators: list[ReplayEvaluator] = []
    started = time.monotonic()

    def build(nodes: list[Node]) -> None:
        evaluators.append(ReplayEvaluator())
        nodes.extend(evaluators)

    code = run_nodes("omnibind replay evaluator", build, args)
    if code or not evaluators:
        return code
    evaluator = evaluators[0]
    try:
        if not evaluator.bag or not evaluator.report_dir:
            raise OmniBindError("set the parameters bag and report_dir")
        inputs = open_inputs(
            Path(evaluator.bag),
            [Path(c) for c in evaluator.configs if c],
            truth_topic=evaluator.truth_topic,
            annotations=Path(evaluator.annotations) if evaluator.annotations else None,
        )
        path, _ = write_live_report(
            evaluator, inputs, Path(evaluator.report_dir),
            command="ros2 launch omnibind_ros replay_eval.launch.py",
            wall_s=time.monotonic() - started, name="perception node",
        )  # fmt: skip
    except OmniBindError as err:
        print(f"omnibind replay evaluator: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
