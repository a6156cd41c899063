"""Fuzzing every core preprocessing function with samples of any dtype, shape and value.

Allowed outcomes only (fuzz_support.py): a C-contiguous, finite float32 array of exactly
``input_shape(modality, params)``, or a typed error (InvalidSampleError for the sample,
ConfigError for the parameters), within a deadline and a memory bound. Bugs found this way
keep an explicit example (@example).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from fuzz_support import bounded_peak_memory, fuzz_settings, outcome
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from omnibind_ros.core.limits import MAX_SAMPLE_RATE
from omnibind_ros.core.preprocess import check_sample, input_shape, preprocess
from omnibind_ros.core.samples import EVENT_DTYPE, AudioSample, EventSample, make_events

INT64 = np.iinfo(np.int64)
NUMERIC_DTYPES = ["u1", "i1", "u2", "i2", "i4", "u4", "i8", "u8", "f2", "f4", "f8", "?"]


@pytest.fixture(scope="module", autouse=True)
def _loaded() -> None:
    """Import what preprocessing loads lazily (open3d, scipy.signal: seconds), so that the
    per-example deadline measures the work, not the first import."""
    import open3d  # noqa: F401
    import scipy.signal  # noqa: F401


@pytest.fixture(autouse=True)
def _memory_bound():
    with bounded_peak_memory():
        yield


def assert_allowed(modality: str, raw: Any, params: dict | None = None) -> None:
    out = outcome(lambda: preprocess(modality, raw, params))
    if out is not None:
        assert out.dtype == np.float32 and out.flags.c_contiguous
        assert out.shape == input_shape(modality, params)
        assert np.isfinite(out).all()
        check_sample(modality, raw)  # what preprocessing accepted, the node's check accepts


def arrays(dtypes: list[str], shapes: st.SearchStrategy) -> st.SearchStrategy:
    """Arrays of ``dtypes``, with NaN, Inf and each dtype's extremes among the values."""
    return st.sampled_from(dtypes).flatmap(
        lambda dtype: hnp.arrays(np.dtype(dtype), shapes, elements=_elements(np.dtype(dtype)))
    )


def _elements(dtype: np.dtype) -> st.SearchStrategy | None:
    if dtype.kind == "f":
        width = 8 * dtype.itemsize
        return st.floats(-1000, 1000, width=width) | st.floats(width=width)
    return None  # hypothesis covers the whole integer range


def float_arrays(shapes: st.SearchStrategy) -> st.SearchStrategy:
    """Plausible measurements: float arrays of ``shapes``, NaN/Inf/extremes sometimes."""
    return arrays(["f4", "f8", "f2"], shapes)


image_params = st.fixed_dictionaries(
    {}, optional={"size": st.integers(1, 16), "fit": st.sampled_from(["crop", "stretch", "pad"])}
)


@fuzz_settings
@given(
    raw=arrays(NUMERIC_DTYPES, hnp.array_shapes(min_dims=0, max_dims=4, max_side=9))
    | hnp.arrays(np.uint8, st.tuples(st.integers(0, 40), st.integers(0, 40), st.just(3))),
    params=image_params,
    modality=st.sampled_from(["image", "tactile"]),
)
def test_image_preprocessing_of_any_array(raw: np.ndarray, params: dict, modality: str) -> None:
    assert_allowed(modality, raw, params)


@fuzz_settings
@given(
    raw=arrays(NUMERIC_DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, max_side=24))
    | float_arrays(hnp.array_shapes(min_dims=2, max_dims=2, max_side=24)),
    params=st.fixed_dictionaries(
        {},
        optional={
            "size": st.integers(1, 16),
            "t_min_c": st.floats(-1e308, 1e308) | st.just(-20.0),
            "t_max_c": st.floats(-1e308, 1e308) | st.just(120.0),
        },
    ),
)
@example(  # float64 extremes once gave NaN
    raw=np.array([[1e300, np.nan], [-1e300, 1e300]]), params={}
)
def test_thermal_preprocessing_of_any_array(raw: np.ndarray, params: dict) -> None:
    assert_allowed("thermal", raw, params)


@fuzz_settings
@given(
    raw=arrays(
        NUMERIC_DTYPES,
        st.tuples(st.integers(0, 300), st.integers(2, 5)) | hnp.array_shapes(max_dims=3),
    )
    | float_arrays(st.tuples(st.integers(1, 300), st.sampled_from([3, 4]))),
    params=st.fixed_dictionaries(
        {},
        optional={
            "num_points": st.integers(1, 64),
            "voxel_size": st.sampled_from([0.0, 1e-9, 0.05, 0.5, 10.0]),
            "sampling": st.sampled_from(["random", "fps"]),
        },
    ),
)
@example(  # the sum behind the mean once overflowed: NaN points
    raw=np.array([[1.5e308, 0.0, 0.0], [1.6e308, 1.0, 0.0], [0.0, 0.0, 1.0]]), params={}
)
@example(  # farthest-point sampling once returned 2 of 3 points: coinciding ones count once
    raw=np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]]),
    params={"num_points": 3, "sampling": "fps", "voxel_size": 0.0},
)
def test_lidar_preprocessing_of_any_array(raw: np.ndarray, params: dict) -> None:
    assert_allowed("lidar", raw, params)


INTEGER_DTYPES = ["u1", "i1", "u2", "i2", "i4", "u4", "i8", "u8"]
FIELD_DTYPES = [*INTEGER_DTYPES, "f4", "f8"]


@st.composite
def event_samples(draw) -> EventSample:
    """Events with fields of any dtype (or missing), any values, unsorted t, any sensor size."""
    n = draw(st.integers(0, 40))
    names = draw(st.sets(st.sampled_from(["x", "y", "t", "p"]), min_size=3)) | {"x", "y"}
    kinds = draw(st.sampled_from([FIELD_DTYPES, INTEGER_DTYPES, INTEGER_DTYPES]))
    dtype = np.dtype([(name, draw(st.sampled_from(kinds))) for name in sorted(names)])
    events = np.zeros(n, dtype)
    for name in names:
        column = draw(hnp.arrays(dtype[name], n, elements=_elements(dtype[name])))
        if dtype[name].kind != "f" and name in "xy" and draw(st.booleans()):
            column = column % 64  # mostly on a small sensor
        events[name] = column
    if "t" in names and dtype["t"].kind != "f" and draw(st.booleans()):
        events["t"] = np.abs(events["t"].astype(np.int64)) % 10**8  # within a window or two
    if "p" in names and dtype["p"].kind != "f" and draw(st.booleans()):
        events["p"] = events["p"] % 2  # the {0, 1} convention
    width = draw(st.sampled_from([0, 1, 64, 640]) | st.integers(-5, 70000))
    height = draw(st.sampled_from([0, 1, 64, 480]) | st.integers(-5, 70000) | st.just(2.0))
    return EventSample(events, width, height)


@fuzz_settings
@given(
    raw=event_samples(),
    params=st.fixed_dictionaries(
        {},
        optional={
            "size": st.integers(1, 16),
            "time_bins": st.integers(1, 3),
            "window_ms": st.sampled_from([1e-6, 0.001, 50.0, 1e12]),
        },
    ),
)
@example(  # every event outside the centre crop once divided by zero: NaN
    raw=EventSample(make_events([0, 639], [5, 6], [0, 1], [1, 0]), 640, 16), params={}
)
@example(  # int64 extremes of t once overflowed the age
    raw=EventSample(make_events([0, 1], [0, 1], [INT64.min, INT64.max], [1, 0]), 2, 2), params={}
)
@example(  # a long thin sensor once cost 400 MB: only the centre square is counted now
    raw=EventSample(make_events([30000], [100], [0], [1]), 60000, 212), params={"time_bins": 2}
)
@example(  # a gigapixel sensor once asked for tens of GB
    raw=EventSample(make_events([65534], [65534], [0], [1]), 65535, 65535), params={}
)
def test_event_preprocessing_of_any_sample(raw: EventSample, params: dict) -> None:
    assert_allowed("event", raw, params)


@fuzz_settings
@given(
    waveform=arrays(NUMERIC_DTYPES, hnp.array_shapes(min_dims=0, max_dims=2, max_side=60))
    | st.integers(0, 40000).map(
        lambda n: np.random.default_rng(n).uniform(-1, 1, n).astype(np.float32)
    ),
    rate=st.sampled_from([8000, 16000, 44100, 48000, MAX_SAMPLE_RATE])
    | st.integers(-5, 2 * MAX_SAMPLE_RATE)
    | st.sampled_from([16000.0, 16000.5, np.int64(22050), True, float("nan"), 2**31 - 1]),
)
@example(  # once asked for 320 GiB
    waveform=np.zeros(16000, np.float32), rate=2**31 - 1
)
def test_audio_preprocessing_of_any_waveform(waveform: np.ndarray, rate: Any) -> None:
    assert_allowed("audio", AudioSample(waveform, rate))


@fuzz_settings
@given(raw=st.none() | st.integers() | st.text(max_size=3) | st.just(EVENT_DTYPE))
def test_preprocessing_of_objects_that_are_no_sample(raw: Any) -> None:
    for modality in ("image", "thermal", "event", "tactile", "audio", "lidar"):
        assert_allowed(modality, raw)
