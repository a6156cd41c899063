"""Declaring the parameter table of ``params.py`` on an rclpy node, and reading values back."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor, ParameterType
from rclpy.exceptions import (
    InvalidParameterTypeException,
    InvalidParameterValueException,
    ParameterUninitializedException,
)
from rclpy.node import Node
from rclpy.parameter import Parameter

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.pipeline.params import ParamSpec

_EXPECTED = {
    "bool": "true or false",
    "int": "an integer (e.g. 16000, not 16000.0)",
    "float": "a number",
    "string": "a string",
    "string_array": "a list of strings (e.g. [camera], not camera)",
}
# rclpy: "Trying to set parameter 'x' to '16000.0' of type 'DOUBLE', expecting type ..."
_GIVEN = re.compile(r"to '(?P<value>.*)' of type '(?P<type>\w+)'")
_TYPES = {
    "bool": ParameterType.PARAMETER_BOOL,
    "int": ParameterType.PARAMETER_INTEGER,
    "string": ParameterType.PARAMETER_STRING,
    "string_array": ParameterType.PARAMETER_STRING_ARRAY,
}


def declare(node: Node, name: str, spec: ParamSpec, read_only: bool = False) -> None:
    """Declare ``name`` (a YAML or launch override wins over the spec's default), with its
    range when the spec has limits (`ros2 param describe` shows it).

    Raises ConfigError when the override has the wrong type (``16000.0`` for an integer) or
    lies outside the range (rclpy refuses it), naming what the parameter must be.
    """
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
    except InvalidParameterTypeException as err:
        raise ConfigError(_type_problem(name, spec, err)) from None
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


def _type_problem(name: str, spec: ParamSpec, err: InvalidParameterTypeException) -> str:
    """One line saying what the parameter must be, from rclpy's (long) message."""
    given = _GIVEN.search(str(err))
    got = f", got {given['value']!r} ({given['type'].lower()})" if given else ""
    return f"parameter {name} must be {_EXPECTED[spec.kind]}{got}"


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
