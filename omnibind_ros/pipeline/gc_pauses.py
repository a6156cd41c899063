"""Keeping Python's cyclic garbage collector from stalling the node, and measuring its pauses.

A full (generation 2) collection walks every tracked object in the process and holds the
interpreter while it does. After torch, onnxruntime, rclpy and a model are loaded that is
~175,000 objects and ~100-140 ms on a 2-core machine: a pause in every thread at once, long
enough to miss two scene periods, every few minutes. Almost all of those objects live as long
as the process, so after start-up they are moved out of the collector's sight
(``gc.freeze``): later collections walk only what the node allocated since, a few ms.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

_frozen = threading.Event()


def freeze_start_up_objects() -> int:
    """Collect once, then exclude every object alive now from later collections (they are the
    process's long-lived modules and model); returns how many objects are frozen.

    Once per process: frozen objects are never collected, so a process that creates and
    destroys nodes (a test suite) would otherwise keep each destroyed node's cycles for good.
    """
    if not _frozen.is_set():
        _frozen.set()
        gc.collect()
        gc.freeze()
    return gc.get_freeze_count()


class GcPauseMonitor:
    """The longest collector pause since the last :meth:`take_max` (``gc.callbacks``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: dict[int, float] = {}  # thread id -> start of its running collection
        self._max_s = 0.0
        self._collections = 0

    def install(self) -> None:
        gc.callbacks.append(self._on_gc)

    def remove(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, _info: dict[str, Any]) -> None:
        now, thread = time.perf_counter(), threading.get_ident()
        if phase == "start":
            self._started[thread] = now
            return
        started = self._started.pop(thread, None)
        if started is None:
            return
        with self._lock:
            self._max_s = max(self._max_s, now - started)
            self._collections += 1

    def take_max(self) -> tuple[float, int]:
        """(longest pause in seconds, collections) since the previous call; resets both."""
        with self._lock:
            taken = self._max_s, self._collections
            self._max_s, self._collections = 0.0, 0
        return taken
