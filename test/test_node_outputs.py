"""What the node publishes: ~/scene JSON, /diagnostics, ~/overlay, ~/labels; labels at run time."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from fixtures_model import untrained_model
from rclpy.parameter import Parameter
from rclpy.parameter_client import AsyncParameterClient
from ros_harness import JsonRecorder, Repeater, latest_of, wait_until
from sensor_messages import camera_msg, thermal_msg
from sensor_msgs.msg import Image

from omnibind_ros.pipeline.inference import SceneResult, SensorResult
from omnibind_ros.pipeline.slots import SlotView
from omnibind_ros.ros import outputs
from omnibind_ros.ros.diagnostics import ERROR, OK, STALE, WARN, DiagnosticsReporter
from omnibind_ros.ros.optional import optional_module
from omnibind_ros.ros.perception_node import PerceptionNode

pytestmark = pytest.mark.ros

SCENE_SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "config" / "scene.schema.json").read_text()
)

RESULT = SceneResult(
    stamp_ns=2_000_000_000,
    top_k=[("dog", 0.7), ("person", 0.2)],
    sensors=[
        SensorResult("front", "image", "dog", 0.6, 2_000_000_000, "front_cam_optical", 0.5),
        SensorResult("rear", "image", "person", 0.8, 1_900_000_000, "rear_cam_optical", 0.2),
        SensorResult("mic", "audio", "dog", 0.5, 1_950_000_000, "", 0.3),
    ],
)


def test_scene_json_carries_stamp_labels_modalities_sensors_and_latency() -> None:
    scene = outputs.scene_dict(RESULT, now_ns=2_050_000_000, frame_id="base_link")
    assert scene["header"] == {"stamp": {"sec": 2, "nanosec": 0}, "frame_id": "base_link"}
    assert scene["labels"] == [{"label": "dog", "score": 0.7}, {"label": "person", "score": 0.2}]
    assert scene["modalities"] == ["audio", "image"]
    # Two cameras: the modality reports its most confident sensor.
    assert scene["per_modality"] == {
        "image": {"label": "person", "score": 0.8},
        "audio": {"label": "dog", "score": 0.5},
    }
    assert scene["sensors"]["rear"] == {
        "modality": "image", "label": "person", "score": 0.8, "stamp_ns": 1_900_000_000,
        "frame_id": "rear_cam_optical", "weight": 0.2,
    }  # fmt: skip
    assert scene["sensors"]["mic"]["frame_id"] == ""  # audio arrays carry no header
    assert scene["latency_ms"] == pytest.approx(50.0)
    assert scene["oldest_sample_ms"] == pytest.approx(150.0)


def test_scene_schema_is_valid_and_refuses_a_scene_missing_its_labels() -> None:
    jsonschema.Draft202012Validator.check_schema(SCENE_SCHEMA)
    scene = outputs.scene_dict(RESULT, now_ns=2_050_000_000, frame_id="base_link")
    jsonschema.validate(scene, SCENE_SCHEMA)
    del scene["labels"]
    with pytest.raises(jsonschema.ValidationError, match="'labels' is a required property"):
        jsonschema.validate(scene, SCENE_SCHEMA)


def test_a_scene_rests_on_the_frame_of_its_newest_framed_sample() -> None:
    assert RESULT.frame_id == "front_cam_optical"
    unframed = SceneResult(1, [("dog", 1.0)], [SensorResult("mic", "audio", "dog", 1.0, 1)])
    assert unframed.frame_id == ""


def test_overlay_draws_labels_on_a_copy_of_the_frame() -> None:
    frame = np.full((120, 160, 3), 200, np.uint8)
    drawn = outputs.draw_overlay(frame, outputs.overlay_lines(RESULT))
    assert drawn.shape == frame.shape and drawn.dtype == np.uint8
    assert (frame == 200).all()  # the camera's frame is untouched
    band = drawn[:28]
    yellow = (band[..., 0] > 128) & (band[..., 1] > 128) & (band[..., 2] < 64)
    assert (band == 0).all(axis=-1).mean() > 0.5 and yellow.sum() > 20  # dark band, yellow text
    assert (drawn[40:] == 200).all()
    assert outputs.overlay_lines(RESULT) == ["dog 0.70 | person 0.20", "sensors: audio image"]


def view(**changes) -> SlotView:
    base = dict(
        name="cam", modality="image", topic="/cam", active=True, reason="", embedding=None,
        stamp_ns=0, frame_id="", age=0.05, rate_hz=30.0, publishers=1, received=10,
        superseded=2, bad=0,
        encode_errors=0, encoded=8, last_error="",
    )  # fmt: skip
    return SlotView(**{**base, **changes})


def test_sensor_status_levels_follow_activity_and_new_problems() -> None:
    reporter = DiagnosticsReporter("/omnibind")
    ok = reporter.sensor_status(view())
    assert (ok.level, ok.message, ok.name) == (OK, "active", "/omnibind: sensor cam")
    assert ok.values["rate_hz"] == "30.0" and ok.values["dropped_superseded"] == "2"
    warn = reporter.sensor_status(view(bad=3, last_error="truncated"))
    assert warn.level == WARN and "3 bad messages" in warn.message
    assert reporter.sensor_status(view(bad=3)).level == OK  # nothing new since last report
    error = reporter.sensor_status(view(bad=3, encode_errors=1, last_error="boom"))
    assert error.level == ERROR
    stale = reporter.sensor_status(view(active=False, reason="no publisher", age=None))
    assert (stale.level, stale.values["age_s"]) == (STALE, "never")


def test_node_status_reports_latency_percentiles_and_warns_without_sensors() -> None:
    reporter = DiagnosticsReporter("/omnibind")
    status = reporter.node_status([view()], [0.001, 0.003], [0.010], 9.5, 6)
    assert status.level == OK and status.values["fusion_latency_ms_p50"] == "2.00"
    assert status.values["encode_latency_ms_p99"] == "10.00"
    assert reporter.node_status([view(active=False)], [], [], 0.0, 6).level == WARN
    assert reporter.node_status([view()], [], [], 0.0, 6, encoder_running=False).level == ERROR


# -- with DDS -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def node(ros):
    params = [
        Parameter("sensors.names", Parameter.Type.STRING_ARRAY, ["front", "heat"]),
        Parameter("sensors.front.modality", value="image"),
        Parameter("sensors.front.topic", value="/out/camera"),
        Parameter("sensors.heat.modality", value="thermal"),
        Parameter("sensors.heat.topic", value="/out/thermal"),
        Parameter("overlay.enabled", value=True),
        Parameter("diagnostics.period", value=0.2),
        Parameter("top_k", value=3),
    ]
    perception = ros.add(
        PerceptionNode(model=untrained_model(), context=ros.context, parameter_overrides=params)
    )
    camera = Repeater(ros.publisher(Image, "/out/camera"), camera_msg, 15.0)
    heat = Repeater(ros.publisher(Image, "/out/thermal"), thermal_msg, 9.0)
    yield perception
    camera.stop()
    heat.stop()
    ros.remove(perception)


@pytest.fixture(scope="module")
def scenes(ros, node):
    recorder = JsonRecorder(ros, "/omnibind/scene")
    assert wait_until(lambda: recorder.latest() is not None, 15.0)
    yield recorder
    recorder.close()


def test_scene_topic_publishes_the_documented_json(scenes) -> None:
    assert wait_until(lambda: set(scenes.latest()["modalities"]) == {"image", "thermal"}, 10.0)
    scene = scenes.latest()
    assert set(scene) == {"header", "labels", "modalities", "per_modality", "sensors",
                          "latency_ms", "oldest_sample_ms"}  # fmt: skip
    assert len(scene["labels"]) == 3
    assert set(scene["sensors"]) == {"front", "heat"}
    assert 0 <= scene["latency_ms"] < 5000
    for received in scenes.items()[-20:]:
        jsonschema.validate(received[1], SCENE_SCHEMA)  # config/scene.schema.json


def test_diagnostics_has_a_status_per_sensor_and_one_for_the_node(ros, scenes) -> None:
    msg = latest_of(ros, DiagnosticArray, "/diagnostics")
    names = {s.name for s in msg.status}
    assert names == {"/omnibind: sensor front", "/omnibind: sensor heat", "/omnibind: perception"}
    node_status = next(s for s in msg.status if s.name.endswith("perception"))
    values = {kv.key: kv.value for kv in node_status.values}
    assert node_status.level == DiagnosticStatus.OK
    assert float(values["fusion_latency_ms_p50"]) >= 0.0 and values["active_sensors"]
    assert float(values["gc_pause_ms_max"]) >= 0.0 and int(values["gc_collections"]) >= 0


def test_overlay_is_the_camera_frame_with_labels(ros, scenes) -> None:
    overlay = latest_of(ros, Image, "/omnibind/overlay")
    assert (overlay.width, overlay.height, overlay.encoding) == (64, 48, "rgb8")


def test_labels_change_at_run_time_and_bad_vocabularies_are_rejected(ros, node, scenes) -> None:
    client = AsyncParameterClient(ros.helper, "omnibind")
    assert client.wait_for_services(timeout_sec=5.0)

    def set_param(param: Parameter):
        future = client.set_parameters([param])
        assert wait_until(future.done, 5.0)
        return future.result().results[0]

    new = ["bicycle", "chair", "door", "glass window"]
    assert set_param(Parameter("labels", Parameter.Type.STRING_ARRAY, new)).successful
    assert wait_until(lambda: {x["label"] for x in scenes.latest()["labels"]} <= set(new), 5.0)

    empty = set_param(Parameter("labels", Parameter.Type.STRING_ARRAY, []))
    assert not empty.successful and "empty" in empty.reason
    twice = set_param(Parameter("labels", Parameter.Type.STRING_ARRAY, ["door", "door"]))
    assert not twice.successful and "repeated: door" in twice.reason
    assert not set_param(Parameter("model.bundle", value="/other.omnibind")).successful
    assert node.model.labels == new


def test_labels_topic_exists_exactly_when_vision_msgs_is_installed(ros, scenes) -> None:
    topics = dict(ros.helper.get_topic_names_and_types())
    assert ("/omnibind/labels" in topics) == outputs.vision_msgs_available()
    assert topics["/omnibind/scene"] == ["std_msgs/msg/String"]


@pytest.mark.skipif(
    not outputs.vision_msgs_available(),
    reason="vision_msgs is not on PyPI; a ROS install with vision_msgs runs this",
)
def test_vision_labels_name_their_classes_through_label_info(ros, node, scenes) -> None:
    vision = optional_module("vision_msgs.msg")
    classification = latest_of(ros, vision.Classification, "/omnibind/labels")
    info = latest_of(ros, vision.LabelInfo, "/omnibind/label_info")
    names = {c.class_id: c.class_name for c in info.class_map}
    labels = [names[int(h.class_id)] for h in classification.results]
    assert len(labels) == 3 and set(labels) <= set(node.model.labels)
