"""The shipped config under a namespace: default sensors resolve inside it, and every output
carries the frame of the camera it rests on (real rclpy and DDS)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from fixtures_model import untrained_model
from ros_harness import Repeater, RosHarness, domain_id_for, latest_of, wait_until
from sensor_msgs.msg import Image
from std_msgs.msg import String

from omnibind_ros.ros.conversions import image_to_msg
from omnibind_ros.ros.perception_node import PerceptionNode

pytestmark = pytest.mark.ros

CONFIG = Path(__file__).resolve().parent.parent / "config" / "perception.yaml"
NAMESPACE = "robot1"
FRAME = "front_cam_optical"
DEFAULT_TOPICS = ("camera/image_raw", "thermal/image_raw", "events", "tactile/image_raw",
                  "audio", "lidar/points")  # fmt: skip


@pytest.fixture(scope="module")
def robot():
    harness = RosHarness(domain_id_for(__name__), args=["--ros-args", "--params-file", str(CONFIG)])
    node = harness.add(
        PerceptionNode(model=untrained_model(), context=harness.context, namespace=NAMESPACE)
    )
    yield harness, node
    harness.remove(node)
    harness.shutdown()


def test_default_sensors_subscribe_inside_the_node_namespace(robot) -> None:
    harness, _node = robot
    expected = {f"/{NAMESPACE}/{topic}" for topic in DEFAULT_TOPICS}

    def subscribed() -> set[str]:
        topics = harness.helper.get_subscriber_names_and_types_by_node("omnibind", "/" + NAMESPACE)
        return {name for name, _types in topics}

    assert wait_until(lambda: expected <= subscribed(), 10.0), subscribed()
    assert not {f"/{topic}" for topic in DEFAULT_TOPICS} & subscribed()


def test_scene_and_overlay_carry_the_camera_frame(robot) -> None:
    harness, _node = robot
    rgb = np.random.default_rng(3).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    publisher = harness.publisher(Image, f"/{NAMESPACE}/camera/image_raw")
    camera = Repeater(publisher, lambda: image_to_msg(rgb, "rgb8", time.time_ns(), FRAME), 15.0)
    try:
        scene_topic = f"/{NAMESPACE}/omnibind/scene"
        assert wait_until(lambda: harness.helper.count_publishers(scene_topic) > 0, 5.0)
        scene = json.loads(latest_of(harness, String, scene_topic, timeout=15.0).data)
        assert scene["header"]["frame_id"] == FRAME
        assert scene["sensors"]["camera"]["frame_id"] == FRAME
        overlay = latest_of(harness, Image, f"/{NAMESPACE}/omnibind/overlay", timeout=10.0)
        assert overlay.header.frame_id == FRAME
    finally:
        camera.stop()
