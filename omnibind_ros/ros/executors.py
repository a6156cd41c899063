"""Running nodes as a program: init, spin on the chosen executor, stop cleanly.

Executors (``EXECUTORS``): ``events`` is rclpy's C++ ``EventsExecutor`` (rclpy.experimental,
in Jazzy): it dispatches each ready entity from a C++ event queue, without rebuilding a
Python wait set per callback, and costs less CPU per message than the Python executors (compare
them with ``omnibind bench e2e -- --variants product product:executor=multi_threaded``); it
runs callbacks one at a time, which suits nodes whose callbacks only store data and leave the
heavy work to their own threads.
``single_threaded`` and ``multi_threaded`` are rclpy's Python executors (the latter honours
callback groups, at the most CPU per message).

rclpy 7 (Jazzy) ``Executor.shutdown()`` skips its wait for running callbacks (the wait sits
behind ``if not self._is_shutdown`` right after setting that flag) and destroys the guard
condition each callback triggers when it ends: every callback still running then fails with
InvalidHandle ("The following exception was never retrieved ..."), and destroying the nodes
next can pull handles from under them. Joining the worker threads first makes the stop clean.

rclpy's own SIGINT/SIGTERM handler shuts the context down at once, while callbacks and sensor
threads are still publishing (they then fail with "publisher's context is invalid"). The
programs here take the signals themselves instead: a signal ends the spin loop, and the nodes
stop in order while the context is still valid. While spinning, the handler only sets a flag
the loop checks: Python runs it inside whatever callback is executing, and an exception raised
there would be swallowed by the EventsExecutor's C++ dispatch (Ctrl-C lost while messages
flow); before that (loading a model takes seconds) it raises KeyboardInterrupt as usual.
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
from rclpy.executors import (
    Executor,
    ExternalShutdownException,
    MultiThreadedExecutor,
    SingleThreadedExecutor,
)
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from omnibind_ros.core.errors import BundleError, ConfigError
from omnibind_ros.pipeline.params import EXECUTORS
from omnibind_ros.ros.middleware import use_large_message_profile

ExecutorChoice = str | Callable[[list[Node]], str]  # a kind, or one picked from the nodes


def make_executor(kind: str, threads: int = 4) -> Executor:
    """A new executor of ``kind`` (one of ``EXECUTORS``) on the default context."""
    if kind == "events":
        from rclpy.experimental import EventsExecutor

        return EventsExecutor()
    if kind == "single_threaded":
        return SingleThreadedExecutor()
    if kind == "multi_threaded":
        return MultiThreadedExecutor(num_threads=threads)
    raise ConfigError(f"executor {kind!r} must be one of {', '.join(EXECUTORS)}")


def shutdown_after_callbacks(executor: Executor) -> None:
    """Shut ``executor`` down once its running callbacks finished; call it from the thread
    that was spinning, after the spin loop ended (nothing submits new work then)."""
    if isinstance(executor, MultiThreadedExecutor):
        # The worker pool has no public handle in rclpy 7; newer rclpy joins it in shutdown().
        executor._executor.shutdown(wait=True)
    executor.shutdown()


def run_nodes(
    program: str,
    build: Callable[[list[Node]], None],
    args: Sequence[str] | None = None,
    *,
    executor: ExecutorChoice = "multi_threaded",
    threads: int = 4,
    duration_s: float | None = None,
    done: Callable[[], bool] = lambda: False,
) -> int:
    """Init rclpy, let ``build`` append the nodes, spin them on ``executor`` (a kind, or a
    function of the built nodes returning one) until Ctrl-C, ``done()`` or ``duration_s``
    after the nodes are up, then destroy the nodes and shut down.

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
    spinner: Executor | None = None
    code = 0
    try:
        with _signals_end_the_spin() as stop:
            build(nodes)
            kind = executor(nodes) if callable(executor) else executor
            spinner = make_executor(kind, threads)
            for node in nodes:
                spinner.add_node(node)
            deadline = None if duration_s is None else time.monotonic() + duration_s
            stop.spinning = True
            while (
                rclpy.ok()
                and not stop.requested.is_set()
                and not done()
                and (deadline is None or time.monotonic() < deadline)
            ):
                spinner.spin_once(timeout_sec=0.1)
    except (ConfigError, BundleError) as err:
        print(f"{program}: {err}", file=sys.stderr)
        code = 1
    except (KeyboardInterrupt, ExternalShutdownException):
        pass  # Ctrl-C or `ros2 launch` stopping us: the expected way out
    finally:
        if spinner is not None:
            shutdown_after_callbacks(spinner)
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


class _Stop:
    """What a SIGINT/SIGTERM does: raise KeyboardInterrupt until ``spinning``, then set
    ``requested`` (see the module docstring)."""

    def __init__(self) -> None:
        self.spinning = False
        self.requested = threading.Event()

    def __call__(self, signum: int, frame: object) -> None:
        if not self.spinning:
            raise KeyboardInterrupt
        self.requested.set()


@contextmanager
def _signals_end_the_spin() -> Iterator[_Stop]:
    """SIGINT and SIGTERM end the spin loop (or interrupt the start-up). Installed explicitly:
    a shell starts a background job with SIGINT ignored, and Python then leaves it ignored."""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals are delivered to the main thread only
        return
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
