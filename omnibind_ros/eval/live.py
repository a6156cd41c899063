"""`omnibind eval --live`: play a bag over DDS into a real perception node and score it.

For a machine without the ros2 CLI: an rclpy player publishes every message of the sensor
and truth topics as recorded (the CDR bytes, as ``ros2 bag play`` does) at recorded timing
scaled by ``rate``, and /clock with bag time (as ``ros2 bag play --clock``), into a
perception node with ``use_sim_time``: one started as its own process with the given
parameter files (as ``ros2 launch`` would), or one already running. The
:class:`ReplayEvaluator` scores what that node publishes on ~/scene.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import rclpy
from builtin_interfaces.msg import Time
from rclpy.executors import MultiThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import qos_profile_sensor_data
from rosgraph_msgs.msg import Clock

from omnibind_ros.eval.errors import EvalError
from omnibind_ros.eval.evaluator_node import TRUTH_QOS, ReplayEvaluator, write_live_report
from omnibind_ros.eval.inputs import EvalInputs
from omnibind_ros.eval.report import RunInfo
from omnibind_ros.ros.conversions.optional import message_class
from omnibind_ros.ros.entities import without_publisher_events
from omnibind_ros.ros.executors import shutdown_after_callbacks
from omnibind_ros.ros.middleware import use_large_message_profile
from omnibind_ros.ros.node_process import NodeProcess

CLOCK_PERIOD_S = 0.01  # /clock between messages (ros2 bag play --clock defaults to 40 Hz)
DISCOVERY_TIMEOUT_S = 15.0
TAIL_S = 1.5  # bag seconds of /clock after the last message: the node's last scenes go out
NODE_START_TIMEOUT_S = 180.0  # loading the model and the first encodes, on a busy machine


def evaluate_live(
    inputs: EvalInputs,
    bundle: Path | None,
    report_dir: Path,
    *,
    command: str,
    rate: float = 1.0,
    settle_s: float = 1.0,
    domain_id: int | None = None,
    running_node: bool = False,
    node_overrides: Mapping[str, str] | None = None,
) -> tuple[Path, RunInfo]:
    """Play the bag into a node started with ``bundle`` (None: the parameter files' bundle) and
    ``node_overrides`` (parameter -> value, as ``-p name:=value``), in the inputs' namespace; or
    into a node already running there (``running_node``)."""
    use_large_message_profile()
    args = ["--ros-args", *(a for f in inputs.settings.files for a in ("--params-file", str(f)))]
    started = time.monotonic()
    notes = [f"played at {rate:g}x recorded speed"]
    overrides = {
        "use_sim_time": "true",
        **({"model.bundle": str(bundle)} if bundle else {}),
        **(node_overrides or {}),
    }
    with _perception_node(inputs, overrides, domain_id, running_node, notes):
        context = rclpy.Context()
        rclpy.init(args=args, context=context, domain_id=domain_id)
        executor = MultiThreadedExecutor(num_threads=2, context=context)
        nodes: list[Node] = []
        try:
            evaluator = ReplayEvaluator(
                context=context,
                parameter_overrides=[
                    Parameter("use_sim_time", value=True),
                    Parameter("settle", value=settle_s),
                    Parameter("scene_topic", value=_scene_topic(inputs.namespace)),
                ],
            )
            player = BagPlayer(inputs, context)
            nodes += [evaluator, player]
            for node in nodes:
                executor.add_node(node)
            spin = _SpinThread(executor)
            player.wait_for_subscribers(evaluator)
            player.play(rate)
            time.sleep(0.5)  # the last scenes in flight
            spin.stop()
        finally:
            shutdown_after_callbacks(executor)
            for node in nodes:
                node.destroy_node()
            rclpy.try_shutdown(context=context)
    name = "running node" if running_node else (bundle or inputs.settings.node.bundle).name
    return write_live_report(
        evaluator, inputs, report_dir, command=command, wall_s=time.monotonic() - started,
        name=name, notes=notes,
    )  # fmt: skip


def _scene_topic(namespace: str) -> str:
    namespace = namespace.strip("/")
    return f"/{namespace}/omnibind/scene" if namespace else "/omnibind/scene"


@contextlib.contextmanager
def _perception_node(
    inputs: EvalInputs,
    overrides: Mapping[str, str],
    domain_id: int | None,
    running_node: bool,
    notes: list[str],
) -> Iterator[None]:
    """The node to play into, for the duration of the block: none to start for a running one;
    otherwise a process of its own on sim time. A node that exits unasked shows in ``notes``."""
    if running_node:
        yield
        return
    env = dict(os.environ, **({"ROS_DOMAIN_ID": str(domain_id)} if domain_id is not None else {}))
    node = NodeProcess(inputs.settings.files, overrides, namespace=inputs.namespace, env=env)
    node.start()
    try:
        if not node.wait_ready(NODE_START_TIMEOUT_S):
            running = node.poll() is None
            raise EvalError(
                "the perception node "
                + (f"was not ready within {NODE_START_TIMEOUT_S:g} s" if running else "exited")
                + f": {node.last_log_line()} (its log: {node.log_path})"
            )
        yield
    finally:
        exit_code = node.stop()
    if exit_code != 0:
        notes.append(f"the perception node exited with {exit_code}; its log: {node.log_path}")
    else:
        node.log_path.unlink(missing_ok=True)


class BagPlayer(Node):
    """Publishes the bag's sensor and truth topics at recorded timing, and /clock."""

    def __init__(self, inputs: EvalInputs, context: Any) -> None:
        super().__init__("omnibind_bag_player", context=context)
        self._bag = inputs.bag
        self._clock_pub = self.create_publisher(Clock, "/clock", 10)
        self._pubs = {}
        for use in inputs.plan.uses:
            if use.role not in ("sensor", "truth"):
                continue
            qos = TRUTH_QOS if use.role == "truth" else qos_profile_sensor_data
            self._pubs[use.topic] = self.create_publisher(
                message_class(use.msg_type), use.mapped, qos,
                event_callbacks=without_publisher_events(),
            )  # fmt: skip
        self._sensor_topics = set(inputs.plan.sensor_topics)
        self._last_clock_ns = 0

    def wait_for_subscribers(self, evaluator: ReplayEvaluator) -> None:
        """Until the node subscribes to every sensor topic and ~/scene reaches the evaluator."""
        deadline = time.monotonic() + DISCOVERY_TIMEOUT_S
        while time.monotonic() < deadline:
            ready = all(self._pubs[t].get_subscription_count() for t in self._sensor_topics)
            if ready and evaluator.scene_publishers():
                return
            time.sleep(0.05)
        raise EvalError(
            f"{self._bag.path}: no perception node subscribed to the bag's sensor topics "
            f"within {DISCOVERY_TIMEOUT_S:g} s"
        )

    def play(self, rate: float) -> None:
        start = self._bag.summary.start_ns
        wall0 = time.monotonic()

        def bag_now() -> int:
            return start + round((time.monotonic() - wall0) * rate * 1e9)

        for message in self._bag.messages(set(self._pubs)):
            self._clock_until(message.log_time_ns, bag_now)
            self._publish_clock(message.log_time_ns)
            self._pubs[message.topic].publish(message.data)
        end = self._bag.summary.end_ns + round(TAIL_S * 1e9)
        self._clock_until(end, bag_now)

    def _clock_until(self, t_ns: int, bag_now: Any) -> None:
        """/clock every CLOCK_PERIOD_S of wall time until bag time reaches ``t_ns``."""
        while (now := bag_now()) < t_ns:
            self._publish_clock(now)
            time.sleep(min(CLOCK_PERIOD_S, (t_ns - now) / 1e9))

    def _publish_clock(self, t_ns: int) -> None:
        if t_ns <= self._last_clock_ns:
            return  # behind schedule: bag time never runs backwards
        self._last_clock_ns = t_ns
        sec, nanosec = divmod(t_ns, 1_000_000_000)
        self._clock_pub.publish(Clock(clock=Time(sec=sec, nanosec=nanosec)))


class _SpinThread:
    """Spins ``executor`` in a thread until stopped (the player publishes from this one)."""

    def __init__(self, executor: MultiThreadedExecutor) -> None:
        self._executor = executor
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._executor.spin_once(timeout_sec=0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)
