"""Fusion on arrival through the real node and DDS: each camera frame becomes a scene as it
lands, far sooner than the fusion timer would have fired; switched to timer mode at run time,
scenes follow the timer again."""

from __future__ import annotations

import time

import pytest
from fixtures_model import untrained_model
from rclpy.parameter import Parameter
from ros_harness import JsonRecorder, Repeater, wait_until
from sensor_messages import camera_msg
from sensor_msgs.msg import Image

from omnibind_ros.ros.perception_node import PerceptionNode

pytestmark = pytest.mark.ros

TIMER_HZ = 0.5  # the timer would publish every 2 s: any faster scene came from arrival
POLL_S = 0.1


@pytest.fixture
def node(ros):
    params = [
        Parameter("sensors.names", Parameter.Type.STRING_ARRAY, ["cam"]),
        Parameter("sensors.cam.modality", value="image"),
        Parameter("sensors.cam.topic", value="/arrival/cam"),
        Parameter("rate_hz", value=TIMER_HZ),
        Parameter("fusion.mode", value="arrival"),
        Parameter("hotplug.poll_period", value=POLL_S),
    ]
    perception = ros.add(
        PerceptionNode(model=untrained_model(), context=ros.context, parameter_overrides=params)
    )
    yield perception
    ros.remove(perception)


def test_each_frame_is_labelled_on_arrival_and_timer_mode_still_works(ros, node) -> None:
    scenes = JsonRecorder(ros, "/omnibind/scene")
    publisher = ros.publisher(Image, "/arrival/cam")
    try:
        assert wait_until(lambda: publisher.get_subscription_count() >= 1, 10.0)
        time.sleep(5 * POLL_S)  # the node's graph poll has seen the publisher by now
        sent: dict[int, float] = {}
        for _ in range(5):
            msg = camera_msg()
            stamp = msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec
            sent[stamp] = time.monotonic()
            publisher.publish(msg)
            time.sleep(0.2)
        assert wait_until(lambda: len(scenes.items()) >= 5, 5.0), scenes.items()
        first_label = {}
        for received, scene in scenes.items():
            first_label.setdefault(scene["sensors"]["cam"]["stamp_ns"], received)
        assert set(sent) <= set(first_label), "a frame never reached a label"
        waits = [first_label[stamp] - sent[stamp] for stamp in sent]
        assert max(waits) < 1.0 / TIMER_HZ / 2, waits  # the timer could not have done this

        node.set_parameters([Parameter("fusion.mode", value="timer")])
        repeater = Repeater(publisher, camera_msg, 20.0)
        try:
            start = time.monotonic()
            time.sleep(2.5)
            labelled = len(scenes.since(start))
        finally:
            repeater.stop()
        assert 1 <= labelled <= 3, labelled  # ~50 frames, but scenes at the 0.5 Hz timer
    finally:
        scenes.close()
        ros.helper.destroy_publisher(publisher)
