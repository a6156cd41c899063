"""Bags as `omnibind sim record` writes them, and bags `omnibind eval` must refuse in one line
(corrupt, empty, nothing matching) or evaluate without truth (predictions only)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from eval_fixtures import SIM_CONFIGS, START_NS
from rclpy.serialization import serialize_message
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys import Stores, get_typestore
from std_msgs.msg import String

from omnibind_ros.cli import main
from omnibind_ros.eval.record import SENSOR_QOS
from omnibind_ros.ros.conversions import image_to_msg
from omnibind_ros.ros.entities import without_publisher_events
from omnibind_ros.ros.sim_sensors_node import GROUND_TRUTH_TOPIC

pytestmark = pytest.mark.ros
TYPESTORE = get_typestore(Stores.ROS2_JAZZY)


def write_bag(path: Path, topics: dict[str, tuple[str, list[bytes]]], storage="mcap") -> Path:
    """A bag of ``topic -> (type, messages)``, one message every 0.1 s."""
    plugin = {"mcap": StoragePlugin.MCAP, "sqlite3": StoragePlugin.SQLITE3}[storage]
    with Writer(path, version=9, storage_plugin=plugin) as writer:
        for topic, (msg_type, messages) in topics.items():
            if msg_type.startswith("acme_msgs/"):  # a type this machine does not have
                connection = writer.add_connection(
                    topic, msg_type, msgdef="int32 x", rihs01="RIHS01_" + "0" * 64,
                    offered_qos_profiles=[SENSOR_QOS],
                )  # fmt: skip
            else:
                connection = writer.add_connection(
                    topic, msg_type, typestore=TYPESTORE, offered_qos_profiles=[SENSOR_QOS]
                )
            for k, data in enumerate(messages):
                writer.write(connection, START_NS + k * 100_000_000, data)
    return path


def camera_frames(count: int) -> list[bytes]:
    rng = np.random.default_rng(0)
    frames = []
    for k in range(count):
        pixels = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
        msg = image_to_msg(pixels, "rgb8", START_NS + k * 100_000_000, "camera")
        frames.append(serialize_message(msg))
    return frames


def one_line_error(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.mark.slow
def test_recorded_bag_is_rosbag2_jazzy_with_qos_and_the_graphs_type_hashes(ros, tmp_path) -> None:
    out = tmp_path / "bag"
    assert main(["sim", "record", str(out), "--seconds", "1", "--no-progress"]) == 0
    meta = yaml.safe_load((out / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert meta["version"] == 9 and meta["storage_identifier"] == "mcap"
    assert (out / meta["relative_file_paths"][0]).is_file()
    topics = {t["topic_metadata"]["name"]: t for t in meta["topics_with_message_count"]}
    assert set(topics) == {
        "/camera/image_raw", "/thermal/image_raw", "/events", "/tactile/image_raw", "/audio",
        "/lidar/points", GROUND_TRUTH_TOPIC,
    }  # fmt: skip
    assert sum(t["message_count"] for t in topics.values()) == meta["message_count"] > 50
    camera = topics["/camera/image_raw"]["topic_metadata"]
    assert camera["offered_qos_profiles"][0]["reliability"] == "best_effort"
    truth = topics[GROUND_TRUTH_TOPIC]["topic_metadata"]
    assert truth["offered_qos_profiles"][0]["durability"] == "transient_local"
    # ros2 bag record stores the hash the graph reports for each publisher's type: the same.
    from omnibind_ros.ros.optional import message_class

    for name, entry in topics.items():
        metadata = entry["topic_metadata"]
        publisher = ros.helper.create_publisher(
            message_class(metadata["type"]), f"/hash_check{name}", 1,
            event_callbacks=without_publisher_events(),
        )  # fmt: skip
        (info,) = ros.helper.get_publishers_info_by_topic(f"/hash_check{name}")
        assert str(info.topic_type_hash) == metadata["type_description_hash"], name
        ros.helper.destroy_publisher(publisher)


def test_sqlite3_recording_holds_a_db3_file(tmp_path) -> None:
    out = tmp_path / "bag"
    args = ["sim", "record", str(out), "--seconds", "0.3", "--storage", "sqlite3"]
    assert main([*args, "--no-progress"]) == 0
    meta = yaml.safe_load((out / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    assert meta["storage_identifier"] == "sqlite3"
    assert (out / "bag.db3").is_file()


def test_missing_corrupt_and_empty_bags_give_one_line_errors(capsys, tmp_path) -> None:
    report = ["--report", str(tmp_path / "report")]
    err = one_line_error(capsys, ["eval", str(tmp_path / "absent"), *report])
    assert "absent" in err and "no such bag" in err
    for name in ("junk.mcap", "junk.db3"):
        (tmp_path / name).write_bytes(b"not a bag at all" * 100)
        err = one_line_error(capsys, ["eval", str(tmp_path / name), *report])
        assert name in err and "not a readable rosbag2 bag" in err
    empty = write_bag(tmp_path / "empty", {"/camera/image_raw": ("sensor_msgs/msg/Image", [])})
    err = one_line_error(capsys, ["eval", str(empty), *report])
    assert "empty" in err and "no messages" in err


def test_a_bag_without_matching_topics_names_what_the_sensors_want(capsys, tmp_path) -> None:
    chatter = [serialize_message(String(data="hello"))]
    bag = write_bag(tmp_path / "chatter", {"/chatter": ("std_msgs/msg/String", chatter)})
    err = one_line_error(capsys, ["eval", str(bag), "--report", str(tmp_path / "r")])
    assert "chatter" in err and "no topic matches a sensor" in err and "--remap" in err


def test_bad_annotations_and_missing_truth_topic_give_one_line_errors(capsys, tmp_path) -> None:
    bag = write_bag(tmp_path / "cam", {"/camera/image_raw": ("sensor_msgs/msg/Image",
                                                            camera_frames(2))})  # fmt: skip
    labels = tmp_path / "labels.csv"
    labels.write_text("begin,label\n0,dog\n")
    report = ["--report", str(tmp_path / "r")]
    err = one_line_error(capsys, ["eval", str(bag), "--annotations", str(labels), *report])
    assert "labels.csv" in err and "start, end, label" in err
    err = one_line_error(capsys, ["eval", str(bag), "--truth-topic", "/labels", *report])
    assert "/labels" in err


@pytest.mark.slow
def test_without_truth_unknown_types_and_bad_bytes_are_reported(capsys, tmp_path) -> None:
    frames = camera_frames(10)
    frames[3:6] = [b"\x00\x01\x00\x00 not CDR of an Image"] * 3  # a damaged stretch
    bag = write_bag(
        tmp_path / "robot",
        {
            "/front/image": ("sensor_msgs/msg/Image", frames),
            "/gripper/state": ("acme_msgs/msg/Gripper", [b"\x00\x01\x00\x00\x2a\x00\x00\x00"]),
        },
        storage="sqlite3",
    )
    out = tmp_path / "report"
    argv = ["eval", str(bag / "robot.db3"), "--report", str(out), "--backend", "torch",
            "--remap", "/front/image:=/camera/image_raw", "--no-progress",
            *(a for c in SIM_CONFIGS for a in ("--config", str(c)))]  # fmt: skip
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "robot.db3: no ground truth" in err and "predictions only" in err
    document = json.loads((out / "report.json").read_text())
    roles = {u["topic"]: (u["role"], u["mapped"]) for u in document["bag"]["topics"]}
    assert roles["/front/image"] == ("sensor", "/camera/image_raw")
    assert roles["/gripper/state"][0] == "unknown"
    metrics = document["models"][0]["metrics"]
    assert metrics["scenes"] > 0 and metrics["judged"] == 0 and metrics["accuracy"] is None
    assert document["models"][0]["metrics"]["by_combination"][0]["modalities"] == ["image"]
    (camera,) = [s for s in document["models"][0]["sensors"] if s["sensor"] == "camera"]
    assert (camera["received"], camera["bad"]) == (10, 3)
    assert "not a valid message" in camera["last_error"]
    markdown = (out / "report.md").read_text()
    assert "acme_msgs/msg/Gripper is not installed here" in markdown
    assert "predictions only" in markdown
