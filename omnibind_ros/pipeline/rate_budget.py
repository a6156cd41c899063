"""A rate cap that never delays a sample for jitter: a token bucket.

A cap written as a minimum gap between two encodes holds back every sample that comes a
little early. Capped at its own rate, a 30 Hz camera whose previous frame was encoded 5 ms
after it arrived then waits 5 ms for the gap to end, frame after frame. A bucket of ``burst``
tokens, refilled at ``rate_hz``, lets such a sample through at once. Over any T seconds it
still allows at most ``burst + rate_hz * T`` events, so the cap bounds the work as before.
"""

from __future__ import annotations

BURST = 2.0  # one sample early by up to a period passes; sustained overload still waits
# Slack for clocks in whole nanoseconds and float sums: a sample exactly one period after the
# last must pass, though the refill may come to 0.9999998 of a token.
EPSILON = 1e-6


class RateBudget:
    """At most ``rate_hz`` events per second on average. Not locked: the owner's lock guards
    it."""

    def __init__(self, rate_hz: float, burst: float = BURST) -> None:
        if burst < 1.0:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self._rate = rate_hz
        self._burst = burst
        self._tokens = burst
        self._at: float | None = None  # when _tokens was last brought up to date

    def set_rate(self, rate_hz: float, now: float) -> None:
        self._refill(now)
        self._rate = rate_hz

    def wait(self, now: float) -> float:
        """Seconds until an event may happen (0: now)."""
        self._refill(now)
        missing = 1.0 - self._tokens
        return 0.0 if missing <= EPSILON else missing / self._rate

    def take(self, now: float) -> bool:
        """Spend one event if the budget allows it now."""
        if self.wait(now) > 0.0:
            return False
        self._tokens = max(0.0, self._tokens - 1.0)
        return True

    def _refill(self, now: float) -> None:
        # A clock that went back (a replayed bag restarting /clock) counts on from there
        # instead of refusing every event until it has caught up again.
        if self._at is not None and now > self._at:
            self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
