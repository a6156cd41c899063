"""Simulated sensors: the sim world's streams on realistic topics, at natural rates, with
sensors plugged in and out on a schedule, plus the ground truth.

Each sensor's publisher exists only while the schedule has it plugged in, so the ROS graph
really changes (a perception node sees the publisher go, not only the messages stop).
Stamps are wall-clock capture times. One player thread renders the stream in time order and
publishes each sample when its time comes; if rendering falls behind it publishes late
(stamped when sent) rather than skip, and records how late.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node
from rclpy.publisher import Publisher
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image, PointCloud2
from std_msgs.msg import Int16MultiArray, String

from omnibind_ros.core.errors import OmniBindError
from omnibind_ros.pipeline.log_throttle import KeyedThrottle
from omnibind_ros.ros.conversions import (
    audio_to_msg,
    events_to_msg,
    image_to_msg,
    points_to_msg,
    thermal_to_msg,
)
from omnibind_ros.ros.conversions.thermal import storable_celsius
from omnibind_ros.ros.entities import without_publisher_events
from omnibind_ros.ros.executors import run_nodes
from omnibind_ros.ros.qos import TRUTH_QOS
from omnibind_ros.sim import DEFAULT_SENSORS, HotPlugSchedule, SensorSpec, StreamSample, World

NODE_NAME = "omnibind_sim_sensors"
GROUND_TRUTH_TOPIC = "/omnibind/ground_truth"
WARNING_PERIOD_S = 5.0  # per sensor: a warning per frame would flood the log


def _rgb(raw: Any, stamp_ns: int, frame: str) -> Image:
    return image_to_msg(raw, "rgb8", stamp_ns, frame)


THERMAL_ENCODING = "mono16"  # centi-Kelvin, what radiometric cameras (FLIR Lepton) publish
THERMAL_RANGE_C = storable_celsius(THERMAL_ENCODING)


def _thermal(raw: Any, stamp_ns: int, frame: str) -> Image:
    # Saturated as a Lepton does (65535 counts = 382.2 °C): a campfire is hotter.
    celsius = np.clip(raw, *THERMAL_RANGE_C)
    return thermal_to_msg(celsius, THERMAL_ENCODING, stamp_ns=stamp_ns, frame_id=frame)


def _events(raw: Any, stamp_ns: int, frame: str) -> PointCloud2:
    return events_to_msg(raw.events, stamp_ns, frame)


def _audio(raw: Any, stamp_ns: int, frame: str) -> Int16MultiArray:
    return audio_to_msg(raw.waveform)  # 100 ms chunks; the rate is a subscriber parameter


def _lidar(raw: Any, stamp_ns: int, frame: str) -> PointCloud2:
    return points_to_msg(raw, "xyzi", stamp_ns, frame)


def _retimed(raw: Any, delay_ns: int) -> Any:
    """Event packets carry absolute times: shift them with their late stamp."""
    if delay_ns == 0 or not hasattr(raw, "events"):
        return raw
    events = raw.events.copy()
    events["t"] += delay_ns
    return type(raw)(events, raw.width, raw.height)


# modality -> (topic leaf under the sensor's stem, message type, raw sample -> message)
WRITERS: dict[str, tuple[str, type, Callable[[Any, int, str], Any]]] = {
    "image": ("image_raw", Image, _rgb),
    "thermal": ("image_raw", Image, _thermal),
    "event": ("", PointCloud2, _events),
    "tactile": ("image_raw", Image, _rgb),
    "audio": ("", Int16MultiArray, _audio),
    "lidar": ("points", PointCloud2, _lidar),
}
# Topic stems of the default sensors: camera/image_raw, events, audio, lidar/points, ...
# (relative, so they follow the node's namespace, as a driver's topics do)
TOPIC_STEMS = {"camera": "camera", "thermal": "thermal", "events": "events", "tactile": "tactile",
               "microphone": "audio", "lidar": "lidar"}  # fmt: skip


def sensor_topic(spec: SensorSpec, prefix: str = "") -> str:
    stem = TOPIC_STEMS.get(spec.name, spec.name)
    leaf = WRITERS[spec.modality][0]
    name = f"{stem}/{leaf}" if leaf else stem
    base = prefix.rstrip("/")
    return f"{base}/{name}" if base else name


def build_schedule(
    mode: str, seed: int, period: float, always_on: Sequence[str], sensors: Sequence[SensorSpec]
) -> HotPlugSchedule:
    if mode == "always":
        return HotPlugSchedule.always(sensors)
    if mode == "random":
        return HotPlugSchedule.random(seed, sensors, period_s=period, always_on=always_on)
    raise ValueError(f"hotplug.mode {mode!r} must be 'always' or 'random'")


class SimSensorsNode(Node):
    def __init__(self, *, schedule: HotPlugSchedule | None = None, **node_kwargs: Any) -> None:
        super().__init__(NODE_NAME, **node_kwargs)
        describe = ParameterDescriptor
        seed = self.declare_parameter("seed", 0, describe(description="world seed")).value
        self._duration = float(
            self.declare_parameter("duration", 0.0, describe(description="s; 0 = for ever")).value
        )
        scene_s = self.declare_parameter(
            "scene_duration", 4.0, describe(description="s each scene lasts")
        ).value
        mode = self.declare_parameter(
            "hotplug.mode", "random", describe(description="random or always")
        ).value
        period = self.declare_parameter(
            "hotplug.period", 60.0, describe(description="s after which the schedule repeats")
        ).value
        always_on = self.declare_parameter(
            "hotplug.always_on", ["camera"], describe(description="sensors never unplugged")
        ).value
        self._prefix = self.declare_parameter(
            "topic_prefix", "", describe(description="prefix of every sensor topic")
        ).value
        self.schedule = schedule or build_schedule(mode, seed, period, always_on, DEFAULT_SENSORS)
        self._world = World(seed=seed)
        self._scene_duration = float(scene_s)
        self._lock = threading.Lock()
        self._sensor_pubs: dict[str, Publisher] = {}
        self._specs = {spec.name: spec for spec in self.schedule.sensors}
        self._truth_pub = self.create_publisher(String, GROUND_TRUTH_TOPIC, TRUTH_QOS)
        self._truth = ""  # the label last published on the ground-truth topic
        self.published = dict.fromkeys(self._specs, 0)
        self._throttle = KeyedThrottle(WARNING_PERIOD_S)
        self.max_lateness_s = 0.0
        self.finished = threading.Event()
        self._stop = threading.Event()
        self._player = threading.Thread(target=self._play, name="omnibind-sim-player", daemon=True)
        self._player.start()

    def destroy_node(self) -> None:
        self._stop.set()
        self._player.join(timeout=5.0)
        with self._lock:
            for name in list(self._sensor_pubs):
                self._unplug(name)
        super().destroy_node()

    def _play(self) -> None:
        start_ns = time.time_ns()
        start_s = start_ns / 1e9
        duration = self._duration or None
        stream = self._world.stream(
            duration, self.schedule, scene_duration_s=self._scene_duration, start_stamp_ns=start_ns
        )
        try:
            for sample in stream:
                # Wait in short steps: plugs change on time even while nothing is published.
                while not self._stop.is_set():
                    self._update_plugs(min(time.time_ns(), sample.stamp_ns) / 1e9 - start_s)
                    wait = (sample.stamp_ns - time.time_ns()) / 1e9
                    if wait <= 0:
                        break
                    self._stop.wait(min(wait, 0.1))
                if self._stop.is_set():
                    return
                lateness = (time.time_ns() - sample.stamp_ns) / 1e9
                self.max_lateness_s = max(self.max_lateness_s, lateness)
                self._publish(sample)
            with self._lock:  # the stream is over: its sensors go away, as drivers would
                for name in list(self._sensor_pubs):
                    self._unplug(name)
            self.get_logger().info(
                f"stream ended: {sum(self.published.values())} samples published, at most "
                f"{self.max_lateness_s:.2f} s behind their schedule"
            )
        finally:
            self.finished.set()

    def _update_plugs(self, t: float) -> None:
        with self._lock:
            for name, spec in self._specs.items():
                present = self.schedule.is_present(name, t)
                if present and name not in self._sensor_pubs:
                    msg_type = WRITERS[spec.modality][1]
                    self._sensor_pubs[name] = self.create_publisher(
                        msg_type,
                        sensor_topic(spec, self._prefix),
                        qos_profile_sensor_data,
                        event_callbacks=without_publisher_events(),
                    )
                    self.get_logger().info(
                        f"plugged in {name} on {sensor_topic(spec, self._prefix)}"
                    )
                elif not present and name in self._sensor_pubs:
                    self._unplug(name)
                    self.get_logger().info(f"unplugged {name}")

    def _unplug(self, name: str) -> None:
        self.destroy_publisher(self._sensor_pubs.pop(name))

    def _publish(self, sample: StreamSample) -> None:
        if sample.label != self._truth:
            self._truth = sample.label
            self._truth_pub.publish(String(data=sample.label))
        writer = WRITERS[sample.modality][2]
        # A late sample is stamped when it goes out, as a live sensor would: stamps stay
        # comparable with headerless messages (audio), which subscribers stamp on arrival.
        stamp_ns = max(sample.stamp_ns, time.time_ns())
        raw = _retimed(sample.raw, stamp_ns - sample.stamp_ns)
        self._warn_if_saturated(sample)
        try:
            msg = writer(raw, stamp_ns, sample.sensor)
        except OmniBindError as err:
            self._warn(sample.sensor, f"{sample.sensor}: sample not publishable: {err}")
            return
        with self._lock:
            publisher = self._sensor_pubs.get(sample.sensor)
            if publisher is not None:
                publisher.publish(msg)
                self.published[sample.sensor] += 1

    def _warn_if_saturated(self, sample: StreamSample) -> None:
        if sample.modality == "thermal" and np.nanmax(sample.raw) > THERMAL_RANGE_C[1]:
            self._warn(
                sample.sensor,
                f"{sample.sensor}: frame saturated at {THERMAL_RANGE_C[1]:.1f} °C "
                f"(hottest {np.nanmax(sample.raw):.0f} °C), as a {THERMAL_ENCODING} camera does",
            )

    def _warn(self, sensor: str, message: str) -> None:
        """A warning about ``sensor``, at most once per log period (with a skipped count)."""
        text = self._throttle.message(sensor, message)
        if text is not None:
            self.get_logger().warning(text)


def main(args: Sequence[str] | None = None) -> int:
    """`ros2 run omnibind_ros sim_sensors`: runs until Ctrl-C or the end of `duration`."""
    sims: list[SimSensorsNode] = []

    def build(nodes: list[Node]) -> None:
        sims.append(SimSensorsNode())
        nodes.extend(sims)

    def finished() -> bool:
        return bool(sims) and sims[0].finished.is_set()

    return run_nodes("omnibind sim sensors", build, args, threads=2, done=finished)


if __name__ == "__main__":
    sys.exit(main())
