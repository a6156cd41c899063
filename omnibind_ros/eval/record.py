"""`omnibind sim record`: the simulated sensors written into a rosbag2 bag, no ROS install needed.

The messages are the ones the live simulator publishes (the same builders, real rclpy message
classes serialized to CDR with rclpy, which is what rosbag2 stores), on the same topics, at
each sensor's natural rate, with sensors plugged in and out on the hot-plug schedule (a
sensor that is unplugged simply has no messages then), plus the ground-truth label topic.
The bag is written with ``rosbags`` in rosbag2 format version 9 (Jazzy): metadata.yaml, the
offered QoS of each topic (what ``ros2 bag play`` republishes with) and each type's
definition and RIHS01 type hash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rclpy.serialization import serialize_message
from rosbags.interfaces import Qos, QosDurability, QosHistory, QosLiveliness, QosReliability
from rosbags.interfaces import QosTime as _QosTime
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.rosbag2.errors import WriterError
from rosbags.typesys import Stores, get_typestore
from std_msgs.msg import String

from omnibind_ros.core.errors import OmniBindError
from omnibind_ros.eval.errors import EvalError
from omnibind_ros.eval.progress import BagTimeBar
from omnibind_ros.eval.topics import TRUTH_TYPE, resolve_topic
from omnibind_ros.ros.sim_sensors_node import (
    GROUND_TRUTH_TOPIC,
    WRITERS,
    build_schedule,
    sensor_topic,
)
from omnibind_ros.sim import DEFAULT_SENSORS, HotPlugSchedule, World

STORAGES = {"mcap": StoragePlugin.MCAP, "sqlite3": StoragePlugin.SQLITE3}
SIM_MARK = "omnibind.sim"  # custom_data key: a bag of the simulated world (its seed, scenes)
_NO_TIME = _QosTime(0, 0)
_INFINITE = _QosTime(2147483647, 4294967295)  # rmw's "infinite" duration, as rosbag2 dumps it


def _qos(reliability: QosReliability, durability: QosDurability, depth: int) -> Qos:
    return Qos(
        QosHistory.KEEP_LAST, depth, reliability, durability, _INFINITE, _INFINITE,
        QosLiveliness.AUTOMATIC, _INFINITE, False,
    )  # fmt: skip


# What the live simulator offers: rclpy's qos_profile_sensor_data for sensors, a latched
# reliable publisher for the ground truth (late joiners of a replay still get the label).
SENSOR_QOS = _qos(QosReliability.BEST_EFFORT, QosDurability.VOLATILE, 5)
TRUTH_QOS = _qos(QosReliability.RELIABLE, QosDurability.TRANSIENT_LOCAL, 1)


@dataclass(frozen=True)
class Recording:
    path: Path
    seconds: float
    messages: dict[str, int]  # topic -> messages written
    skipped: int  # samples the message builders refused (none in a healthy world)


def record_bag(
    out: Path,
    seconds: float,
    *,
    storage: str = "mcap",
    seed: int = 0,
    scene_duration: float = 4.0,
    schedule: HotPlugSchedule | None = None,
    start_ns: int | None = None,
    progress: bool = True,
) -> Recording:
    """Write ``seconds`` of the simulated world to a new bag directory ``out``.

    ``schedule`` defaults to sensors coming and going at random over the whole recording
    (the camera stays); ``start_ns`` (default: now) is the first sample's stamp.
    """
    if storage not in STORAGES:
        raise EvalError(f"--storage {storage!r}: use one of {', '.join(STORAGES)}")
    if seconds <= 0:
        raise EvalError(f"--seconds {seconds}: must be positive")
    schedule = schedule or build_schedule("random", seed, seconds, ["camera"], DEFAULT_SENSORS)
    start_ns = time.time_ns() if start_ns is None else start_ns
    typestore = get_typestore(Stores.ROS2_JAZZY)
    writer = Writer(out, version=9, storage_plugin=STORAGES[storage])
    try:
        writer.open()
    except WriterError as err:
        raise EvalError(f"{out}: {err}") from None
    connections = {}
    for spec in schedule.sensors:
        msg_type = _type_name(WRITERS[spec.modality][1])
        connections[spec.name] = writer.add_connection(
            # As the simulated sensors publish them from the root namespace.
            resolve_topic(sensor_topic(spec)),
            msg_type,
            typestore=typestore,
            offered_qos_profiles=[SENSOR_QOS],
        )
    truth = writer.add_connection(
        GROUND_TRUTH_TOPIC, TRUTH_TYPE, typestore=typestore, offered_qos_profiles=[TRUTH_QOS]
    )
    writer.set_custom_data(SIM_MARK, f"seed={seed} scene_duration={scene_duration}")
    counts = {c.topic: 0 for c in [*connections.values(), truth]}
    skipped = 0
    label = ""
    stream = World(seed=seed).stream(
        seconds, schedule, scene_duration_s=scene_duration, start_stamp_ns=start_ns
    )
    bar = BagTimeBar(seconds, "recording", progress)
    try:
        for sample in stream:
            if sample.label != label:  # published when the scene changes, as live
                label = sample.label
                writer.write(truth, sample.stamp_ns, serialize_message(String(data=label)))
                counts[truth.topic] += 1
            build = WRITERS[sample.modality][2]
            try:
                msg = build(sample.raw, sample.stamp_ns, sample.sensor)
            except OmniBindError:
                skipped += 1
                continue
            connection = connections[sample.sensor]
            # Recorded on arrival, which for a simulated sensor is its capture stamp.
            writer.write(connection, sample.stamp_ns, serialize_message(msg))
            counts[connection.topic] += 1
            bar.advance_to((sample.stamp_ns - start_ns) / 1e9)
    finally:
        bar.close()
        writer.close()  # also on Ctrl-C: what was recorded stays a valid bag
    return Recording(out, seconds, counts, skipped)


def _type_name(msg_class: type) -> str:
    """'sensor_msgs/msg/Image' from the rclpy class (its module is sensor_msgs.msg._image)."""
    return f"{msg_class.__module__.split('.')[0]}/msg/{msg_class.__name__}"
