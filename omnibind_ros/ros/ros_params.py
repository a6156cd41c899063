"""Declaring the parameter table of ``params.py`` on an rclpy node, and reading values back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor, ParameterType
from rclpy.exceptions import ParameterUninitializedException
from rclpy.node import Node
from rclpy.parameter import Parameter

from omnibind_ros.pipeline.params import ParamSpec

_TYPES = {
    "bool": ParameterType.PARAMETER_BOOL,
    "int": ParameterType.PARAMETER_INTEGER,
    "string": ParameterType.PARAMETER_STRING,
    "string_array": ParameterType.PARAMETER_STRING_ARRAY,
}


def declare(node: Node, name: str, spec: ParamSpec, read_only: bool = False) -> None:
    """Declare ``name`` (a YAML or launch override wins over the spec's default)."""
    if node.has_parameter(name):
        return
    if spec.kind == "float":
        # YAML `rate_hz: 5` is an int; accept it and let params.py check the number.
        descriptor = ParameterDescriptor(
            description=spec.description, dynamic_typing=True, read_only=read_only
        )
        node.declare_parameter(name, float(spec.default), descriptor)
        return
    descriptor = ParameterDescriptor(
        description=spec.description, type=_TYPES[spec.kind], read_only=read_only
    )
    if spec.kind == "string_array" and not spec.default:
        # An empty list has no type in rclpy: declare the type, uninitialised.
        node.declare_parameter(name, Parameter.Type.STRING_ARRAY, descriptor)
    else:
        node.declare_parameter(name, spec.default, descriptor)


def declare_all(
    node: Node, specs: Iterable[ParamSpec], prefix: str = "", read_only: Iterable[str] = ()
) -> None:
    frozen = set(read_only)
    for spec in specs:
        declare(node, prefix + spec.name, spec, read_only=spec.name in frozen)


def value(node: Node, name: str, default: Any = None) -> Any:
    """The parameter's value; ``default`` when it is declared but was never given one."""
    try:
        current = node.get_parameter(name).value
    except ParameterUninitializedException:
        return default
    return default if current is None else current
