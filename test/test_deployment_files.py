"""Container images and viewer configs: the Dockerfile parses (BuildKit's own parser) into the
documented targets on the official ROS Jazzy image, and the Foxglove layout and RViz config
show topics the real node publishes. Building the images needs Docker and a network: not here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import dockerfile
import pytest
import yaml
from fixtures_model import untrained_model
from rclpy.parameter import Parameter

from omnibind_ros.ros.perception_node import PerceptionNode

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "docker" / "Dockerfile"


def stages() -> dict[str, list[dockerfile.Command]]:
    """Commands per build stage, by the stage's AS name."""
    found: dict[str, list[dockerfile.Command]] = {}
    current: list[dockerfile.Command] = []
    for command in dockerfile.parse_file(str(DOCKERFILE)):
        if command.cmd == "FROM":
            current = found.setdefault(command.value[-1], [])
        current.append(command)
    return found


def test_dockerfile_has_cpu_and_cuda_targets_on_the_official_ros_jazzy_image() -> None:
    built = stages()
    assert set(built) == {"base", "cpu", "cuda"}
    assert built["base"][0].value[0] == "ros:jazzy-ros-base"
    assert built["cpu"][0].value[0] == built["cuda"][0].value[0] == "base"
    runs = {name: " ".join(" ".join(c.value) for c in cmds if c.cmd == "RUN")
            for name, cmds in built.items()}  # fmt: skip
    assert "rosdep install --from-paths src" in runs["base"] and "colcon build" in runs["base"]
    assert "tensorrt" in runs["cuda"] and "onnxruntime-gpu" in runs["cuda"]
    assert "onnxruntime" in runs["cpu"] and "tensorrt" not in runs["cpu"]


def test_dockerfile_copies_only_files_that_exist() -> None:
    for command in dockerfile.parse_file(str(DOCKERFILE)):
        if command.cmd == "COPY":
            *sources, _destination = command.value
            for source in sources:
                assert (ROOT / source).exists(), source
    entrypoint = ROOT / "docker" / "entrypoint.sh"
    assert os.access(entrypoint, os.X_OK)


@pytest.fixture(scope="module")
def published_topics(ros) -> set[str]:
    params = [
        Parameter("sensors.names", Parameter.Type.STRING_ARRAY, ["cam"]),
        Parameter("sensors.cam.modality", value="image"),
        Parameter("sensors.cam.topic", value="camera/image_raw"),
    ]
    node = PerceptionNode(model=untrained_model(), context=ros.context, parameter_overrides=params)
    try:
        return {name for name, _ in node.get_publisher_names_and_types_by_node("omnibind", "/")}
    finally:
        node.destroy_node()


@pytest.mark.ros
def test_foxglove_layout_shows_overlay_scene_and_diagnostics(published_topics) -> None:
    layout = json.loads((ROOT / "config" / "foxglove_layout.json").read_text())
    panels = layout["configById"]

    def leaves(tree) -> list[str]:
        if isinstance(tree, str):
            return [tree]
        return [*leaves(tree["first"]), *leaves(tree["second"])]

    assert sorted(leaves(layout["layout"])) == sorted(panels)
    topics = {
        panels["Image!omnibind_overlay"]["imageMode"]["imageTopic"],
        panels["RawMessages!omnibind_scene"]["topicPath"].split(".")[0],
        panels["DiagnosticSummary!omnibind_diagnostics"]["topicToRender"],
    }
    assert topics == {"/omnibind/overlay", "/omnibind/scene", "/diagnostics"}
    assert topics <= published_topics


@pytest.mark.ros
def test_rviz_config_shows_the_overlay(published_topics) -> None:
    rviz = yaml.safe_load((ROOT / "config" / "omnibind.rviz").read_text())
    displays = rviz["Visualization Manager"]["Displays"]
    images = [d["Topic"]["Value"] for d in displays if d["Class"] == "rviz_default_plugins/Image"]
    assert images == ["/omnibind/overlay"] and set(images) <= published_topics
