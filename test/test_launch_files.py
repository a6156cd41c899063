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
from omnibind_ros.ros import launch_support
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


def declared_arguments(path: Path) -> dict[str, bool]:
    """Launch argument name -> whether it is declared with choices."""
    declared = {}
    for node in ast.walk(ast.parse(path.read_text())):
        name = getattr(node.func, "id", "") if isinstance(node, ast.Call) else ""
        if name == "DeclareLaunchArgument":
            declared[node.args[0].value] = any(k.arg == "choices" for k in node.keywords)
        elif name == "choice_argument":
            declared[node.args[0].value] = True
        elif name in ("use_sim_time_argument", "log_level_argument"):
            declared[name.removesuffix("_argument")] = True
    return declared


def called_names(path: Path) -> set[str]:
    return {
        node.func.id
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def test_perception_launch_declares_the_documented_arguments_with_choices() -> None:
    declared = declared_arguments(ROOT / "launch" / "perception.launch.py")
    expected = {"config", "extra_config", "namespace", "use_sim_time", "model_bundle", "backend",
                "device", "log_level", "dds_profile"}  # fmt: skip
    assert set(declared) == expected
    for argument in ("use_sim_time", "backend", "device", "log_level"):
        assert declared[argument], argument


def test_demo_launch_declares_namespace_and_sim_time() -> None:
    declared = declared_arguments(ROOT / "launch" / "demo.launch.py")
    assert {"namespace", "use_sim_time", "seed", "model_bundle", "log_level"} <= set(declared)
    assert declared["use_sim_time"] and declared["log_level"]


@pytest.mark.parametrize("path", LAUNCH_FILES, ids=lambda p: p.name)
def test_launch_files_start_plain_nodes_and_parse_booleans_with_launch_support(path) -> None:
    names = called_names(path)
    assert "Node" in names and "OpaqueFunction" not in names  # `ros2 launch --print` shows it
    if '"perception_node"' in path.read_text():  # starts the node itself, not by an include
        assert "log_level_arguments" in names
    if "use_sim_time_argument" in names:
        assert "as_bool" in names
    assert '== "true"' not in path.read_text()


@pytest.mark.parametrize("word", launch_support.BOOL_CHOICES)
def test_use_sim_time_choices_evaluate_to_the_boolean_they_name(word) -> None:
    source = launch_support.expression_source(launch_support.BOOL_EXPRESSION, word)
    assert eval(source, {}, {}) is (word in launch_support.TRUE_WORDS)  # as PythonExpression does
    assert str(eval(source, {}, {})) in ("True", "False")  # what value_type=bool then reads


@pytest.mark.parametrize(
    ("namespace", "logger"),
    [("", "omnibind"), ("robot1", "robot1.omnibind"), ("/robot1", "robot1.omnibind"),
     ("/fleet/robot1", "fleet.robot1.omnibind")],
)  # fmt: skip
def test_log_level_names_the_node_logger_rclpy_gives_the_node(ros, namespace, logger) -> None:
    expression = launch_support.LOGGER_EXPRESSION
    source = launch_support.expression_source(expression, namespace, node="omnibind")
    assert eval(source, {}, {}) == logger
    node = rclpy.create_node("omnibind", namespace=namespace or None, context=ros.context)
    try:
        assert node.get_logger().name == logger
    finally:
        node.destroy_node()


def test_optional_overrides_apply_only_when_given() -> None:
    given = launch_support.GIVEN_EXPRESSION
    assert eval(launch_support.expression_source(given, ""), {}, {}) is False
    assert eval(launch_support.expression_source(given, "/data/it's.omnibind"), {}, {}) is True


def test_backend_and_device_choices_are_what_the_runtime_accepts() -> None:
    from omnibind_ros.runtime.backend_choice import BACKENDS

    assert set(launch_support.BACKENDS) == {"", *BACKENDS}
    assert {"cpu", "cuda", "cuda:0"} <= set(launch_support.DEVICES)


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
    from launch import LaunchIntrospector

    assert "ExecuteProcess" in LaunchIntrospector().format_launch_description(description)


@pytest.mark.skipif(
    importlib.util.find_spec("launch_ros") is None,
    reason="launch/launch_ros are not installable from PyPI; a ROS install runs this",
)
@pytest.mark.parametrize("word", launch_support.BOOL_CHOICES)
def test_use_sim_time_is_a_real_bool_through_launch(word) -> None:
    from launch import LaunchContext

    context = LaunchContext()
    context.launch_configurations["use_sim_time"] = word
    value = launch_support.as_bool("use_sim_time").evaluate(context)
    assert value is (word in launch_support.TRUE_WORDS)
