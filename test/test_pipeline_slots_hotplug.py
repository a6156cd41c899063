"""Plug/unplug transitions reported once each, and auto-discovery of sensor topics."""

from __future__ import annotations

import numpy as np

from omnibind_ros.pipeline.hotplug import HotplugTracker, discover
from omnibind_ros.pipeline.params import SensorConfig, parse_discovery_rule
from omnibind_ros.pipeline.slots import SensorSlot
from omnibind_ros.pipeline.streams import LatestOnly


def live_slot(name: str, stale_timeout: float = 1.0) -> SensorSlot:
    config = SensorConfig(name, "image", f"/{name}", "sensor_msgs/msg/Image", "sensor_data", 1.0)
    slot = SensorSlot(config, LatestOnly(), 100.0)
    slot.set_publishers(1)
    slot.offer("frame", 1, now=0.0)
    slot.store_embedding(slot.take_job(0.0), np.ones(4, dtype=np.float32))
    return slot


def test_each_plug_and_unplug_is_reported_exactly_once() -> None:
    tracker = HotplugTracker()
    slot = live_slot("cam")
    first = tracker.update([slot.view(0.1)])
    assert [(t.slot, t.plugged) for t in first] == [("cam", True)]
    assert "plugged in on /cam" in first[0].describe()
    assert tracker.update([slot.view(0.2)]) == []  # no change, no report
    gone = tracker.update([slot.view(1.5)])
    assert [(t.plugged, t.reason[:5]) for t in gone] == [(False, "stale")]
    assert "unplugged from /cam: stale" in gone[0].describe()
    assert tracker.update([slot.view(2.0)]) == []


def test_publisher_loss_is_reported_as_the_unplug_reason() -> None:
    tracker = HotplugTracker()
    slot = live_slot("cam")
    tracker.update([slot.view(0.1)])
    slot.set_publishers(0)
    (transition,) = tracker.update([slot.view(0.2)])
    assert transition.reason == "no publisher"


def test_slot_never_active_is_not_reported() -> None:
    tracker = HotplugTracker()
    config = SensorConfig("mic", "audio", "/mic", "std_msgs/msg/Int16MultiArray")
    assert tracker.update([SensorSlot(config, LatestOnly(), 10.0).view(0.0)]) == []


def test_removed_slot_is_forgotten_so_a_readded_one_is_reported_again() -> None:
    tracker = HotplugTracker()
    slot = live_slot("cam")
    tracker.update([slot.view(0.1)])
    assert tracker.update([]) == []
    assert [t.plugged for t in tracker.update([slot.view(0.2)])] == [True]


def test_discovery_adds_matching_topics_not_already_subscribed() -> None:
    rules = [
        parse_discovery_rule("sensor_msgs/msg/Image|/.*thermal.*|thermal"),
        parse_discovery_rule("sensor_msgs/msg/Image|/.*image_raw|image"),
        parse_discovery_rule("sensor_msgs/msg/PointCloud2|/.*points|lidar"),
    ]
    topics = [
        ("/thermal/image_raw", ["sensor_msgs/msg/Image"]),  # first rule wins
        ("/front/image_raw", ["sensor_msgs/msg/Image"]),
        ("/rear/image_raw", ["sensor_msgs/msg/Image"]),
        ("/velodyne/points", ["sensor_msgs/msg/PointCloud2"]),
        ("/chatter", ["std_msgs/msg/String"]),
    ]
    found = discover(rules, topics, {"front_image_raw"}, {"/front/image_raw"})
    assert [(c.name, c.topic, c.modality) for c in found] == [
        ("rear_image_raw", "/rear/image_raw", "image"),
        ("thermal_image_raw", "/thermal/image_raw", "thermal"),
        ("velodyne_points", "/velodyne/points", "lidar"),
    ]
    assert found[1].msg_type == "sensor_msgs/msg/Image"
    assert dict(found[1].options)["scale"] == 0.01  # modality defaults apply


def test_discovery_without_rules_adds_nothing() -> None:
    assert discover([], [("/cam/image_raw", ["sensor_msgs/msg/Image"])], [], []) == []


def test_discovered_names_avoid_taken_names() -> None:
    rules = [parse_discovery_rule("sensor_msgs/msg/Image|/.*|image")]
    (config,) = discover(rules, [("/cam", ["sensor_msgs/msg/Image"])], {"cam"}, set())
    assert config.name == "cam_2"
