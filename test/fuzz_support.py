"""Shared rules of the fuzz tests: how many examples, and which outcomes are allowed.

``make test`` runs FUZZ_EXAMPLES (default 1000) examples per target; set OMNIBIND_FUZZ_EXAMPLES
to run more once (e.g. 10000). Every example must end in a sample that meets the raw-sample
contract or in one of the typed errors, within the per-example deadline; each target also
bounds how far the process's peak memory may rise.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, event, settings

from omnibind_ros.core.errors import ConfigError, InvalidSampleError
from omnibind_ros.ros.conversions.errors import ConversionError

FUZZ_EXAMPLES = int(os.environ.get("OMNIBIND_FUZZ_EXAMPLES", "1000"))
TYPED_ERRORS = (ConversionError, InvalidSampleError, ConfigError)
# Generous for a shared 2-core machine; a hang (the bugs these targets guard against took
# 6 s to minutes) still fails.
EXAMPLE_DEADLINE = timedelta(seconds=3)
MAX_PEAK_RISE_MB = 400  # per target: a message that balloons (once 1.2 GB) fails

settings.register_profile(
    "fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=EXAMPLE_DEADLINE,
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
fuzz_settings = settings.get_profile("fuzz")


def outcome(call: Callable[[], Any]) -> Any | None:
    """``call()``'s result, or None when it raised one of the typed errors (anything else,
    e.g. IndexError or MemoryError, propagates and fails the example)."""
    try:
        result = call()
    except TYPED_ERRORS as err:
        event(f"typed error: {type(err).__name__}")  # --hypothesis-show-statistics
        return None
    event("sample")
    return result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


@contextmanager
def bounded_peak_memory() -> Iterator[None]:
    """Fails when the process's peak RSS rose by more than MAX_PEAK_RISE_MB inside."""
    before = peak_rss_mb()
    yield
    rise = peak_rss_mb() - before
    assert rise < MAX_PEAK_RISE_MB, f"peak memory rose by {rise:.0f} MB"
