"""The package installs as a ROS 2 ament_python package and as a plain venv package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = "omnibind_ros"


@pytest.fixture(scope="module")
def colcon_prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install the package the way colcon's ament_python build does, into a temporary prefix."""
    work = tmp_path_factory.mktemp("colcon")
    src = work / "src"
    # colcon builds from the source tree; copy it so build artefacts stay out of the checkout.
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__"),
    )
    prefix = work / "install"
    (work / "build").mkdir()
    cmd = [
        sys.executable, "setup.py", "-q",
        "egg_info", "--egg-base", str(work / "build"),
        "build", "--build-base", str(work / "build"),
        "install", "--prefix", str(prefix), "--record", str(work / "record.txt"),
        "--single-version-externally-managed",
    ]  # fmt: skip
    subprocess.run(cmd, cwd=src, check=True, capture_output=True)
    return prefix


def test_colcon_install_puts_ament_marker_and_package_xml_in_share(colcon_prefix: Path) -> None:
    marker = colcon_prefix / "share/ament_index/resource_index/packages" / PKG
    assert marker.is_file()
    assert (colcon_prefix / "share" / PKG / "package.xml").is_file()


def test_colcon_install_puts_launch_and_config_files_in_share(colcon_prefix: Path) -> None:
    share = colcon_prefix / "share" / PKG
    for launch_file in (ROOT / "launch").glob("*.launch.py"):
        assert (share / "launch" / launch_file.name).is_file(), launch_file.name
    for config_file in (ROOT / "config").glob("*.yaml"):
        assert (share / "config" / config_file.name).is_file(), config_file.name


def test_colcon_install_puts_executables_where_ros2_run_looks(colcon_prefix: Path) -> None:
    assert (colcon_prefix / "lib" / PKG / "omnibind").is_file()


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="runs inside the project's venv")
def test_venv_install_resolves_share_directory_through_ament_index() -> None:
    env = {**os.environ, "AMENT_PREFIX_PATH": sys.prefix}
    code = (
        "from ament_index_python.packages import get_package_share_directory as g;"
        f"print(g('{PKG}'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert Path(out, "package.xml").is_file()
    activate = Path(sys.prefix, "bin", "activate").read_text()
    assert "AMENT_PREFIX_PATH" in activate


def test_package_xml_names_every_ros_dependency_the_code_imports() -> None:
    xml = (ROOT / "package.xml").read_text()
    for dep in ("rclpy", "std_msgs", "sensor_msgs", "diagnostic_msgs", "vision_msgs",
                "cv_bridge", "sensor_msgs_py", "python3-numpy", "python3-yaml"):  # fmt: skip
        assert f"<exec_depend>{dep}</exec_depend>" in xml, dep
