"""The perception node as a child process, as it runs on a robot: an interpreter of its own, so
nothing the caller does (playing a bag, creating publishers, scoring) shares its GIL or delays
its callbacks. Live replay evaluation and the soak benchmark start it this way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

READY_LINE = "ready:"  # the node logs it once its subscriptions and timers exist


class NodeProcess:
    """``python -m omnibind_ros.ros.perception_node --ros-args ...`` with its log in a file
    (an unread pipe would fill up and stall the node)."""

    def __init__(
        self,
        params_files: Sequence[Path] = (),
        overrides: Mapping[str, str] | None = None,
        *,
        namespace: str = "/",
        env: Mapping[str, str] | None = None,
    ) -> None:
        overrides = overrides or {}
        self.command = [
            sys.executable, "-m", "omnibind_ros.ros.perception_node", "--ros-args",
            *(arg for path in params_files for arg in ("--params-file", str(path))),
            *(arg for name, value in overrides.items() for arg in ("-p", f"{name}:={value}")),
            *(("-r", f"__ns:={namespace}") if namespace.strip("/") else ()),
        ]  # fmt: skip
        self._env = dict(os.environ if env is None else env)
        handle, path = tempfile.mkstemp(prefix="omnibind_node_", suffix=".log")
        os.close(handle)
        self.log_path = Path(path)
        self._process: subprocess.Popen | None = None

    def start(self) -> NodeProcess:
        with self.log_path.open("w") as log:
            self._process = subprocess.Popen(
                self.command, env=self._env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    @property
    def pid(self) -> int:
        return self._started().pid

    def poll(self) -> int | None:
        """The exit code, or None while it runs."""
        return self._started().poll()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def last_log_line(self) -> str:
        lines = [line for line in self.log().splitlines() if line.strip()]
        return lines[-1] if lines else "(nothing logged)"

    def wait_ready(self, timeout_s: float) -> bool:
        """Until the node logs that it is ready (True), exits or ``timeout_s`` passes (False)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if READY_LINE in self.log():
                return True
            if self.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def stop(self, timeout_s: float = 30.0) -> int | str:
        """Ctrl-C the node; its exit code ("hung at exit" if it had to be killed)."""
        process = self._started()
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return "hung at exit"

    def _started(self) -> subprocess.Popen:
        if self._process is None:
            raise RuntimeError("NodeProcess.start() was not called")
        return self._process
