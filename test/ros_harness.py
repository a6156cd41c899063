"""Real rclpy + DDS for node tests: one isolated domain per test module, spun in the background.

Every wait is bounded: ``wait_until`` polls a condition until a deadline and returns whether it
came true, so a broken node fails a test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from typing import Any

import rclpy
from rclpy.executors import MultiThreadedExecutor
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from std_msgs.msg import String

from omnibind_ros.ros.entities import without_publisher_events, without_subscription_events
from omnibind_ros.ros.middleware import use_large_message_profile


def domain_id_for(module_name: str) -> int:
    """A DDS domain for one test module of this process: no cross-talk with other runs."""
    return 1 + (os.getpid() * 31 + zlib.crc32(module_name.encode())) % 200


def child_env(module_name: str) -> dict[str, str]:
    """Environment for a node run as a child process by a test module: that module's DDS
    domain, unbuffered output, and a dump of every thread's stack on SIGABRT (which
    ``interrupt_and_wait`` sends to a child that hangs)."""
    return {
        **os.environ,
        "ROS_DOMAIN_ID": str(domain_id_for(module_name)),
        "PYTHONUNBUFFERED": "1",
        "PYTHONFAULTHANDLER": "1",
    }


def interrupt_and_wait(process: subprocess.Popen, timeout: float) -> int:
    """Ctrl-C ``process`` and return its exit code. If it has not exited within ``timeout``,
    abort it so faulthandler prints where each thread is stuck, and fail with that output."""
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        try:
            output, errors = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            output, errors = process.communicate()
        raise AssertionError(
            f"still running {timeout} s after Ctrl-C; its output and thread stacks:\n"
            f"{output or ''}{errors or ''}"
        ) from None


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


class RosHarness:
    """A context on its own domain, a multi-threaded executor spinning in a thread, and a
    helper node for the test's publishers and subscriptions."""

    def __init__(self, domain_id: int, args: list[str] | None = None) -> None:
        use_large_message_profile()
        self.context = rclpy.Context()
        rclpy.init(args=args, context=self.context, domain_id=domain_id)
        self.executor = MultiThreadedExecutor(num_threads=4, context=self.context)
        self.helper = rclpy.create_node("test_helper", context=self.context)
        self.executor.add_node(self.helper)
        self._thread = threading.Thread(target=self.executor.spin, daemon=True)
        self._thread.start()

    def add(self, node: Node) -> Node:
        self.executor.add_node(node)
        return node

    def remove(self, node: Node) -> None:
        self.executor.remove_node(node)
        node.destroy_node()

    def publisher(self, msg_type: type, topic: str) -> Any:
        """A sensor-data publisher that can be destroyed while spinning (see entities.py)."""
        return self.helper.create_publisher(
            msg_type, topic, qos_profile_sensor_data, event_callbacks=without_publisher_events()
        )

    def shutdown(self) -> None:
        self.executor.shutdown(timeout_sec=5.0)
        self.helper.destroy_node()
        rclpy.shutdown(context=self.context)
        self._thread.join(timeout=5.0)


def latest_of(harness: RosHarness, msg_type: type, topic: str, timeout: float = 5.0) -> Any:
    """The first message on ``topic`` within ``timeout`` seconds (fails the test otherwise)."""
    got: list[Any] = []
    ready = threading.Event()

    def keep(msg: Any) -> None:
        got.append(msg)
        ready.set()

    sub = harness.helper.create_subscription(
        msg_type, topic, keep, 10, event_callbacks=without_subscription_events()
    )
    try:
        assert ready.wait(timeout), f"nothing on {topic}"
        return got[-1]
    finally:
        harness.helper.destroy_subscription(sub)


class JsonRecorder:
    """Records (monotonic receive time, parsed JSON) of every String message on a topic."""

    def __init__(self, harness: RosHarness, topic: str) -> None:
        self._lock = threading.Lock()
        self._messages: list[tuple[float, dict[str, Any]]] = []
        self._subscription = harness.helper.create_subscription(
            String, topic, self._on_msg, 50, event_callbacks=without_subscription_events()
        )
        self._harness = harness

    def _on_msg(self, msg: String) -> None:
        with self._lock:
            self._messages.append((time.monotonic(), json.loads(msg.data)))

    def items(self) -> list[tuple[float, dict[str, Any]]]:
        """Every (receive time, message) so far."""
        with self._lock:
            return list(self._messages)

    def since(self, start: float) -> list[dict[str, Any]]:
        with self._lock:
            return [m for t, m in self._messages if t >= start]

    def times_since(self, start: float) -> list[float]:
        with self._lock:
            return [t for t, _ in self._messages if t >= start]

    def latest(self) -> dict[str, Any] | None:
        with self._lock:
            return self._messages[-1][1] if self._messages else None

    def close(self) -> None:
        self._harness.helper.destroy_subscription(self._subscription)


class Repeater:
    """Publishes ``make_msg()`` on ``publisher`` at ``rate_hz`` from a thread until stopped."""

    def __init__(self, publisher: Any, make_msg: Callable[[], Any], rate_hz: float) -> None:
        self._publisher = publisher
        self._make_msg = make_msg
        self._period = 1.0 / rate_hz
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            self._publisher.publish(self._make_msg())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
