"""Simulated-world throughput: 1,000 full multi-sensor scenes, the cost of each modality, and
how much faster than real time a stream of all six sensors at natural rates renders.

    .venv/bin/python benchmarks/bench_sim.py [--scenes 1000] [--out benchmarks/results/sim.json]

Prints a table and writes the numbers as JSON. Target: 1,000 scenes in under 60 s on a
2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from omnibind_ros.bench_cli import save_results
from omnibind_ros.sim import SENSOR_MODALITIES, World


def full_scenes(world: World, count: int, first: int) -> tuple[float, float]:
    """Wall and CPU seconds for ``count`` scenes with all six sensors. On a shared machine the
    CPU time is what the rendering itself costs; the wall time adds the waiting."""
    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(first, first + count):
        world.sample(index)
    return time.perf_counter() - wall, time.process_time() - cpu


def per_modality(world: World, count: int, first: int) -> dict[str, float]:
    """Mean milliseconds per scene: the 3-D layout, then each modality alone."""
    spent = dict.fromkeys(("layout", *SENSOR_MODALITIES), 0.0)
    for index in range(first, first + count):
        start = time.perf_counter()
        world.layout(world.scene(index))
        spent["layout"] += time.perf_counter() - start
        for modality in SENSOR_MODALITIES:
            start = time.perf_counter()
            world.sample(index, [modality])  # the layout is cached by now
            spent[modality] += time.perf_counter() - start
    return {name: 1000 * total / count for name, total in spent.items()}


def stream_speed(world: World, seconds: float) -> dict[str, float]:
    start = time.perf_counter()
    samples = sum(1 for _ in world.stream(seconds))
    wall = time.perf_counter() - start
    return {
        "stream_s": seconds,
        "wall_s": wall,
        "samples": samples,
        "real_time_factor": seconds / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=1000)
    parser.add_argument("--per-modality-scenes", type=int, default=200)
    parser.add_argument("--stream-seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/sim.json"))
    args = parser.parse_args()

    world = World(seed=0)
    load_before = os.getloadavg()
    total, cpu = full_scenes(world, args.scenes, first=100_000)
    costs = per_modality(world, args.per_modality_scenes, first=200_000)
    stream = stream_speed(world, args.stream_seconds)
    result = {
        "scenes": args.scenes,
        "full_scenes_s": round(total, 2),
        "full_scenes_cpu_s": round(cpu, 2),
        "ms_per_scene": round(1000 * total / args.scenes, 2),
        "target_s": 60.0,
        "per_modality_ms": {k: round(v, 2) for k, v in costs.items()},
        "stream": {k: round(v, 3) for k, v in stream.items()},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "processor": platform.processor() or platform.machine(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
    }
    print(
        f"{args.scenes} full scenes (all six sensors): {total:.1f} s wall, {cpu:.1f} s CPU "
        f"({result['ms_per_scene']} ms/scene; target < 60 s for 1,000)"
    )
    for name, ms in result["per_modality_ms"].items():
        print(f"  {name:8s} {ms:7.2f} ms/scene")
    print(
        f"stream of all six sensors at natural rates: {stream['real_time_factor']:.2f}x real time"
    )
    print(f"load average before/after: {load_before} / {os.getloadavg()}")
    save_results(args.out, result)


if __name__ == "__main__":
    main()
