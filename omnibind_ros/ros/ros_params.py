"""Declaring the parameter table of ``params.py`` on an rclpy node, and reading values back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor, ParameterType
from rclpy.exceptions import InvalidParameterValueException, ParameterUninitializedException
from rclpy.node import Node
from rclpy.parameter import Parameter

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.pipeline.params import ParamSpec

_TYPES = {
    "bool": ParameterType.PARAMETER_BOOL,
    "int": ParameterType.PARAMETER_INTEGER,
    "string": ParameterType.PARAMETER_STRING,
    "string_array": ParameterType.PARAMETER_STRING_ARRAY,
}


def declare(node: Node, name: str, spec: ParamSpec, read_only: bool = False) -> None:
    """Declare ``name`` (a YAML or launch override wins over the spec's default), with its
    range when the spec has limits (`ros2 param describe` shows it; rclpy refuses a value
    outside it, at start as a ConfigError naming the range)."""
    if node.has_parameter(name):
        return
    descriptor = _descriptor(spec, read_only)
    try:
        if spec.kind == "float":
            node.declare_parameter(name, float(spec.default), descriptor)
        elif spec.kind == "string_array" and not spec.default:
            # An empty list has no type in rclpy: declare the type, uninitialised.
            node.declare_parameter(name, Parameter.Type.STRING_ARRAY, descriptor)
        else:
            node.declare_parameter(name, spec.default, descriptor)
    except InvalidParameterValueException as err:
        # rclpy's message reads "... out of range Min: a, Max: b, value: <given>: <name>".
        given = str(err).rpartition("value: ")[2].partition(":")[0]
        low, high = spec.limits or ("?", "?")
        raise ConfigError(f"{name} must lie in [{low}, {high}], got {given}") from None


def _descriptor(spec: ParamSpec, read_only: bool) -> ParameterDescriptor:
    if spec.kind == "float":
        # YAML `rate_hz: 5` is an int; accept it and let params.py check the number.
        descriptor = ParameterDescriptor(
            description=spec.description, dynamic_typing=True, read_only=read_only
        )
    else:
        descriptor = ParameterDescriptor(
            description=spec.description, type=_TYPES[spec.kind], read_only=read_only
        )
    if spec.limits is not None:
        low, high = spec.limits
        if spec.kind == "int":
            descriptor.integer_range = [IntegerRange(from_value=low, to_value=high, step=1)]
        else:
            descriptor.floating_point_range = [
                FloatingPointRange(from_value=float(low), to_value=float(high), step=0.0)
            ]
    return descriptor


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
