"""A 2-minute soak (benchmarks/bench_soak.py): sensors unplugged and plugged in at random, 5 %
of the messages malformed; every invariant the soak checks must hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ros_harness import child_env

pytestmark = [pytest.mark.ros, pytest.mark.slow]

SOAK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_soak.py"


def test_two_minute_soak_with_churn_and_malformed_messages_breaks_no_invariant(tmp_path) -> None:
    output = tmp_path / "soak.json"
    result = subprocess.run(
        [sys.executable, str(SOAK), "--minutes", "2", "--warm-up", "30", "--output", str(output)],
        env=child_env(__name__),
        capture_output=True,
        text=True,
        timeout=480,
        cwd=SOAK.parent,
    )
    assert output.is_file(), result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(output.read_text())
    assert report["invariants"] == dict.fromkeys(report["invariants"], True), (
        json.dumps(report, indent=1)[:6000] + result.stderr[-2000:]
    )
    assert result.returncode == 0
    assert sum(report["plugs_per_sensor"].values()) > 6  # sensors really came and went
    assert sum(c["bad_sent"] for c in report["messages"].values()) > 50
