"""Shared test settings: keep every test's DDS traffic on this machine, and torch modest."""

import os

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")

import pytest
import torch

# Two cores here and in CI: leave one for DDS threads and subprocesses.
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def ros(request: pytest.FixtureRequest):
    """A ROS context on a DDS domain of this test module's own, spinning in a thread."""
    from ros_harness import RosHarness, domain_id_for  # rclpy only for the tests that use it

    harness = RosHarness(domain_id_for(request.module.__name__))
    yield harness
    harness.shutdown()
