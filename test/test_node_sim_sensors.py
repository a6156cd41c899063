"""The simulated sensors node: realistic topics and encodings, wall-clock stamps, publishers
that really come and go with the schedule, and the ground truth."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile, qos_profile_sensor_data
from ros_harness import wait_until
from sensor_msgs.msg import Image
from std_msgs.msg import String

from omnibind_ros.ros.conversions.thermal import image_to_celsius
from omnibind_ros.ros.entities import without_subscription_events
from omnibind_ros.ros.sim_sensors_node import (
    GROUND_TRUTH_TOPIC,
    WRITERS,
    SimSensorsNode,
    sensor_topic,
)
from omnibind_ros.sim import DEFAULT_SENSORS, HotPlugSchedule, World

pytestmark = pytest.mark.ros

SPECS = {spec.name: spec for spec in DEFAULT_SENSORS}


def test_default_sensors_publish_on_the_documented_topics_inside_the_namespace() -> None:
    assert {name: sensor_topic(spec) for name, spec in SPECS.items()} == {
        "camera": "camera/image_raw",
        "thermal": "thermal/image_raw",
        "events": "events",
        "tactile": "tactile/image_raw",
        "microphone": "audio",
        "lidar": "lidar/points",
    }
    assert sensor_topic(SPECS["lidar"], "/robot1/") == "/robot1/lidar/points"


def test_a_campfire_hotter_than_mono16_holds_saturates_like_a_lepton() -> None:
    # 400 °C is above 65535 centi-Kelvin (382.2 °C): such frames were once dropped.
    celsius = np.array([[20.0, 400.0], [-300.0, 100.0]], np.float32)
    msg = WRITERS["thermal"][2](celsius, 0, "thermal")
    assert msg.encoding == "mono16"
    np.testing.assert_allclose(image_to_celsius(msg), [[20.0, 382.2], [-273.15, 100.0]], atol=0.01)


def test_schedule_changes_the_graph_and_truth_and_stamps_are_live(ros) -> None:
    schedule = HotPlugSchedule(
        sensors=(SPECS["camera"], SPECS["thermal"]),
        windows={"camera": ((0.0, 100.0),), "thermal": ((0.0, 1.0),)},
    )
    frames: dict[str, list[Image]] = {"/camera/image_raw": [], "/thermal/image_raw": []}
    truths: list[str] = []
    lock = threading.Lock()

    def keep(topic):
        def on_msg(msg):
            with lock:
                frames[topic].append((time.time_ns(), msg))

        return on_msg

    subs = [
        ros.helper.create_subscription(Image, topic, keep(topic), qos_profile_sensor_data,
                                       event_callbacks=without_subscription_events())
        for topic in frames
    ]  # fmt: skip
    latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    subs.append(
        ros.helper.create_subscription(String, GROUND_TRUTH_TOPIC, lambda m: truths.append(m.data),
                                       latched, event_callbacks=without_subscription_events())
    )  # fmt: skip
    sim = ros.add(
        SimSensorsNode(
            context=ros.context,
            schedule=schedule,
            parameter_overrides=[Parameter("duration", value=2.5)],
        )
    )
    try:
        count = ros.helper.count_publishers
        assert wait_until(lambda: count("/thermal/image_raw") == 1, 5.0)
        assert wait_until(lambda: count("/thermal/image_raw") == 0, 5.0)  # unplugged at 1 s
        assert count("/camera/image_raw") == 1
        assert sim.finished.wait(10.0)
        assert wait_until(lambda: count("/camera/image_raw") == 0, 5.0)  # stream over
    finally:
        for sub in subs:
            ros.helper.destroy_subscription(sub)
        ros.remove(sim)
    with lock:
        camera, thermal = frames["/camera/image_raw"], frames["/thermal/image_raw"]
    assert len(camera) >= 30 and 3 <= len(thermal) <= 12  # 30 Hz for 2.5 s, 9 Hz for 1 s
    assert {m.encoding for _, m in camera} == {"rgb8"}
    assert {m.encoding for _, m in thermal} == {"mono16"}
    delays = [(received - (m.header.stamp.sec * 10**9 + m.header.stamp.nanosec)) / 1e9
              for received, m in camera]  # fmt: skip
    assert max(delays) < 1.0 and min(delays) > -0.05  # wall-clock stamps, sent when due
    assert truths and truths[0] == World(seed=0).scene(0).label
