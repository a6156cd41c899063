"""How many large sensor messages arrive, with and without config/fastdds_large_messages.xml.

A publisher process sends 640x480 rgb8 images at 30 Hz (and 100k-point clouds at 10 Hz) under
sensor-data QoS to a subscriber process on the same machine; the subscriber counts what
arrives. Run once with Fast DDS defaults and once with the shipped profile. Prints a table
and writes benchmarks/results/dds_delivery.json.

    python benchmarks/bench_dds_delivery.py [--seconds 5] [--output PATH]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from omnibind_ros.bench_cli import save_results

RESULTS = Path(__file__).resolve().parent / "results" / "dds_delivery.json"
PROFILE = Path(__file__).resolve().parent.parent / "config" / "fastdds_large_messages.xml"
PROFILE_ENV_VARS = ("FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE")
CASES = {
    "image 640x480 rgb8 @ 30 Hz": ("image", 30.0),
    "cloud 100k points @ 10 Hz": ("cloud", 10.0),
}


def _message(kind: str):
    import numpy as np

    from omnibind_ros.ros.conversions import image_to_msg, points_to_msg

    rng = np.random.default_rng(0)
    if kind == "image":
        return image_to_msg(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8), "rgb8")
    return points_to_msg(rng.normal(0, 10, (100_000, 4)).astype(np.float32), "xyzi")


def _publish(kind: str, rate_hz: float, seconds: float) -> None:
    import rclpy
    from rclpy.qos import qos_profile_sensor_data

    rclpy.init()
    node = rclpy.create_node("bench_dds_publisher")
    msg = _message(kind)
    publisher = node.create_publisher(type(msg), "/bench/large", qos_profile_sensor_data)
    deadline = time.monotonic() + 10.0
    while publisher.get_subscription_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # let discovery settle on both sides
    count = round(seconds * rate_hz)
    start = time.monotonic()
    for i in range(count):
        msg.header.frame_id = str(i)
        publisher.publish(msg)
        time.sleep(max(0.0, start + (i + 1) / rate_hz - time.monotonic()))
    print(count, flush=True)
    time.sleep(1.0)
    rclpy.shutdown()


def _subscribe(kind: str, seconds: float) -> None:
    import rclpy
    from rclpy.qos import qos_profile_sensor_data

    rclpy.init()
    node = rclpy.create_node("bench_dds_subscriber")
    received: set[str] = set()
    last = [0.0]

    def on_msg(msg) -> None:
        received.add(msg.header.frame_id)
        last[0] = time.monotonic()

    node.create_subscription(type(_message(kind)), "/bench/large", on_msg, qos_profile_sensor_data)
    deadline = time.monotonic() + seconds
    # Done at the deadline, or once messages stopped coming for a while.
    while time.monotonic() < deadline and not (received and time.monotonic() - last[0] > 1.5):
        rclpy.spin_once(node, timeout_sec=0.05)
    print(len(received), flush=True)
    rclpy.shutdown()


def measure(kind: str, rate_hz: float, seconds: float, with_profile: bool, domain: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in PROFILE_ENV_VARS}
    env.update(ROS_DOMAIN_ID=str(domain), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    if with_profile:
        env.update({name: str(PROFILE) for name in PROFILE_ENV_VARS})
    me = [sys.executable, __file__]
    sub = subprocess.Popen(
        [*me, "--role", "sub", "--kind", kind, "--seconds", str(seconds + 14)],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    pub = subprocess.run(
        [*me, "--role", "pub", "--kind", kind, "--rate", str(rate_hz), "--seconds", str(seconds)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    sent = int(pub.stdout.split()[-1])
    received = int(sub.communicate(timeout=60)[0].split()[-1])
    return {"sent": sent, "received": received, "delivered": received / sent}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="publishing time per run")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--role", choices=("pub", "sub"), help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=("image", "cloud"), help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "pub":
        _publish(args.kind, args.rate, args.seconds)
        return 0
    if args.role == "sub":
        _subscribe(args.kind, args.seconds)
        return 0

    results = {}
    domain = 150 + os.getpid() % 50
    for name, (kind, rate_hz) in CASES.items():
        for with_profile in (False, True):
            label = f"{name}, {'large-message profile' if with_profile else 'Fast DDS defaults'}"
            results[label] = measure(kind, rate_hz, args.seconds, with_profile, domain)
            r = results[label]
            print(f"{label:62s} {r['received']:4d}/{r['sent']:4d}  {100 * r['delivered']:5.1f} %")
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average": os.getloadavg(),
        "seconds": args.seconds,
        "results": results,
    }
    save_results(args.output, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
