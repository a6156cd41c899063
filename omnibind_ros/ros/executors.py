"""Running nodes as a program: init, spin on a MultiThreadedExecutor, stop cleanly.

rclpy 7 (Jazzy) ``Executor.shutdown()`` skips its wait for running callbacks (the wait sits
behind ``if not self._is_shutdown`` right after setting that flag) and destroys the guard
condition each callback triggers when it ends: every callback still running then fails with
InvalidHandle ("The following exception was never retrieved ..."), and destroying the nodes
next can pull handles from under them. Joining the worker threads first makes the stop clean.

rclpy's own SIGINT/SIGTERM handler shuts the context down at once, while callbacks and sensor
threads are still publishing (they then fail with "publisher's context is invalid"). The
programs here take the signals themselves instead: a signal ends the spin loop, and the nodes
stop in order while the context is still valid.
"""

from __future__ import annotations

import itertools
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import rclpy
import yaml
from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from omnibind_ros.core.errors import BundleError, ConfigError
from omnibind_ros.ros.middleware import use_large_message_profile


def shutdown_after_callbacks(executor: MultiThreadedExecutor) -> None:
    """Shut ``executor`` down once its running callbacks finished; call it from the thread
    that was spinning, after the spin loop ended (nothing submits new work then)."""
    # The worker pool has no public handle in rclpy 7; newer rclpy joins it in shutdown().
    executor._executor.shutdown(wait=True)
    executor.shutdown()


def run_nodes(
    program: str,
    build: Callable[[list[Node]], None],
    args: Sequence[str] | None = None,
    *,
    threads: int = 4,
    duration_s: float | None = None,
    done: Callable[[], bool] = lambda: False,
) -> int:
    """Init rclpy, let ``build`` append the nodes, spin until Ctrl-C, ``done()`` or
    ``duration_s`` after the nodes are up, then destroy the nodes and shut down.

    Returns the exit code: 1 (one line on stderr saying what to fix) when a node cannot start
    for a bad config, params file, command line or bundle, else 0.
    """
    use_large_message_profile()
    try:
        check_params_files(sys.argv if args is None else args)
        rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    except (ConfigError, _rclpy.RCLError) as err:
        # rcl's own message ends in C source locations: of no use to the user.
        print(f"{program}: {str(err).split(', at /')[0]}", file=sys.stderr)
        return 1
    nodes: list[Node] = []
    executor = MultiThreadedExecutor(num_threads=threads)
    code = 0
    try:
        with _signals_end_the_spin():
            build(nodes)
            for node in nodes:
                executor.add_node(node)
            deadline = None if duration_s is None else time.monotonic() + duration_s
            while rclpy.ok() and not done() and (deadline is None or time.monotonic() < deadline):
                executor.spin_once(timeout_sec=0.1)
    except (ConfigError, BundleError) as err:
        print(f"{program}: {err}", file=sys.stderr)
        code = 1
    except (KeyboardInterrupt, ExternalShutdownException):
        pass  # Ctrl-C or `ros2 launch` stopping us: the expected way out
    finally:
        shutdown_after_callbacks(executor)
        for node in nodes:
            node.destroy_node()
        rclpy.try_shutdown()
    return code


def check_params_files(argv: Sequence[str]) -> None:
    """Every ``--params-file`` of ``argv`` exists and is valid YAML, or one ConfigError line
    (rcl would say "Couldn't parse params file" with C source locations and no YAML line)."""
    for flag, path in itertools.pairwise(argv):
        if flag != "--params-file":
            continue
        try:
            yaml.safe_load(Path(path).read_text())
        except OSError as err:
            raise ConfigError(f"params file {path}: {err.strerror}") from None
        except yaml.YAMLError as err:
            where = getattr(err, "problem_mark", None)
            line = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
            problem = getattr(err, "problem", None) or str(err)
            raise ConfigError(f"params file {path} is not valid YAML{line}: {problem}") from None


@contextmanager
def _signals_end_the_spin() -> Iterator[None]:
    """SIGINT and SIGTERM raise KeyboardInterrupt. Installed explicitly: a shell starts a
    background job with SIGINT ignored, and Python then leaves it ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are delivered to the main thread only
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
