"""Event packets -> (2 * time_bins, S, S) polarity histograms of the newest time window."""

from types import SimpleNamespace

import numpy as np
import pytest

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess import preprocess
from omnibind_ros.core.samples import EventSample, make_events

WIDTH, HEIGHT = 346, 260
MS = 1_000_000  # nanoseconds


def packet(count: int = 20_000, seed: int = 0, t0_ns: int = 1_700_000_000 * 10**9) -> EventSample:
    """Random events over 40 ms, both polarities, sorted by time (a DAVIS346-sized sensor)."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.integers(t0_ns, t0_ns + 40 * MS, count))
    x, y = rng.integers(0, WIDTH, count), rng.integers(0, HEIGHT, count)
    return EventSample(make_events(x, y, t, rng.choice([-1, 1], count)), WIDTH, HEIGHT)


def block_events(x0: int, x1: int, t_ns: int, polarity: int, count: int = 20_000) -> np.ndarray:
    """Events in columns x0..x1 (all rows) at time t_ns."""
    rng = np.random.default_rng(x0)
    x, y = rng.integers(x0, x1, count), rng.integers(0, HEIGHT, count)
    return make_events(x, y, np.full(count, t_ns), np.full(count, polarity))


def test_output_is_a_contiguous_float32_square_scaled_to_one() -> None:
    out = preprocess("event", packet())
    assert out.shape == (2, 64, 64)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    assert out.min() >= 0.0 and out.max() == pytest.approx(1.0)
    assert preprocess("event", packet()).tobytes() == out.tobytes()


def test_polarities_go_to_their_own_channels() -> None:
    # Both conventions: {0, 1} and {-1, +1}; anything > 0 is positive.
    for negative in (0, -1):
        events = np.concatenate([block_events(0, 100, 0, negative), block_events(246, 346, 0, 1)])
        out = preprocess("event", EventSample(events, WIDTH, HEIGHT), {"fit": "stretch"})
        assert out[0, :, :16].min() > 0 and out[0, :, 48:].max() == 0
        assert out[1, :, 48:].min() > 0 and out[1, :, :16].max() == 0


def test_only_the_newest_window_counts() -> None:
    stale = block_events(0, 100, 0, 1)  # one second before the rest
    fresh = block_events(246, 346, 1000 * MS, 1)
    events = np.concatenate([stale, fresh])
    out = preprocess("event", EventSample(events, WIDTH, HEIGHT), {"fit": "stretch"})
    assert out[:, :, :24].max() == 0
    assert out[1, :, 48:].min() > 0
    widened = preprocess(
        "event", EventSample(events, WIDTH, HEIGHT), {"fit": "stretch", "window_ms": 2000}
    )
    assert widened[1, :, :16].min() > 0


def test_time_bins_split_the_window_oldest_first() -> None:
    older = block_events(0, 100, 0, 1)
    newer = block_events(246, 346, 40 * MS, 0)
    sample = EventSample(np.concatenate([older, newer]), WIDTH, HEIGHT)
    out = preprocess("event", sample, {"fit": "stretch", "time_bins": 2})
    assert out.shape == (4, 64, 64)
    assert out[1, :, :16].min() > 0 and out[[0, 2, 3], :, :16].max() == 0
    assert out[2, :, 48:].min() > 0 and out[[0, 1, 3], :, 48:].max() == 0


def test_unsorted_packets_give_the_same_frame_as_sorted_ones() -> None:
    sample = packet(seed=4)
    shuffled = np.random.default_rng(1).permutation(sample.events)
    unsorted = EventSample(shuffled, WIDTH, HEIGHT)
    assert preprocess("event", unsorted).tobytes() == preprocess("event", sample).tobytes()


def test_any_object_with_the_sample_attributes_is_accepted() -> None:
    sample = packet(seed=2)
    duck = SimpleNamespace(events=sample.events, width=np.int32(WIDTH), height=HEIGHT)
    assert preprocess("event", duck).tobytes() == preprocess("event", sample).tobytes()


def with_events(events: object, width: object = WIDTH, height: object = HEIGHT) -> object:
    return SimpleNamespace(events=events, width=width, height=height)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (with_events(block_events(300, 347, 0, 1)), r"x 300\.\.346.*outside the 346x260"),
        (EventSample(block_events(0, 10, 0, 1), 346, 200), "outside"),
        (with_events(make_events([], [], [], [])), "empty"),
        (with_events(np.zeros((10, 4), dtype=np.int64)), "shape"),
        (with_events(np.zeros(10, dtype=np.int64)), "lack field"),
        (
            with_events(np.zeros(3, dtype=[("x", "f4"), ("y", "f4"), ("t", "f8"), ("p", "f4")])),
            "integers",
        ),
        (with_events(block_events(0, 10, 0, 1), width=0), "width"),
        (with_events(block_events(0, 10, 0, 1), height=-5), "height"),
        (with_events(block_events(0, 10, 0, 1), width=346.5), "width"),
        (with_events([(1, 2, 3, 1)]), "list"),
        (SimpleNamespace(width=WIDTH, height=HEIGHT), "without .events"),
        (np.zeros((10, 4)), "without .events"),
    ],
)
def test_bad_packets_raise_an_error_naming_modality_and_problem(raw: object, problem: str) -> None:
    with pytest.raises(InvalidSampleError, match=problem) as error:
        preprocess("event", raw)
    assert error.value.modality == "event"
