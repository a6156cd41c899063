"""How the perception node's cost and latency grow: with the number of sensors (1, 2, 4, 6)
and with input size (camera 320 to 1280 px wide; lidar 10k to 400k points), each over real
DDS with the replayed simulated sensors (see e2e_replay.py), one case at a time.

For each case: label rate, latency p50/p90/p99 from publish to first label, share of samples
never labelled, CPU cores used and CPU per label, peak RSS.

    python benchmarks/bench_scaling.py [--seconds 10] [--output PATH] [--only sensors|sizes]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench_e2e import headline, machine, print_table
from e2e_harness import Listener, Variant, bench_env, load_average, measure, start_replay
from e2e_harness import stop_process as stop

from omnibind_ros.bench_cli import save_results

RESULTS = Path(__file__).resolve().parent / "results" / "scaling.json"
# Node sensor name -> the simulated sensor feeding it.
SIM_NAMES = {"camera": "camera", "thermal": "thermal", "event": "events", "tactile": "tactile",
             "mic": "microphone", "lidar": "lidar"}  # fmt: skip


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    sensors: tuple[str, ...]
    replay_args: tuple[str, ...] = ()


CASES = (
    Case("1 sensor (camera)", "sensors", ("camera",)),
    Case("2 sensors (+ lidar)", "sensors", ("camera", "lidar")),
    Case("4 sensors (+ thermal, mic)", "sensors", ("camera", "thermal", "mic", "lidar")),
    Case("6 sensors", "sensors", tuple(SIM_NAMES)),
    *(
        Case(f"camera {w} px wide", "sizes", ("camera",), ("--image-width", str(w)))
        for w in (320, 640, 1280)
    ),
    *(
        Case(f"lidar {n // 1000}k points", "sizes", ("lidar",), ("--cloud-points", str(n)))
        for n in (10_000, 100_000, 400_000)
    ),
)


def run_case(case: Case, bundle: Path, listener: Listener, env: dict[str, str], seconds: float):
    sims = ",".join(SIM_NAMES[s] for s in case.sensors)
    replay, log = start_replay(env, "--sensors", sims, *case.replay_args)
    try:
        time.sleep(8.0)  # the replay renders its loop first
        names = ",".join(case.sensors)
        variant = Variant(case.name, "product", (f"sensors.names:=[{names}]",))
        return measure(variant, bundle, listener, log, env, seconds, names=list(case.sensors))
    finally:
        stop(replay)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--only", choices=("sensors", "sizes"))
    parser.add_argument("--bundle", type=Path)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    from omnibind_ros.paths import default_bundle_path

    bundle = (args.bundle or default_bundle_path()).resolve()
    env = bench_env()
    load_at_start = load_average()
    measured = {}
    listener = Listener(["/omnibind/scene"])
    try:
        for case in CASES:
            if args.only and case.group != args.only:
                continue
            print(f"{case.name} ...", flush=True)
            measured[case.name] = run_case(case, bundle, listener, env, args.seconds)
    finally:
        listener.close()
    heads = {name: headline([m]) for name, m in measured.items()}
    print_table(heads)
    save_results(args.output, {
        "machine": machine(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": load_average(),
        "bundle": str(bundle),
        "seconds_per_case": args.seconds,
        "headline": heads,
        "cases": {name: asdict(m) for name, m in measured.items()},
    })  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
