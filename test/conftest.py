"""Shared test settings: keep every test's DDS traffic on this machine, and torch modest."""

import os

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")

import torch

# Two cores here and in CI: leave one for DDS threads and subprocesses.
torch.set_num_threads(1)
