"""Short simulated bags for the evaluation tests, recorded once per test module."""

from __future__ import annotations

import math
from pathlib import Path

from omnibind_ros.eval.record import record_bag
from omnibind_ros.sim import DEFAULT_SENSORS, HotPlugSchedule

START_NS = 1_700_000_000_000_000_000
SEED = 1  # held out: training renders seed 0
SCENE_S = 2.0
SECONDS = 4.0
LIDAR_LEAVES_S = 1.5  # the dropout every test bag has
ROOT = Path(__file__).resolve().parent.parent
SIM_CONFIGS = [ROOT / "config" / "perception.yaml", ROOT / "config" / "demo.yaml"]


def dropout_schedule() -> HotPlugSchedule:
    """Every sensor all along, except the lidar, which leaves at LIDAR_LEAVES_S."""
    windows = {s.name: ((0.0, math.inf),) for s in DEFAULT_SENSORS}
    windows["lidar"] = ((0.0, LIDAR_LEAVES_S),)
    return HotPlugSchedule(DEFAULT_SENSORS, windows)


def record(out: Path, storage: str = "mcap", seconds: float = SECONDS) -> Path:
    record_bag(
        out, seconds, storage=storage, seed=SEED, scene_duration=SCENE_S,
        schedule=dropout_schedule(), start_ns=START_NS, progress=False,
    )  # fmt: skip
    return out
