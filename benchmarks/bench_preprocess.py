"""Preprocessing cost per modality at typical sensor sizes, on one CPU core.

    python benchmarks/bench_preprocess.py [--repeats 200]

Prints median and p90 milliseconds per call, then point-cloud sampling costs (random vs
farthest-point, 1k/10k/100k points) that chose the lidar default.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from omnibind_ros.core.preprocess import preprocess
from omnibind_ros.core.samples import AudioSample, EventSample, make_events


def typical_samples(seed: int = 0) -> dict[str, Any]:
    """640x480 image, 320x240 tactile, 160x120 thermal, 20k events on a 346x260 sensor,
    1 s of 48 kHz audio, 20k lidar points with some NaN rows."""
    rng = np.random.default_rng(seed)
    count = 20_000
    events = make_events(
        rng.integers(0, 346, count),
        rng.integers(0, 260, count),
        np.sort(rng.integers(0, 50_000_000, count)),
        rng.choice([-1, 1], count),
    )
    cloud = rng.normal(0.0, 10.0, (count, 4)).astype(np.float32)
    cloud[::50] = np.nan
    return {
        "image": rng.integers(0, 256, (480, 640, 3), dtype=np.uint8),
        "tactile": rng.integers(0, 256, (240, 320, 3), dtype=np.uint8),
        "thermal": rng.normal(25.0, 10.0, (120, 160)).astype(np.float32),
        "event": EventSample(events, 346, 260),
        "audio": AudioSample(rng.uniform(-0.5, 0.5, 48_000).astype(np.float32), 48_000),
        "lidar": cloud,
    }


def timings_ms(call: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and p90 wall time of ``call`` in milliseconds, after one warm-up call."""
    call()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    median, p90 = np.percentile(seconds, [50, 90]) * 1e3
    return float(median), float(p90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    # One thread for numpy's BLAS (the resize and mel matmuls). Imported here: the benchmarks
    # that borrow timings_ms need not have threadpoolctl (scikit-learn's dependency).
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)

    print(f"{'modality':<10}{'median ms':>12}{'p90 ms':>10}")
    for modality, raw in typical_samples().items():
        median, p90 = timings_ms(lambda m=modality, r=raw: preprocess(m, r), args.repeats)
        print(f"{modality:<10}{median:>12.2f}{p90:>10.2f}")

    print(f"\n{'lidar points':<14}{'sampling':<10}{'voxel':>7}{'median ms':>12}{'p90 ms':>10}")
    rng = np.random.default_rng(1)
    for count in (1_000, 10_000, 100_000):
        cloud = rng.normal(0.0, 10.0, (count, 3)).astype(np.float32)
        for sampling in ("random", "fps"):
            for voxel in (0.0, 0.05):
                params = {"sampling": sampling, "voxel_size": voxel}
                repeats = max(3, args.repeats // (20 if sampling == "fps" else 4))
                median, p90 = timings_ms(
                    lambda c=cloud, p=params: preprocess("lidar", c, p), repeats
                )
                print(f"{count:<14}{sampling:<10}{voxel:>7}{median:>12.2f}{p90:>10.2f}")


if __name__ == "__main__":
    main()
