"""replay_eval.launch.py, checked without `launch` (not installable here): it plays the bag with
/clock into the perception node and the evaluator on sim time, with parameters they declare."""

from __future__ import annotations

import ast
import importlib.util
import shutil
from pathlib import Path

import pytest
import rclpy

from omnibind_ros.eval.evaluator_node import ReplayEvaluator

ROOT = Path(__file__).resolve().parent.parent
LAUNCH = ROOT / "launch" / "replay_eval.launch.py"
TREE = ast.parse(LAUNCH.read_text())


def node_calls() -> dict[str, ast.Call]:
    """Node(...) calls of the launch file by executable name."""
    calls = {}
    for node in ast.walk(TREE):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Node":
            keywords = {k.arg: k.value for k in node.keywords}
            calls[keywords["executable"].value] = node
    return calls


def test_the_evaluator_is_an_installed_executable() -> None:
    assert (
        '"replay_evaluator = omnibind_ros.eval.evaluator_node:main"'
        in (ROOT / "setup.py").read_text()
    )
    assert set(node_calls()) == {"replay_evaluator"}


def test_the_node_comes_from_perception_launch_and_both_run_on_the_bags_clock() -> None:
    strings = {n.value for n in ast.walk(TREE) if isinstance(n, ast.Constant)}
    assert {"ros2", "bag", "play", "--clock", "--rate", "perception.launch.py"} <= strings
    source = LAUNCH.read_text()
    assert '"use_sim_time": "true"' in source  # to perception.launch.py
    assert "'use_sim_time': True" in ast.unparse(node_calls()["replay_evaluator"])
    # What it passes through, perception.launch.py declares.
    included = ast.parse((ROOT / "launch" / "perception.launch.py").read_text())
    calls = [n for n in ast.walk(included) if isinstance(n, ast.Call)]
    declared = {
        n.args[0].value
        for n in calls
        if getattr(n.func, "id", "") in ("DeclareLaunchArgument", "choice_argument")
    }
    # launch_support's builders of the two arguments every node launch file takes.
    builders = {"use_sim_time_argument": "use_sim_time", "log_level_argument": "log_level"}
    declared |= {builders[n.func.id] for n in calls if getattr(n.func, "id", "") in builders}
    module = {n.targets[0].id: n.value for n in TREE.body if isinstance(n, ast.Assign)}
    passed = {e.value for e in module["NODE_ARGUMENTS"].elts}
    assert passed | {"use_sim_time"} <= declared


def test_the_evaluator_gets_only_parameters_it_declares() -> None:
    call = node_calls()["replay_evaluator"]
    (parameters,) = [k.value for k in call.keywords if k.arg == "parameters"]
    (given,) = parameters.elts
    names = {key.value for key in given.keys}
    context = rclpy.Context()
    rclpy.init(context=context)
    try:
        evaluator = ReplayEvaluator(context=context)
        undeclared = [n for n in names if not evaluator.has_parameter(n)]
        evaluator.destroy_node()
    finally:
        rclpy.shutdown(context=context)
    assert undeclared == []


@pytest.mark.skipif(
    importlib.util.find_spec("launch_ros") is None or shutil.which("ros2") is None,
    reason="launch, launch_ros and the ros2 CLI (ros2 bag play) are not installable from PyPI; "
    "`omnibind eval --live` is the venv's live replay and is tested in test_eval_live.py",
)
def test_replay_eval_launch_writes_a_report(tmp_path) -> None:
    import subprocess

    from eval_fixtures import record

    bag = record(tmp_path / "bag")
    subprocess.run(
        ["ros2", "launch", "omnibind_ros", "replay_eval.launch.py", f"bag:={bag}",
         f"report_dir:={tmp_path / 'report'}"],
        check=True, timeout=120,
    )  # fmt: skip
    assert (tmp_path / "report" / "report.md").is_file()
