"""`omnibind demo`: a live line per second while sensors come and go; Ctrl-C or the set
duration ends it cleanly."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from fixtures_model import trained_bundle_path
from ros_harness import child_env, interrupt_and_wait

from omnibind_ros.ros.demo import format_line

pytestmark = [pytest.mark.ros, pytest.mark.slow]

LINE = re.compile(
    r"^t=\d+s  sensors: (?P<sensors>[\w ]+?)  ->  (?P<labels>.+?)   \(truth: (?P<truth>[\w ?]+)\)$"
)


def demo_command(duration: float) -> list[str]:
    bundle = str(trained_bundle_path())
    return [sys.executable, "-m", "omnibind_ros.cli", "demo", "--duration", str(duration),
            "--bundle", bundle]  # fmt: skip


def test_status_line_names_sensors_labels_and_truth() -> None:
    scene = {
        "sensors": {"mic": {}, "camera": {}},
        "labels": [{"label": "dog", "score": 0.812}, {"label": "fan", "score": 0.1}],
    }
    line = format_line(12.3, scene, "dog")
    assert line == "t=12s  sensors: camera mic  ->  dog 0.81 | fan 0.10   (truth: dog)"
    assert LINE.match(line)
    assert format_line(3, None, "") == "t=3s  sensors: (none active)  ->  no labels   (truth: ?)"


def test_demo_prints_a_line_per_second_as_sensors_change_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        demo_command(120),
        env=child_env(__name__),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while len(lines) < 8 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
        assert interrupt_and_wait(process, timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    stderr = process.stderr.read()
    assert len(lines) == 8, (lines, stderr)
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert len({m["sensors"] for m in parsed}) >= 2, "sensors never came or went"
    assert "never retrieved" not in stderr and "Traceback" not in stderr, stderr
