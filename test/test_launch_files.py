"""Launch files and the configs they load, checked without `launch` (not installable here).

The config must declare every parameter the node reads with a value the node accepts, the
launch files must name executables setup.py installs and files that exist, and the configs
must start the real node.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest
import rclpy
import yaml
from fixtures_model import untrained_model

from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.eval.params_file import flatten_parameters
from omnibind_ros.pipeline.params import (
    NODE_PARAMETERS,
    SENSOR_PARAMETERS,
    parse_node_config,
    parse_sensor_config,
)
from omnibind_ros.ros.perception_node import PerceptionNode
from omnibind_ros.ros.sim_sensors_node import SimSensorsNode

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"
LAUNCH_FILES = sorted((ROOT / "launch").glob("*.launch.py"))


def node_section(path: Path, node: str) -> dict[str, object]:
    return flatten_parameters(yaml.safe_load(path.read_text())[f"/**/{node}"]["ros__parameters"])


PERCEPTION = node_section(CONFIG / "perception.yaml", "omnibind")


def test_perception_config_sets_every_node_parameter_to_an_accepted_value() -> None:
    missing = [spec.name for spec in NODE_PARAMETERS if spec.name not in PERCEPTION]
    assert missing == []
    config = parse_node_config(PERCEPTION.__getitem__, Path("/unused"))
    assert config.sensor_names


def test_perception_config_has_no_parameter_the_node_does_not_know() -> None:
    known = {spec.name for spec in NODE_PARAMETERS}
    sensor_keys = {spec.name for spec in SENSOR_PARAMETERS}
    unknown = [
        key
        for key in PERCEPTION
        if key not in known
        and not (key.startswith("sensors.") and key.split(".")[-1] in sensor_keys)
    ]
    assert unknown == []


def test_perception_config_sensors_are_complete_and_show_every_option() -> None:
    names = PERCEPTION["sensors.names"]
    modalities = set()
    for name in names:
        values = {
            key.split(".")[-1]: value
            for key, value in PERCEPTION.items()
            if key.startswith(f"sensors.{name}.")
        }
        config = parse_sensor_config(name, lambda key, values=values: values.get(key))
        modalities.add(config.modality)
        expected = {s.name for s in SENSOR_PARAMETERS if config.modality in s.modalities}
        assert set(values) == expected, name  # each option of its modality is documented
    assert modalities == set(SENSOR_MODALITIES)


def test_demo_config_only_sets_parameters_the_nodes_declare() -> None:
    demo = yaml.safe_load((CONFIG / "demo.yaml").read_text())
    assert set(demo) == {"/**/omnibind", "/**/omnibind_sim_sensors"}
    sensor_keys = {spec.name for spec in SENSOR_PARAMETERS}
    for key in node_section(CONFIG / "demo.yaml", "omnibind"):
        assert key.startswith("sensors.") and key.split(".")[-1] in sensor_keys, key
    context = rclpy.Context()
    rclpy.init(context=context)
    try:
        sim = SimSensorsNode(context=context)
        undeclared = [
            key
            for key in node_section(CONFIG / "demo.yaml", "omnibind_sim_sensors")
            if not sim.has_parameter(key)
        ]
        sim.destroy_node()
    finally:
        rclpy.shutdown(context=context)
    assert undeclared == []


def test_the_configs_start_the_real_node_through_the_ros_parameter_parser() -> None:
    context = rclpy.Context()
    args = ["--ros-args", "--params-file", str(CONFIG / "perception.yaml")]
    rclpy.init(args=[*args, "--params-file", str(CONFIG / "demo.yaml")], context=context)
    try:
        node = PerceptionNode(model=untrained_model(), context=context)
        assert node.sensor_names() == tuple(PERCEPTION["sensors.names"])
        assert node.get_parameter("sensors.event.width").value == 128  # demo.yaml on top
        assert node.get_parameter("rate_hz").value == PERCEPTION["rate_hz"]
        node.destroy_node()
    finally:
        rclpy.shutdown(context=context)


def launch_strings(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_launch_file_names_installed_executables_and_existing_files(path: Path) -> None:
    setup = (ROOT / "setup.py").read_text()
    scripts = set(re.findall(r'"(\w+) = omnibind_ros[\w.]+:main"', setup))
    strings = launch_strings(path)
    executables = strings & {"perception_node", "sim_sensors", "replay_evaluator"}
    assert executables and executables <= scripts
    for name in strings:
        if re.fullmatch(r"[\w.]+\.(yaml|xml|launch\.py)", name):
            assert (ROOT / "config" / name).exists() or (ROOT / "launch" / name).exists(), name


def test_launch_files_set_the_large_message_dds_profile() -> None:
    for path in LAUNCH_FILES:
        strings = launch_strings(path)
        assert "FASTRTPS_DEFAULT_PROFILES_FILE" in strings, path.name
        assert "fastdds_large_messages.xml" in strings, path.name


def test_perception_launch_declares_the_documented_arguments() -> None:
    strings = launch_strings(ROOT / "launch" / "perception.launch.py")
    for argument in ("config", "namespace", "use_sim_time", "model_bundle", "backend", "device",
                     "log_level"):  # fmt: skip
        assert argument in strings


@pytest.mark.skipif(
    importlib.util.find_spec("launch_ros") is None,
    reason="launch/launch_ros are not installable from PyPI; a ROS install runs this",
)
@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_launch_description_builds(path: Path) -> None:
    spec = importlib.util.spec_from_file_location(path.stem.replace(".", "_"), path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    description = module.generate_launch_description()
    assert description.entities
