"""Hot-plug with real rclpy and DDS: sensors come and go, labels keep flowing."""

from __future__ import annotations

import itertools
import time

import pytest
from fixtures_model import untrained_model
from rcl_interfaces.msg import Log
from rclpy.parameter import Parameter
from rclpy.parameter_client import AsyncParameterClient
from ros_harness import JsonRecorder, Repeater, wait_until
from sensor_messages import audio_msg, camera_msg, thermal_msg
from sensor_msgs.msg import Image
from std_msgs.msg import Int16MultiArray

from omnibind_ros.ros.entities import without_subscription_events
from omnibind_ros.ros.perception_node import PerceptionNode

pytestmark = pytest.mark.ros

RATE_HZ = 10.0
STALE = 1.0
SENSORS = {
    "camera": ("image", "/hp/camera"),
    "thermal": ("thermal", "/hp/thermal"),
    "mic": ("audio", "/hp/mic"),
}


def overrides(**extra) -> list[Parameter]:
    params = [
        Parameter("sensors.names", Parameter.Type.STRING_ARRAY, list(SENSORS)),
        Parameter("rate_hz", value=RATE_HZ),
        Parameter("hotplug.poll_period", value=0.1),
        # Wider than the stale timeout: only hot-plug, not the window, drops a sensor here.
        Parameter("fusion_window", value=3 * STALE),
    ]
    for name, (modality, topic) in SENSORS.items():
        params += [
            Parameter(f"sensors.{name}.modality", value=modality),
            Parameter(f"sensors.{name}.topic", value=topic),
            Parameter(f"sensors.{name}.stale_timeout", value=STALE),
        ]
    return params + [Parameter(k.replace("__", "."), value=v) for k, v in extra.items()]


@pytest.fixture
def node(ros, request):
    # A namespace per test: each node has its own /rosout logger and parameter services.
    perception = ros.add(
        PerceptionNode(
            model=untrained_model(),
            context=ros.context,
            namespace=request.node.name.removeprefix("test_")[:40],
            parameter_overrides=overrides(),
        )
    )
    yield perception
    ros.remove(perception)


@pytest.fixture
def scenes(ros, node):
    recorder = JsonRecorder(ros, f"{node.get_fully_qualified_name()}/scene")
    yield recorder
    recorder.close()


@pytest.fixture
def streams(ros):
    """Start a publisher + repeater per call; all stopped and destroyed at the end."""
    started = []

    def start(msg_type, topic, make_msg, rate_hz=20.0):
        publisher = ros.publisher(msg_type, topic)
        repeater = Repeater(publisher, make_msg, rate_hz)
        started.append((publisher, repeater))
        return publisher, repeater

    yield start
    for publisher, repeater in started:
        repeater.stop()
        ros.helper.destroy_publisher(publisher)


def modalities_now(scenes: JsonRecorder) -> set[str]:
    latest = scenes.latest()
    return set(latest["modalities"]) if latest else set()


def max_gap(times: list[float]) -> float:
    return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def test_stopped_publisher_leaves_the_active_set_and_labels_keep_flowing(ros, scenes, streams):
    streams(Image, "/hp/camera", camera_msg)
    thermal_pub, thermal_stream = streams(Image, "/hp/thermal", thermal_msg)
    assert wait_until(lambda: modalities_now(scenes) == {"image", "thermal"}, 15.0)

    unplugged_at = time.monotonic()
    thermal_stream.stop()
    ros.helper.destroy_publisher(thermal_pub)
    assert wait_until(lambda: modalities_now(scenes) == {"image"}, STALE + 1 / RATE_HZ + 1.0)
    took = time.monotonic() - unplugged_at
    # Seen in the graph (publisher gone), well before the message timeout would tell.
    assert took < 0.7 * STALE, f"thermal left after {took:.2f} s"

    time.sleep(0.5)
    times = scenes.times_since(unplugged_at - 0.5)
    assert max_gap(times) < 5 / RATE_HZ, "labels stalled while a sensor left"
    assert all(s["labels"] for s in scenes.since(unplugged_at))


def test_silent_publisher_goes_stale_after_its_timeout(ros, scenes, streams):
    # A replayed bag never unadvertises: only the message timeout can unplug it.
    streams(Image, "/hp/camera", camera_msg)
    _, thermal_stream = streams(Image, "/hp/thermal", thermal_msg)
    assert wait_until(lambda: modalities_now(scenes) == {"image", "thermal"}, 15.0)
    silent_from = time.monotonic()
    thermal_stream.stop()
    assert wait_until(lambda: modalities_now(scenes) == {"image"}, STALE + 1.5)
    took = time.monotonic() - silent_from
    assert STALE - 0.1 <= took <= STALE + 1 / RATE_HZ + 0.5, f"stale after {took:.2f} s"


def test_new_publisher_is_plugged_in_and_logged_once(ros, node, scenes, streams):
    plug_logs: list[str] = []
    rosout = ros.helper.create_subscription(
        Log,
        "/rosout",
        lambda m: plug_logs.append(m.msg) if "'mic'" in m.msg else None,
        100,
        event_callbacks=without_subscription_events(),
    )
    try:
        streams(Image, "/hp/camera", camera_msg)
        assert wait_until(lambda: modalities_now(scenes) == {"image"}, 15.0)
        plugged_at = time.monotonic()
        streams(Int16MultiArray, "/hp/mic", audio_msg, rate_hz=10.0)
        # An audio clip is ~1 s of sound: it plugs in once the first full clip is encoded.
        assert wait_until(lambda: modalities_now(scenes) == {"image", "audio"}, 10.0)
        time.sleep(1.0)
        assert sum("plugged in" in m for m in plug_logs) == 1
        assert max_gap(scenes.times_since(plugged_at)) < 5 / RATE_HZ, "labels stalled"
    finally:
        ros.helper.destroy_subscription(rosout)


def test_sensor_added_and_removed_by_parameter_at_run_time(ros, node, scenes, streams):
    streams(Image, "/hp/camera", camera_msg)
    streams(Image, "/hp/rear", camera_msg)
    assert wait_until(lambda: modalities_now(scenes) == {"image"}, 15.0)
    client = AsyncParameterClient(ros.helper, node.get_fully_qualified_name())
    assert client.wait_for_services(timeout_sec=5.0)

    def set_params(*params: Parameter) -> list:
        future = client.set_parameters(list(params))
        assert wait_until(future.done, 5.0)
        return future.result().results

    changed_at = time.monotonic()
    names = [*SENSORS, "rear"]
    (result,) = set_params(Parameter("sensors.names", Parameter.Type.STRING_ARRAY, names))
    assert result.successful
    # Like `ros2 param set`: one parameter at a time; the slot appears once it is complete.
    assert set_params(Parameter("sensors.rear.modality", value="image"))[0].successful
    assert set_params(Parameter("sensors.rear.topic", value="/hp/rear"))[0].successful
    assert wait_until(lambda: "rear" in (scenes.latest() or {}).get("sensors", {}), 10.0)

    (result,) = set_params(Parameter("sensors.names", Parameter.Type.STRING_ARRAY, list(SENSORS)))
    assert result.successful
    assert wait_until(lambda: ros.helper.count_subscribers("/hp/rear") == 0, 5.0)
    assert wait_until(lambda: "rear" not in scenes.latest()["sensors"], 5.0)
    assert max_gap(scenes.times_since(changed_at)) < 5 / RATE_HZ, "labels stalled"


def test_unknown_modality_for_a_sensor_is_rejected_with_a_reason(ros, node):
    client = AsyncParameterClient(ros.helper, node.get_fully_qualified_name())
    assert client.wait_for_services(timeout_sec=5.0)
    future = client.set_parameters([Parameter("sensors.camera.modality", value="radar")])
    assert wait_until(future.done, 5.0)
    (result,) = future.result().results
    assert not result.successful
    assert "radar" in result.reason and "image, thermal" in result.reason


def test_discovery_adds_a_slot_for_a_matching_new_topic(ros, streams):
    perception = ros.add(
        PerceptionNode(
            model=untrained_model(),
            context=ros.context,
            namespace="discovery",
            parameter_overrides=[
                *overrides(discovery__enabled=True, discovery__period=0.2),
                Parameter(
                    "discovery.rules",
                    Parameter.Type.STRING_ARRAY,
                    ["sensor_msgs/msg/Image|/found/.*thermal.*|thermal"],
                ),
            ],
        )
    )
    recorder = JsonRecorder(ros, "/discovery/omnibind/scene")
    try:
        streams(Image, "/found/front_thermal", thermal_msg)
        assert wait_until(lambda: "found_front_thermal" in perception.sensor_names(), 10.0)
        assert wait_until(lambda: modalities_now(recorder) == {"thermal"}, 10.0)
    finally:
        recorder.close()
        ros.remove(perception)
