"""The perception node's settings read from ROS parameter files, as `--params-file` gives them.

The same parsing the node uses (``parse_node_config``/``parse_sensor_config``) runs on the
flattened ``ros__parameters`` of every section that names the node (``/**``, ``/**/omnibind``,
``omnibind``, ``/ns/omnibind``); later files and sections override earlier ones, as in rcl.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.eval.errors import EvalError
from omnibind_ros.paths import default_bundle_path
from omnibind_ros.pipeline.params import (
    NODE_PARAMETERS,
    SENSOR_PARAMETERS,
    NodeConfig,
    SensorConfig,
    parse_node_config,
    parse_sensor_config,
)
from omnibind_ros.ros.perception_node import NODE_NAME

_NODE_DEFAULTS = {spec.name: spec.default for spec in NODE_PARAMETERS}
_SENSOR_DEFAULTS = {spec.name: spec.default for spec in SENSOR_PARAMETERS}


@dataclass(frozen=True)
class NodeSettings:
    node: NodeConfig
    sensors: dict[str, SensorConfig]
    files: tuple[Path, ...]


def read_parameters(files: Sequence[Path], node_name: str = NODE_NAME) -> dict[str, Any]:
    """Flat parameter names -> values for ``node_name`` from ``files``, later files winning."""
    values: dict[str, Any] = {}
    for path in files:
        try:
            tree = yaml.safe_load(Path(path).read_text())
        except (OSError, yaml.YAMLError) as err:
            raise EvalError(f"{path}: cannot read the parameter file: {_first_line(err)}") from None
        if not isinstance(tree, dict):
            raise EvalError(f"{path}: not a ROS parameter file (expected node: ros__parameters:)")
        for section, body in tree.items():
            if _names_node(str(section), node_name) and isinstance(body, dict):
                values.update(flatten_parameters(body.get("ros__parameters") or {}))
    return values


def load_settings(files: Sequence[Path]) -> NodeSettings:
    """The node's configuration and its complete sensors; EvalError names the file and fix."""
    values = read_parameters(files)
    where = ", ".join(str(f) for f in files)
    try:
        node = parse_node_config(
            lambda name: values.get(name, _NODE_DEFAULTS[name]), default_bundle_path()
        )
        sensors = {
            name: parse_sensor_config(
                name, lambda key, n=name: values.get(f"sensors.{n}.{key}", _SENSOR_DEFAULTS[key])
            )
            for name in node.sensor_names
        }
    except ConfigError as err:
        raise EvalError(f"{where}: {err}") from None
    return NodeSettings(node, sensors, tuple(Path(f) for f in files))


def _names_node(section: str, node_name: str) -> bool:
    last = section.rstrip("/").rsplit("/", 1)[-1]
    return last in ("**", node_name)


def flatten_parameters(tree: dict, prefix: str = "") -> dict[str, Any]:
    """Nested ``ros__parameters`` as the flat dotted names the node declares."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten_parameters(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
