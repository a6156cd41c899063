"""The rate budget behind the encode and scene caps: never more than the rate on average over
any stretch of time, and a stream at the cap's own rate is never held back for its jitter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnibind_ros.pipeline.rate_budget import BURST, RateBudget


@settings(max_examples=300, deadline=None)
@given(
    rate=st.floats(0.5, 200.0),
    gaps=st.lists(st.floats(0.0, 0.5), min_size=1, max_size=200),
)
def test_events_in_any_stretch_of_time_stay_within_burst_plus_rate(rate, gaps) -> None:
    budget, now, taken = RateBudget(rate), 0.0, []
    for gap in gaps:
        now += gap
        wait = budget.wait(now)
        took = budget.take(now)
        assert took == (wait == 0.0)  # wait() says exactly when take() will succeed
        if took:
            taken.append(now)
    for i, start in enumerate(taken):
        for j in range(i, len(taken)):
            assert j - i + 1 <= BURST + rate * (taken[j] - start) + 1e-6


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(5.0, 100.0),
    jitter=st.lists(st.floats(-0.45, 0.45), min_size=10, max_size=300),
)
def test_a_stream_at_the_cap_rate_with_jitter_is_never_held_back(rate, jitter) -> None:
    budget, period = RateBudget(rate), 1.0 / rate
    # Arrivals around a nominal schedule, each off by under half a period, in order.
    arrivals = sorted(k * period + j * period for k, j in enumerate(jitter))
    assert all(budget.take(t) for t in arrivals)


def test_a_clock_that_goes_back_keeps_counting_from_there() -> None:
    budget = RateBudget(10.0)
    assert budget.take(100.0) and budget.take(100.0) and not budget.take(100.0)
    assert budget.wait(5.0) == pytest.approx(0.1)  # not 95 s until the old time returns
    assert budget.take(5.1)


def test_a_rate_change_applies_from_now() -> None:
    budget = RateBudget(1.0)
    assert budget.take(0.0) and budget.take(0.0)
    budget.set_rate(10.0, now=0.5)
    assert budget.wait(0.5) == pytest.approx(0.05)
