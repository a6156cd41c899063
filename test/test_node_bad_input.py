"""Malformed messages on every sensor topic: the node stays up, counts them per sensor in
/diagnostics, and keeps fusing the sensors that also send good data."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from diagnostic_msgs.msg import DiagnosticArray
from fixtures_model import untrained_model
from rclpy.parameter import Parameter
from ros_harness import JsonRecorder, Repeater, RosHarness, wait_until
from sensor_messages import MALFORMED, audio_msg, camera_msg, thermal_all_nan
from sensor_msgs.msg import Image, PointCloud2
from std_msgs.msg import Int16MultiArray

from omnibind_ros.ros.entities import without_subscription_events
from omnibind_ros.ros.perception_node import PerceptionNode

pytestmark = pytest.mark.ros

# sensor -> (modality, topic, message type); camera and mic also get good data
SENSORS = {
    "camera": ("image", "/bad/camera", Image),
    "thermal": ("thermal", "/bad/thermal", Image),
    "lidar": ("lidar", "/bad/lidar", PointCloud2),
    "event": ("event", "/bad/events", PointCloud2),
    "mic": ("audio", "/bad/mic", Int16MultiArray),
}


@pytest.fixture(scope="module")
def node(ros):
    params = [
        Parameter("sensors.names", Parameter.Type.STRING_ARRAY, list(SENSORS)),
        Parameter("diagnostics.period", value=0.25),
        Parameter("fusion_window", value=2.0),
    ]
    for name, (modality, topic, _) in SENSORS.items():
        params += [
            Parameter(f"sensors.{name}.modality", value=modality),
            Parameter(f"sensors.{name}.topic", value=topic),
        ]
    perception = ros.add(
        PerceptionNode(model=untrained_model(), context=ros.context, parameter_overrides=params)
    )
    yield perception
    ros.remove(perception)


class DiagnosticsRecorder:
    def __init__(self, ros: RosHarness) -> None:
        self.latest: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self._sub = ros.helper.create_subscription(
            DiagnosticArray,
            "/diagnostics",
            self._on_msg,
            10,
            event_callbacks=without_subscription_events(),
        )

    def _on_msg(self, msg: DiagnosticArray) -> None:
        with self._lock:
            for status in msg.status:
                values = {kv.key: kv.value for kv in status.values}
                self.latest[status.name] = {"message": status.message, **values}

    def sensor(self, name: str) -> dict[str, str]:
        with self._lock:
            return self.latest.get(f"/omnibind: sensor {name}", {})


def fused_now(scenes: JsonRecorder) -> set[str]:
    return set((scenes.latest() or {}).get("modalities", []))


def test_malformed_stream_on_every_topic_is_counted_and_the_rest_is_still_fused(ros, node):
    scenes = JsonRecorder(ros, "/omnibind/scene")
    diagnostics = DiagnosticsRecorder(ros)
    publishers = {
        name: ros.publisher(msg_type, topic) for name, (_, topic, msg_type) in SENSORS.items()
    }
    bad_makers = {
        name: itertools.cycle(MALFORMED[modality]) for name, (modality, _, _) in SENSORS.items()
    }
    repeaters = [
        Repeater(publishers[name], lambda name=name: next(bad_makers[name])(), rate_hz=20.0)
        for name in SENSORS
    ]
    repeaters += [
        Repeater(publishers["camera"], camera_msg, rate_hz=15.0),
        Repeater(publishers["mic"], audio_msg, rate_hz=10.0),
    ]
    try:
        assert wait_until(lambda: fused_now(scenes) == {"image", "audio"}, 20.0)

        def every_sensor_counted_bad() -> bool:
            return all(int(diagnostics.sensor(n).get("bad_messages", 0)) >= 5 for n in SENSORS)

        assert wait_until(every_sensor_counted_bad, 10.0)
        checkpoint = time.monotonic()
        time.sleep(1.5)
        fused = [set(s["modalities"]) for s in scenes.since(checkpoint)]
        assert len(fused) >= 5  # labels keep flowing under the bad stream
        assert all(m == {"image", "audio"} for m in fused)
        for name in ("thermal", "lidar", "event"):
            status = diagnostics.sensor(name)
            assert status["active"] == "false" and status["encoded"] == "0", name
            assert status["last_error"], name
        assert int(diagnostics.sensor("camera")["encoded"]) > 0
        assert node.context.ok()
    finally:
        for repeater in repeaters:
            repeater.stop()
        for publisher in publishers.values():
            ros.helper.destroy_publisher(publisher)
        scenes.close()


def test_every_garbage_frame_is_counted_even_when_a_newer_one_supersedes_it(ros, node):
    # Value checks once ran only on samples that reached the encoder: 20 all-NaN frames sent
    # faster than thermal is encoded were counted 17 bad.
    diagnostics = DiagnosticsRecorder(ros)
    publisher = ros.publisher(Image, "/bad/thermal")
    try:
        assert wait_until(lambda: "bad_messages" in diagnostics.sensor("thermal"), 10.0)
        assert wait_until(lambda: publisher.get_subscription_count() > 0, 10.0)
        time.sleep(1.0)  # nothing else is sent to the thermal topic now: the count settles
        before = int(diagnostics.sensor("thermal")["bad_messages"])
        received = int(diagnostics.sensor("thermal")["received"])
        for _ in range(20):
            publisher.publish(thermal_all_nan())
            time.sleep(0.01)

        def all_arrived() -> bool:
            return int(diagnostics.sensor("thermal")["received"]) == received + 20

        assert wait_until(all_arrived, 10.0)
        assert int(diagnostics.sensor("thermal")["bad_messages"]) == before + 20
    finally:
        ros.helper.destroy_publisher(publisher)
