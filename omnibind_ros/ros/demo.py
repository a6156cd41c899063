"""`omnibind demo`: simulated sensors and the perception node in one process, printing a live
line per second while sensors are plugged in and out on a schedule:

    t=12s  sensors: camera mic lidar  ->  dog 0.81 | person 0.09 | fan 0.04   (truth: dog)

No `ros2 launch` needed: both nodes share one multi-threaded executor. Exits after --duration
seconds or on Ctrl-C, destroying the nodes and shutting rclpy down.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile
from std_msgs.msg import String

from omnibind_ros.paths import config_file
from omnibind_ros.ros.executors import run_nodes
from omnibind_ros.ros.perception_node import PerceptionNode
from omnibind_ros.ros.sim_sensors_node import GROUND_TRUTH_TOPIC, SimSensorsNode

# The demo renders the simulated world in the perception node's process: both share one
# interpreter lock, and scenes fused on every arrival (up to ~100/s) would leave the renderer
# too little of it to keep real time on a small CPU.
SHARED_PROCESS_MAX_SCENE_HZ = 20.0


def format_line(elapsed_s: float, scene: dict[str, Any] | None, truth: str, top: int = 3) -> str:
    """One readable status line: active sensors, top labels with scores, the truth."""
    if scene is None:
        status = "sensors: (none active)  ->  no labels"
    else:
        sensors = " ".join(sorted(scene["sensors"]))
        labels = " | ".join(f"{x['label']} {x['score']:.2f}" for x in scene["labels"][:top])
        status = f"sensors: {sensors}  ->  {labels}"
    return f"t={elapsed_s:.0f}s  {status}   (truth: {truth or '?'})"


class DemoMonitor(Node):
    """Prints one line per second from the newest ~/scene and the ground truth."""

    def __init__(self, out: TextIO, scene_topic: str, **node_kwargs: Any) -> None:
        super().__init__("omnibind_demo_monitor", **node_kwargs)
        self._out = out
        self._started = time.monotonic()
        self._scene: dict[str, Any] | None = None
        self._scene_at = 0.0
        self._truth = ""
        self.lines = 0
        latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.create_subscription(String, scene_topic, self._on_scene, 10)
        self.create_subscription(String, GROUND_TRUTH_TOPIC, self._on_truth, latched)
        self.create_timer(1.0, self._print_line)

    def _on_scene(self, msg: String) -> None:
        self._scene, self._scene_at = json.loads(msg.data), time.monotonic()

    def _on_truth(self, msg: String) -> None:
        self._truth = msg.data

    def _print_line(self) -> None:
        now = time.monotonic()
        fresh = self._scene if now - self._scene_at < 1.0 else None  # none active: say so
        print(format_line(now - self._started, fresh, self._truth), file=self._out, flush=True)
        self.lines += 1


def run_demo(
    duration_s: float,
    bundle: Path,
    seed: int,
    out: TextIO = sys.stdout,
    verbose: bool = False,
) -> int:
    """Run the demo; 1 (with the reason) when the model or config cannot be loaded."""
    # Simulated sensors publish on real sensor topic names: keep them off a robot's network
    # unless the user chose a discovery range.
    os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    args = ["--ros-args"]
    for name in ("perception.yaml", "demo.yaml"):
        args += ["--params-file", str(config_file(name))]
    if not verbose:
        args += ["--log-level", "warn"]  # the per-second lines tell the story

    def build(nodes: list[Node]) -> None:
        perception = PerceptionNode(
            parameter_overrides=[
                Parameter("model.bundle", value=str(bundle)),
                Parameter("fusion.max_rate_hz", value=SHARED_PROCESS_MAX_SCENE_HZ),
            ]
        )
        nodes.append(perception)
        nodes.append(SimSensorsNode(parameter_overrides=[Parameter("seed", value=seed)]))
        nodes.append(DemoMonitor(out, f"{perception.get_fully_qualified_name()}/scene"))

    return run_nodes("omnibind demo", build, args, duration_s=duration_s)
