"""How `ros2 launch` and `ros2 run` find a package's files, with the real ament_index_python.

The rules as their code applies them (read from the Jazzy sources):
- ros2launch (launch_ros: ros2launch/api/api.py, get_share_file_path_from_package): the share
  directory from ament_index, then ``os.walk`` of it (directory symlinks are not entered); the
  file name must occur exactly once.
- launch_ros's Node (launch_ros/substitutions/executable_in_package.py): PREFIX/lib/PACKAGE
  must exist ("libexec directory ... does not exist" otherwise), then ``which`` (osrf_pycommon,
  the rules of shutil.which: a file with execute permission) finds the executable in it.
- ros2 run (ros2cli: ros2pkg/api/__init__.py, get_executable_paths): ``os.walk`` of
  PREFIX/lib/PACKAGE, every file that ``os.access(path, os.X_OK)`` allows.
"""

from __future__ import annotations

import os
import shutil

from ament_index_python.packages import get_package_prefix, get_package_share_directory


class RosLookupError(LookupError):
    pass


def share_file(package: str, file_name: str) -> str:
    """The path `ros2 launch PACKAGE FILE_NAME` would launch."""
    share = get_package_share_directory(package)
    matches = [
        os.path.join(root, name)
        for root, _dirs, files in os.walk(share)
        for name in files
        if name == file_name
    ]
    if not matches:
        raise RosLookupError(f"file '{file_name}' was not found in the share directory {share}")
    if len(matches) > 1:
        raise RosLookupError(f"file '{file_name}' was found more than once: {matches}")
    return matches[0]


def node_executable(package: str, executable: str) -> str:
    """The path launch_ros's Node(package=..., executable=...) would start."""
    libexec = os.path.join(get_package_prefix(package), "lib", package)
    if not os.path.exists(libexec):
        raise RosLookupError(f"libexec directory '{libexec}' does not exist")
    found = shutil.which(executable, path=libexec)
    if found is None:
        raise RosLookupError(f"executable '{executable}' not found on the libexec directory")
    return found


def run_executables(package: str) -> dict[str, str]:
    """Name -> path of what `ros2 run PACKAGE <name>` can start."""
    base = os.path.join(get_package_prefix(package), "lib", package)
    found = {}
    for root, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = os.path.join(root, name)
            if os.access(path, os.X_OK):
                found[name] = path
    return found
