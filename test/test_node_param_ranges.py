"""Numeric ranges on the real node: declared in each parameter's descriptor (what
`ros2 param describe` reads through the describe_parameters service), enforced at start and at
run time."""

from __future__ import annotations

import pytest
from fixtures_model import untrained_model
from rclpy.parameter import Parameter
from rclpy.parameter_client import AsyncParameterClient
from ros_harness import wait_until

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.ros.perception_node import PerceptionNode

pytestmark = pytest.mark.ros

SENSOR = [
    Parameter("sensors.names", Parameter.Type.STRING_ARRAY, ["mic"]),
    Parameter("sensors.mic.modality", value="audio"),
    Parameter("sensors.mic.topic", value="/ranges/mic"),
]


@pytest.fixture(scope="module")
def client(ros):
    node = ros.add(
        PerceptionNode(
            model=untrained_model(), context=ros.context, namespace="ranges",
            parameter_overrides=SENSOR,
        )
    )  # fmt: skip
    client = AsyncParameterClient(ros.helper, "/ranges/omnibind")
    assert client.wait_for_services(timeout_sec=10.0)
    yield client
    ros.remove(node)


def call(client, future):
    assert wait_until(future.done, 10.0)
    return future.result()


def test_ros2_param_describe_shows_the_ranges(client) -> None:
    names = ["rate_hz", "top_k", "sensors.mic.sample_rate", "labels"]
    rate, top_k, sample_rate, labels = call(client, client.describe_parameters(names)).descriptors
    assert (rate.floating_point_range[0].from_value, rate.floating_point_range[0].to_value) == (
        0.01, 1000.0,
    )  # fmt: skip
    assert (top_k.integer_range[0].from_value, top_k.integer_range[0].to_value) == (1, 1000)
    assert sample_rate.integer_range[0].from_value == 1000
    assert not labels.floating_point_range and not labels.integer_range


@pytest.mark.parametrize(
    "param",
    [Parameter("rate_hz", value=5000.0), Parameter("rate_hz", value=5000),
     Parameter("top_k", value=0), Parameter("sensors.mic.sample_rate", value=10)],
    ids=["float", "int-for-float", "int", "sensor"],
)  # fmt: skip
def test_values_outside_the_range_are_refused_at_run_time(client, param) -> None:
    result = call(client, client.set_parameters([param])).results[0]
    assert not result.successful
    assert "range" in result.reason or "must lie in" in result.reason or "least" in result.reason


def test_a_value_outside_its_range_fails_the_start_in_one_line(ros) -> None:
    overrides = [*SENSOR, Parameter("rate_hz", value=5000.0)]
    with pytest.raises(ConfigError) as raised:
        PerceptionNode(model=untrained_model(), context=ros.context, parameter_overrides=overrides)
    message = str(raised.value)
    assert message == "rate_hz must lie in [0.01, 1000.0], got 5000.0"
