"""The sensor load of the end-to-end benchmarks: simulated sensors replayed at natural rates.

A few seconds of the simulated world (camera 30 Hz, thermal 9 Hz, 20 ms event packets, tactile
30 Hz while touching, 100 ms audio chunks, lidar 10 Hz) are rendered and turned into messages
once, then published in a loop on the simulated robot's topics, each stamped with the moment it
is sent. Rendering while publishing (the sim_sensors node) would take most of a core here and
compete with the nodes under test; the replay costs a few percent.

Every publish is logged as ``topic stamp_ns`` to ``--log`` (flushed each second), so the
benchmark knows every sample that was sent. A String on /e2e/ping is echoed on /e2e/pong for
the DDS round trip. Runs until SIGINT/SIGTERM.

    python e2e_replay.py --log FILE [--sensors camera,lidar] [--image-width 640]
        [--cloud-points 100000] [--render-seconds 8]
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

PING, PONG = "/e2e/ping", "/e2e/pong"


@dataclass
class Frame:
    at_s: float  # offset in the rendered loop
    topic: str
    msg: Any
    has_header: bool


def resized(image: np.ndarray, width: int) -> np.ndarray:
    from PIL import Image

    height = round(image.shape[0] * width / image.shape[1])
    return np.asarray(Image.fromarray(image).resize((width, height), Image.BILINEAR))


def densified(points: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` points drawn from the cloud, jittered by 2 cm (a denser lidar, for timing)."""
    picked = points[rng.integers(0, len(points), count)].copy()
    picked[:, :3] += rng.normal(0.0, 0.02, (count, 3)).astype(np.float32)
    return picked


def render(args: argparse.Namespace) -> tuple[list[Frame], float]:
    from omnibind_ros.core.errors import OmniBindError
    from omnibind_ros.ros.sim_sensors_node import WRITERS, sensor_topic
    from omnibind_ros.sim import DEFAULT_SENSORS, HotPlugSchedule, World

    wanted = set(args.sensors.split(",")) if args.sensors else None
    specs = [s for s in DEFAULT_SENSORS if wanted is None or s.name in wanted]
    rng = np.random.default_rng(0)
    frames = []
    stream = World(seed=1).stream(
        args.render_seconds, HotPlugSchedule.always(specs), scene_duration_s=2.0
    )
    for sample in stream:
        raw = sample.raw
        if sample.modality == "image" and args.image_width:
            raw = resized(raw, args.image_width)
        if sample.modality == "lidar" and args.cloud_points:
            raw = densified(raw, args.cloud_points, rng)
        spec = next(s for s in specs if s.name == sample.sensor)
        try:
            msg = WRITERS[sample.modality][2](raw, sample.stamp_ns, sample.sensor)
        except OmniBindError:
            continue  # not publishable (the sim_sensors node skips it too)
        frames.append(Frame(sample.stamp_ns / 1e9, sensor_topic(spec), msg, hasattr(msg, "header")))
    return frames, float(args.render_seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", required=True)
    parser.add_argument("--sensors", default="", help="sim sensor names; empty = all six")
    parser.add_argument("--image-width", type=int, default=0, help="0 = as rendered (96 px)")
    parser.add_argument("--cloud-points", type=int, default=0, help="0 = as rendered")
    parser.add_argument("--render-seconds", type=float, default=8.0)
    args = parser.parse_args()

    import rclpy
    from rclpy.qos import qos_profile_sensor_data
    from std_msgs.msg import String

    from omnibind_ros.ros.entities import without_publisher_events
    from omnibind_ros.ros.middleware import use_large_message_profile

    frames, loop_s = render(args)
    use_large_message_profile()
    rclpy.init()
    node = rclpy.create_node("e2e_replay")
    publishers = {}
    for frame in frames:
        if frame.topic not in publishers:
            publishers[frame.topic] = node.create_publisher(
                type(frame.msg), frame.topic, qos_profile_sensor_data,
                event_callbacks=without_publisher_events(),
            )  # fmt: skip
    pong = node.create_publisher(String, PONG, 10)
    node.create_subscription(String, PING, pong.publish, 10)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    spinner = threading.Thread(target=_spin, args=(node, stop), daemon=True)
    spinner.start()

    log = open(args.log, "w")  # noqa: SIM115 - flushed and closed below
    start, flushed, loop = time.monotonic(), time.monotonic(), 0
    while not stop.is_set():
        for frame in frames:
            due = start + loop * loop_s + frame.at_s
            if stop.wait(max(0.0, due - time.monotonic())):
                break
            stamp_ns = time.time_ns()
            if frame.has_header:
                frame.msg.header.stamp.sec, frame.msg.header.stamp.nanosec = divmod(
                    stamp_ns, 1_000_000_000
                )
            publishers[frame.topic].publish(frame.msg)
            log.write(f"{frame.topic} {stamp_ns}\n")
            if time.monotonic() - flushed > 1.0:
                log.flush()
                flushed = time.monotonic()
        loop += 1
    log.close()
    node.destroy_node()
    rclpy.try_shutdown()
    spinner.join(timeout=2.0)
    return 0


def _spin(node: Any, stop: threading.Event) -> None:
    import rclpy

    while not stop.is_set() and rclpy.ok():
        try:
            rclpy.spin_once(node, timeout_sec=0.1)
        except Exception:  # the context went away at shutdown
            return


if __name__ == "__main__":
    raise SystemExit(main())
