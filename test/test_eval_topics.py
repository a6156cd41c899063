"""Mapping a bag onto the node's parameter file: sections that name the node, relative topics,
remaps, and a reason for every topic that is not used."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from omnibind_ros.eval.bag import BagSummary, TopicInfo
from omnibind_ros.eval.errors import EvalError
from omnibind_ros.eval.params_file import load_settings, read_parameters
from omnibind_ros.eval.topics import parse_remaps, plan_topics, resolve_topic
from omnibind_ros.eval.truth import read_annotations, truth_from_changes

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, tree: dict) -> Path:
    path.write_text(yaml.safe_dump(tree))
    return path


def test_sections_naming_the_node_merge_in_file_order(tmp_path) -> None:
    first = write(tmp_path / "a.yaml", {
        "/**": {"ros__parameters": {"top_k": 2, "rate_hz": 5.0}},
        "/other_node": {"ros__parameters": {"top_k": 9}},
    })  # fmt: skip
    second = write(tmp_path / "b.yaml", {"/robot/omnibind": {"ros__parameters": {"top_k": 3}}})
    values = read_parameters([first, second])
    assert values["top_k"] == 3 and values["rate_hz"] == 5.0


def test_settings_come_from_the_nodes_own_parser(tmp_path) -> None:
    settings = load_settings([ROOT / "config" / "perception.yaml", ROOT / "config" / "demo.yaml"])
    assert settings.sensors["event"].option("width") == 128
    bad = write(tmp_path / "bad.yaml", {"/**/omnibind": {"ros__parameters": {"top_k": 0}}})
    with pytest.raises(EvalError, match=r"bad\.yaml: top_k must be at least 1"):
        load_settings([bad])


def test_relative_topics_resolve_under_the_namespace() -> None:
    assert resolve_topic("camera/image_raw") == "/camera/image_raw"
    assert resolve_topic("camera/image_raw", "/robot1") == "/robot1/camera/image_raw"
    assert resolve_topic("/abs", "/robot1") == "/abs"
    assert resolve_topic("~/scene", "robot1/") == "/robot1/omnibind/scene"


def test_every_topic_gets_a_role_and_a_reason() -> None:
    settings = load_settings([ROOT / "config" / "perception.yaml"])
    topics = {
        "/front/image": TopicInfo("/front/image", "sensor_msgs/msg/Image", 10),
        "/thermal/image_raw": TopicInfo("/thermal/image_raw", "sensor_msgs/msg/CompressedImage", 4),
        "/gripper": TopicInfo("/gripper", "acme_msgs/msg/Gripper", 3),
        "/rosout": TopicInfo("/rosout", "rcl_interfaces/msg/Log", 7),
        "/labels": TopicInfo("/labels", "std_msgs/msg/String", 2),
    }
    summary = BagSummary(Path("bag"), "mcap", 0, 1, 26, topics)
    plan = plan_topics(
        summary, settings.sensors, "/labels", parse_remaps(["/front/image:=/camera/image_raw"])
    )
    uses = {u.topic: u for u in plan.uses}
    assert (uses["/front/image"].role, uses["/front/image"].sensor) == ("sensor", "camera")
    assert uses["/labels"].role == "truth"
    assert uses["/gripper"].role == "unknown" and "not installed" in uses["/gripper"].reason
    assert uses["/rosout"].role == "ignored" and "no sensor" in uses["/rosout"].reason
    assert "subscribes with sensor_msgs/msg/Image" in uses["/thermal/image_raw"].reason
    assert "another message type" in plan.missing["thermal"]
    assert plan.missing["mic"] == "/audio is not in the bag"
    with pytest.raises(EvalError, match="expected /from:=/to"):
        parse_remaps(["camera:=/x"])


def test_annotations_hold_their_ranges_and_the_topic_until_the_next_label(tmp_path) -> None:
    start = 1_700_000_000_000_000_000
    path = tmp_path / "labels.csv"
    path.write_text("start,end,label\n0,2.5,dog\n3,4,car\n")
    truth = read_annotations(path, start)
    assert truth.label_at(start + 1_000_000_000) == "dog"
    assert truth.label_at(start + 2_700_000_000) is None  # between ranges: not judged
    absolute = tmp_path / "abs.yaml"
    absolute.write_text(yaml.safe_dump([{"start": 1_700_000_003.0, "end": 1_700_000_004.0,
                                         "label": "car"}]))  # fmt: skip
    assert read_annotations(absolute, 0).label_at(start + 3_500_000_000) == "car"
    overlap = tmp_path / "overlap.csv"
    overlap.write_text("start,end,label\n0,2,dog\n1,3,car\n")
    with pytest.raises(EvalError, match="overlap"):
        read_annotations(overlap, start)
    topic = truth_from_changes([(5, "b"), (1, "a")], "topic")
    assert [topic.label_at(t) for t in (0, 1, 4, 5, 10**18)] == [None, "a", "a", "b", "b"]
