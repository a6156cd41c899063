"""`perception_node` as a process: a bad bundle or config fails at start with what to fix (exit
1, no hang); a good one runs until Ctrl-C and then exits cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures_model import untrained_model
from ros_harness import child_env, interrupt_and_wait

from omnibind_ros.core.bundle import save_bundle
from omnibind_ros.runtime.tensorrt_runner import tensorrt_unavailable_reason

pytestmark = pytest.mark.ros

ENV = child_env(__name__)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_bundle(untrained_model(), tmp_path_factory.mktemp("bundle") / "m.omnibind")


def node_command(*params: str) -> list[str]:
    args = [arg for param in params for arg in ("-p", param)]
    return [sys.executable, "-m", "omnibind_ros.ros.perception_node", "--ros-args", *args]


def run_node(*params: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        node_command(*params), env=ENV, capture_output=True, text=True, timeout=120
    )


def test_missing_bundle_fails_at_start_saying_which_parameter_to_set() -> None:
    result = run_node("model.bundle:=/nowhere/model.omnibind")
    assert result.returncode == 1
    assert "/nowhere/model.omnibind not found: set model.bundle" in result.stderr


def test_unknown_backend_fails_at_start_naming_the_known_ones(bundle: Path) -> None:
    result = run_node(f"model.bundle:={bundle}", "backend:=fastest")
    assert result.returncode == 1
    assert "backend 'fastest' is unknown; use one of auto, torch, onnxruntime" in result.stderr


@pytest.mark.skipif(tensorrt_unavailable_reason() is None, reason="TensorRT can run here")
def test_tensorrt_where_it_cannot_run_fails_at_start_saying_why(bundle: Path) -> None:
    result = run_node(f"model.bundle:={bundle}", "backend:=tensorrt")
    assert result.returncode == 1
    assert f"backend tensorrt: {tensorrt_unavailable_reason()}" in result.stderr


def test_bad_sensor_config_fails_at_start_naming_the_parameter(bundle: Path) -> None:
    result = run_node(
        f"model.bundle:={bundle}",
        "sensors.names:=[cam]",
        "sensors.cam.modality:=radar",
        "sensors.cam.topic:=/cam",
    )
    assert result.returncode == 1
    assert "sensors.cam.modality: modality 'radar' unknown" in result.stderr


def test_running_node_exits_cleanly_on_ctrl_c(bundle: Path) -> None:
    process = subprocess.Popen(
        node_command(
            f"model.bundle:={bundle}",
            "sensors.names:=[cam]",
            "sensors.cam.modality:=image",
            "sensors.cam.topic:=/cam",
        ),
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "ready:" in line or not line:
                break
        assert any("ready:" in line for line in lines), "".join(lines)
        assert interrupt_and_wait(process, timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()


def problem_lines(result: subprocess.CompletedProcess) -> list[str]:
    """stderr without the node's own log lines ([INFO] ...)."""
    return [line for line in result.stderr.splitlines() if not line.startswith("[")]


def run_with_params_file(path: Path, *params: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*node_command(*params), "--params-file", str(path)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_params(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text("omnibind:\n  ros__parameters:\n" + body)
    return path


def test_a_float_for_an_integer_parameter_fails_in_one_line(bundle: Path) -> None:
    result = run_node(
        f"model.bundle:={bundle}",
        "sensors.names:=[mic]",
        "sensors.mic.modality:=audio",
        "sensors.mic.topic:=/mic",
        "sensors.mic.sample_rate:=16000.0",
    )
    assert result.returncode == 1
    assert problem_lines(result) == [
        "omnibind perception node cannot start: parameter sensors.mic.sample_rate must be an "
        "integer (e.g. 16000, not 16000.0), got '16000.0' (double)"
    ]


def test_sensor_names_given_as_one_string_fail_in_one_line(tmp_path: Path) -> None:
    result = run_with_params_file(write_params(tmp_path, "    sensors:\n      names: camera\n"))
    assert result.returncode == 1
    assert problem_lines(result) == [
        "omnibind perception node cannot start: parameter sensors.names must be a list of "
        "strings (e.g. [camera], not camera), got 'camera' (string)"
    ]


def test_a_params_file_with_a_yaml_error_fails_in_one_line_naming_the_line(tmp_path) -> None:
    path = write_params(tmp_path, "    top_k: [1\n")
    result = run_with_params_file(path)
    assert result.returncode == 1
    lines = problem_lines(result)
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"omnibind perception node cannot start: params file {path} is ")
    assert "not valid YAML at line 4" in lines[0]


def test_a_missing_params_file_fails_in_one_line(tmp_path: Path) -> None:
    result = run_with_params_file(tmp_path / "absent.yaml")
    assert result.returncode == 1
    assert problem_lines(result) == [
        f"omnibind perception node cannot start: params file {tmp_path / 'absent.yaml'}: "
        "No such file or directory"
    ]


def test_a_node_started_with_sigint_ignored_still_stops_on_sigint(bundle: Path) -> None:
    # A shell starts a background job (`node &`) with SIGINT ignored; Python keeps it so.
    process = subprocess.Popen(
        node_command(f"model.bundle:={bundle}"),
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if "ready:" in line or not line:
                break
        assert "ready:" in line
        assert interrupt_and_wait(process, timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
