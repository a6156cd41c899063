"""`omnibind eval --live`: play a bag over DDS into a real perception node and score it.

For a machine without the ros2 CLI: three processes, as on a robot. The player
(``player.py``, in place of ``ros2 bag play --clock``) publishes the sensor and truth topics
at recorded timing scaled by ``rate``, with /clock; the perception node runs on
``use_sim_time``, started as its own process with the given parameter files (as
``ros2 launch`` would) or already running; this process's :class:`ReplayEvaluator` scores
what the node publishes on ~/scene.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import rclpy
from rclpy.executors import Executor, SingleThreadedExecutor
from rclpy.parameter import Parameter

from omnibind_ros.eval.errors import EvalError
from omnibind_ros.eval.evaluator_node import ReplayEvaluator, write_live_report
from omnibind_ros.eval.inputs import EvalInputs
from omnibind_ros.eval.player import PlayedTopic, PlayerProcess, PlayRequest
from omnibind_ros.eval.report import RunInfo
from omnibind_ros.ros.executors import shutdown_after_callbacks
from omnibind_ros.ros.middleware import use_large_message_profile
from omnibind_ros.ros.node_process import NodeProcess

DISCOVERY_TIMEOUT_S = 15.0
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
        try:
            evaluator = ReplayEvaluator(
                context=context,
                parameter_overrides=[
                    Parameter("use_sim_time", value=True),
                    Parameter("settle", value=settle_s),
                    Parameter("scene_topic", value=_scene_topic(inputs.namespace)),
                ],
            )
            try:
                _listen_while_playing(evaluator, inputs, rate, domain_id)
            finally:
                evaluator.destroy_node()
        finally:
            rclpy.try_shutdown(context=context)
    name = "running node" if running_node else (bundle or inputs.settings.node.bundle).name
    return write_live_report(
        evaluator, inputs, report_dir, command=command, wall_s=time.monotonic() - started,
        name=name, notes=notes,
    )  # fmt: skip


def _listen_while_playing(
    evaluator: ReplayEvaluator, inputs: EvalInputs, rate: float, domain_id: int | None
) -> None:
    executor = SingleThreadedExecutor(context=evaluator.context)  # it only stores what it hears
    executor.add_node(evaluator)
    try:
        with _spinning(executor):
            _wait_for_scene_publisher(evaluator, inputs.namespace)
            PlayerProcess(_play_request(inputs, rate, domain_id)).run(inputs.bag.summary.duration_s)
            time.sleep(0.5)  # the last scenes in flight
    finally:
        shutdown_after_callbacks(executor)


def _wait_for_scene_publisher(evaluator: ReplayEvaluator, namespace: str) -> None:
    deadline = time.monotonic() + DISCOVERY_TIMEOUT_S
    while not evaluator.scene_publishers():
        if time.monotonic() > deadline:
            raise EvalError(
                f"no perception node publishes {_scene_topic(namespace)} "
                f"within {DISCOVERY_TIMEOUT_S:g} s"
            )
        time.sleep(0.05)


def _play_request(inputs: EvalInputs, rate: float, domain_id: int | None) -> PlayRequest:
    topics = tuple(
        PlayedTopic(u.topic, u.mapped, u.msg_type, truth=u.role == "truth")
        for u in inputs.plan.uses
        if u.role in ("sensor", "truth")
    )
    return PlayRequest(inputs.bag.path, topics, rate, domain_id, DISCOVERY_TIMEOUT_S)


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


@contextlib.contextmanager
def _spinning(executor: Executor) -> Iterator[None]:
    """``executor`` spun in a thread for the duration of the block."""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            executor.spin_once(timeout_sec=0.05)

    thread = threading.Thread(target=spin, name="omnibind-evaluator", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5.0)
