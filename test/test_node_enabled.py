"""`enabled: false` pauses the node: nothing encoded or published, while subscriptions, the
hot-plug view and /diagnostics go on; `true` resumes (real rclpy and DDS)."""

from __future__ import annotations

import time

import pytest
from diagnostic_msgs.msg import DiagnosticArray
from fixtures_model import untrained_model
from rclpy.parameter import Parameter
from rclpy.parameter_client import AsyncParameterClient
from ros_harness import JsonRecorder, Repeater, latest_of, wait_until
from sensor_messages import camera_msg
from sensor_msgs.msg import Image

from omnibind_ros.ros.perception_node import PerceptionNode

pytestmark = pytest.mark.ros

TOPIC = "/pause/camera"


def camera_values(ros) -> dict[str, str]:
    msg = latest_of(ros, DiagnosticArray, "/diagnostics")
    status = next(s for s in msg.status if s.name.endswith("sensor cam"))
    node = next(s for s in msg.status if s.name.endswith("perception"))
    return {**{kv.key: kv.value for kv in status.values}, "node": node.message}


def test_disabled_node_keeps_listening_but_encodes_and_publishes_nothing(ros) -> None:
    params = [
        Parameter("sensors.names", Parameter.Type.STRING_ARRAY, ["cam"]),
        Parameter("sensors.cam.modality", value="image"),
        Parameter("sensors.cam.topic", value=TOPIC),
        Parameter("diagnostics.period", value=0.2),
    ]
    node = ros.add(
        PerceptionNode(model=untrained_model(), context=ros.context, parameter_overrides=params)
    )
    camera = Repeater(ros.publisher(Image, TOPIC), camera_msg, 15.0)
    scenes = JsonRecorder(ros, "/omnibind/scene")
    client = AsyncParameterClient(ros.helper, "omnibind")

    def set_enabled(value: bool) -> None:
        future = client.set_parameters([Parameter("enabled", value=value)])
        assert wait_until(future.done, 5.0) and future.result().results[0].successful

    try:
        assert client.wait_for_services(timeout_sec=5.0)
        assert wait_until(lambda: scenes.latest() is not None, 15.0)
        set_enabled(False)
        time.sleep(0.5)  # a tick in flight may still land
        before, paused_at = camera_values(ros), time.monotonic()
        time.sleep(1.5)
        after = camera_values(ros)
        assert scenes.times_since(paused_at) == []
        assert int(after["received"]) > int(before["received"])  # still subscribed
        assert after["encoded"] == before["encoded"]
        assert after["active"] == "true" and after["node"] == "paused: enabled is false"
        assert ros.helper.count_subscribers(TOPIC) == 1
        set_enabled(True)
        resumed = time.monotonic()
        assert wait_until(lambda: scenes.times_since(resumed) != [], 5.0)
    finally:
        camera.stop()
        scenes.close()
        ros.remove(node)
