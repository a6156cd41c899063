"""Time message conversions both ways for the sizes a robot publishes.

Reads go through the converter the perception node uses (``to_sample``); writes through the
writers the simulated sensors use. Prints a table and writes benchmarks/results/conversions.json.

    python benchmarks/bench_conversions.py [--repeats N] [--output PATH]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from omnibind_ros.bench_cli import save_results
from omnibind_ros.core.samples import EventSample, make_events
from omnibind_ros.ros.conversions import (
    audio_to_msg,
    converter_for,
    events_to_msg,
    image_to_msg,
    points_to_msg,
    thermal_to_msg,
)

RESULTS = Path(__file__).resolve().parent / "results" / "conversions.json"
STAMP_NS = 1_700_000_000_000_000_000


def _cases() -> list[tuple[str, str, str, dict[str, Any], Callable[[], Any]]]:
    """(name, modality, message type, converter options, writer) for every benchmarked input."""
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(480, 640, 3), dtype=np.uint8)
    celsius = rng.uniform(15.0, 40.0, size=(120, 160)).astype(np.float32)
    ouster = rng.uniform(-80.0, 80.0, size=(128, 782, 4)).astype(np.float32)  # ~100k points
    events = EventSample(
        make_events(
            x=rng.integers(0, 640, 20_000),
            y=rng.integers(0, 480, 20_000),
            t=STAMP_NS + np.sort(rng.integers(0, 50_000_000, 20_000)),
            p=rng.choice(np.array([-1, 1], np.int8), 20_000),
        ),
        640,
        480,
    )
    audio = (0.3 * np.sin(np.arange(1600) * 0.1)).astype(np.float32)  # 100 ms at 16 kHz
    image, cloud = "sensor_msgs/msg/Image", "sensor_msgs/msg/PointCloud2"
    return [
        ("image 640x480 rgb8", "image", image, {}, lambda: image_to_msg(rgb, "rgb8", STAMP_NS)),
        ("image 640x480 bgr8", "image", image, {}, lambda: image_to_msg(rgb, "bgr8", STAMP_NS)),
        (
            "thermal 160x120 mono16",
            "thermal",
            image,
            {},
            lambda: thermal_to_msg(celsius, "mono16", stamp_ns=STAMP_NS),
        ),
        (
            f"lidar ouster {ouster.shape[0] * ouster.shape[1]} points",
            "lidar",
            cloud,
            {},
            lambda: points_to_msg(ouster, "ouster", STAMP_NS),
        ),
        (
            "events 20k PointCloud2",
            "event",
            cloud,
            {"width": 640, "height": 480},
            lambda: events_to_msg(events),
        ),
        (
            "audio 100 ms int16 @16 kHz",
            "audio",
            "std_msgs/msg/Int16MultiArray",
            {"sample_rate": 16000},
            lambda: audio_to_msg(audio, "int16"),
        ),
    ]


def _median_ms(function: Callable[[], Any], repeats: int) -> float:
    function()  # warm-up: first-call imports and allocations
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def run(repeats: int) -> list[dict[str, Any]]:
    results = []
    for name, modality, msg_type, options, write in _cases():
        converter = converter_for(modality, msg_type)(options)
        msg = write()
        results.append(
            {
                "name": name,
                "message_bytes": len(msg.data) * msg.data.itemsize,
                "read_ms": round(_median_ms(lambda c=converter, m=msg: c.to_sample(m), repeats), 4),
                "write_ms": round(_median_ms(write, repeats), 4),
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50, help="timed calls per case (median)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON file to write")
    args = parser.parse_args()
    results = run(args.repeats)
    print(f"{'case':34} {'bytes':>10} {'read ms':>9} {'write ms':>9}")
    for row in results:
        print(
            f"{row['name']:34} {row['message_bytes']:>10} {row['read_ms']:>9.3f} "
            f"{row['write_ms']:>9.3f}"
        )
    report = {
        "benchmark": "message conversions (median of --repeats calls)",
        "repeats": args.repeats,
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "results": results,
    }
    save_results(args.output, report)


if __name__ == "__main__":
    main()
