"""Per-sensor log throttling.

rclpy's ``throttle_duration_sec`` throttles per call site, so one noisy sensor would silence
the warnings of every other sensor logged from the same line; this keys the throttle by sensor.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class KeyedThrottle:
    """``allow(key)`` is True at most once per ``period`` seconds for each key."""

    def __init__(self, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._period = period
        self._clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> tuple[bool, int]:
        """(allowed, how many were suppressed for this key since the last allowed one)."""
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self._period:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return False, 0
            self._last[key] = now
            return True, self._suppressed.pop(key, 0)

    def message(self, key: str, message: str) -> str | None:
        """``message`` (with the count skipped since the last one) if ``key`` may log now."""
        allowed, suppressed = self.allow(key)
        if not allowed:
            return None
        return message + (f" ({suppressed} more since the last report)" if suppressed else "")
