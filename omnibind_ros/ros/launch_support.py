"""Pieces the launch files share: argument choices and the substitutions built on them.

`launch` and `launch_ros` are imported inside the builders, so the choices and the Python
expressions (evaluated by launch's PythonExpression) can be checked without them.
"""

from __future__ import annotations

from typing import Any

TRUE_WORDS = ("true", "True", "1", "yes")
FALSE_WORDS = ("false", "False", "0", "no")
BOOL_CHOICES = (*TRUE_WORDS, *FALSE_WORDS)
BACKENDS = ("", "auto", "torch", "onnxruntime", "tensorrt")  # "" = from the parameter file
DEVICES = ("", "cpu", "cuda", *(f"cuda:{index}" for index in range(8)))
LOG_LEVELS = ("debug", "info", "warn", "error", "fatal")


# Python expressions launch's PythonExpression evaluates; {0} stands for the argument's text
# as a string literal.
BOOL_EXPRESSION = f"{{0}} in {TRUE_WORDS!r}"
GIVEN_EXPRESSION = "bool({0})"
LOGGER_EXPRESSION = "'.'.join([p for p in {0}.split('/') if p] + [{node!r}])"


def expression_source(expression: str, text: str, **names: str) -> str:
    """``expression`` as PythonExpression evaluates it when the argument's text is ``text``."""
    return expression.format(f"r'''{text}'''", **names)


def _expression(expression: str, argument: str, **names: str) -> Any:
    """A PythonExpression of ``expression`` on a launch argument (quoted as in
    expression_source)."""
    from launch.substitutions import LaunchConfiguration, PythonExpression

    before, after = expression_source(expression, "\0", **names).split("\0")
    return PythonExpression([before, LaunchConfiguration(argument), after])


def choice_argument(name: str, default: str, choices: tuple[str, ...], description: str) -> Any:
    """A DeclareLaunchArgument that refuses values outside ``choices`` (launch lists them)."""
    from launch.actions import DeclareLaunchArgument

    return DeclareLaunchArgument(
        name, default_value=default, choices=list(choices), description=description
    )


def use_sim_time_argument() -> Any:
    return choice_argument("use_sim_time", "false", BOOL_CHOICES, "follow /clock (bag replay)")


def log_level_argument(description: str) -> Any:
    return choice_argument("log_level", "info", LOG_LEVELS, description)


def as_bool(argument: str) -> Any:
    """The launch argument as a bool parameter value; its choices= refuse anything else."""
    from launch_ros.parameter_descriptions import ParameterValue

    return ParameterValue(_expression(BOOL_EXPRESSION, argument), value_type=bool)


def given(argument: str) -> Any:
    """A condition: the launch argument is not empty."""
    from launch.conditions import IfCondition

    return IfCondition(_expression(GIVEN_EXPRESSION, argument))


def log_level_arguments(node_name: str) -> list[Any]:
    """ros_arguments setting the `log_level` argument on the node's logger only: its
    namespace in dots, then its name (robot1/omnibind logs as robot1.omnibind)."""
    from launch.substitutions import LaunchConfiguration

    logger = _expression(LOGGER_EXPRESSION, "namespace", node=node_name)
    return ["--log-level", [logger, ":=", LaunchConfiguration("log_level")]]
