"""The collector is kept from walking the start-up heap, and its pauses are measured."""

from __future__ import annotations

import gc
import time

from omnibind_ros.pipeline import gc_pauses
from omnibind_ros.pipeline.gc_pauses import GcPauseMonitor, freeze_start_up_objects


def _full_collection_seconds() -> float:
    started = time.perf_counter()
    gc.collect()
    return time.perf_counter() - started


def test_frozen_start_up_objects_are_no_longer_walked_by_a_full_collection(monkeypatch) -> None:
    monkeypatch.setattr(gc_pauses, "_frozen", gc_pauses.threading.Event())
    heap = [[i] for i in range(300_000)]  # a start-up heap: long-lived, GC-tracked lists
    before = _full_collection_seconds()
    try:
        frozen = freeze_start_up_objects()
        assert frozen >= len(heap)
        after = _full_collection_seconds()
        later = [[i] for i in range(1000)]  # a later node's objects: not frozen a second time
        assert freeze_start_up_objects() == frozen and later
    finally:
        gc.unfreeze()
    assert after < before / 3


def test_monitor_reports_the_longest_pause_then_starts_again() -> None:
    monitor = GcPauseMonitor()
    monitor.install()
    try:
        gc.collect()
        gc.collect()
        longest, collections = monitor.take_max()
        assert collections >= 2
        assert longest > 0.0
        assert monitor.take_max() == (0.0, 0)
    finally:
        monitor.remove()
    gc.collect()
    assert monitor.take_max() == (0.0, 0)  # removed: no longer called
