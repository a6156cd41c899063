"""The ROS-free layers import with no ROS installed: core, the lean runtime, pipeline, the
simulator and training never import rclpy or ROS messages."""

import subprocess
import sys

# Blocks every ROS Python package before importing all of omnibind_ros.core.
PROBE = """
import importlib, pkgutil, sys
for name in ("rclpy", "std_msgs", "sensor_msgs", "diagnostic_msgs", "vision_msgs",
             "builtin_interfaces", "rosidl_runtime_py", "cv_bridge", "sensor_msgs_py"):
    sys.modules[name] = None
import omnibind_ros.core as core
import omnibind_ros.lean as lean
import omnibind_ros.pipeline as pipeline
import omnibind_ros.sim as sim
import omnibind_ros.training as training
for package in (core, lean, pipeline, sim, training):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
print("ok")
"""


def test_core_lean_pipeline_sim_and_training_and_all_their_modules_import_without_rclpy() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")
