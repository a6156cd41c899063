"""The simulated world imports nothing else of the package, and no ROS, torch or core."""

import ast
import subprocess
import sys
from pathlib import Path

import omnibind_ros.sim

SIM_DIR = Path(omnibind_ros.sim.__file__).parent


def test_sim_modules_import_only_the_sim_package_of_ours() -> None:
    for path in SIM_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                if name.startswith("omnibind_ros"):
                    assert name.startswith("omnibind_ros.sim"), (path.name, name)


def test_importing_the_world_loads_no_ros_no_torch_and_no_core() -> None:
    probe = (
        "import sys, omnibind_ros.sim as s; s.World(0).sample(0);"
        "bad = [m for m in ('rclpy', 'torch', 'omnibind_ros.core') if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
