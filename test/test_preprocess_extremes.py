"""Extreme but well-typed samples: preprocessing returns finite inputs or a typed error, never
NaN, a crash or gigabytes. Each case once produced one of those."""

from __future__ import annotations

import numpy as np
import pytest

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess import check_sample, preprocess
from omnibind_ros.core.samples import AudioSample, EventSample, make_events

INT64 = np.iinfo(np.int64)


def test_events_all_outside_the_centre_crop_give_an_empty_finite_frame() -> None:
    # Once divided by a zero maximum: NaN, and every label scored NaN.
    events = make_events([0, 1, 638, 639], [5, 6, 7, 8], [0, 1, 2, 3], [1, 0, 1, 0])
    out = preprocess("event", EventSample(events, 640, 16))
    assert np.isfinite(out).all() and not out.any()


def test_event_times_at_the_int64_extremes_do_not_overflow() -> None:
    events = make_events([0, 1], [0, 1], [INT64.min, INT64.max], [1, 0])
    out = preprocess("event", EventSample(events, 2, 2))
    assert np.isfinite(out).all() and out.max() == 1.0  # only the newest event is in the window


def test_an_event_sensor_of_gigapixels_is_rejected_not_allocated() -> None:
    events = make_events([65534], [65534], [0], [1])
    with pytest.raises(InvalidSampleError, match="exceeds 8388608 cells"):
        preprocess("event", EventSample(events, 65535, 65535))


def test_a_long_thin_event_sensor_costs_only_its_centre_square() -> None:
    # Found by fuzzing: 70000 x 212 with 2 time bins once took 600 MB; 60000 x 212 took 400 MB
    # and 1.4 s (70000 is more than uint16 x addresses: rejected now).
    events = make_events([30000, 10], [100, 5], [0, 1], [1, 0])
    out = preprocess("event", EventSample(events, 60000, 212), {"time_bins": 2})
    assert out.shape == (4, 64, 64) and out.max() == 1.0
    with pytest.raises(InvalidSampleError, match="exceeds 8388608 cells"):
        preprocess("event", EventSample(events, 60000, 212), {"time_bins": 2, "fit": "stretch"})


def test_event_polarity_outside_both_conventions_is_rejected() -> None:
    events = make_events([0], [0], [0], [5])
    with pytest.raises(InvalidSampleError, match=r"polarity in 5\.\.5"):
        check_sample("event", EventSample(events, 4, 4))


def test_float64_thermal_extremes_saturate_instead_of_giving_nan() -> None:
    celsius = np.full((8, 8), 1e300)
    celsius[0, 0], celsius[1, 1] = np.nan, -1e300
    out = preprocess("thermal", celsius)
    assert np.isfinite(out).all() and out.min() >= -1.0 and out.max() <= 1.0


def test_float64_lidar_extremes_are_normalised_not_nan() -> None:
    # Once NaN: the sum behind the mean overflowed.
    cloud = np.array([[1.5e308, 0.0, 0.0], [1.6e308, 1.0, 0.0], [0.0, 0.0, 1.0]])
    out = preprocess("lidar", cloud)
    assert np.isfinite(out).all() and np.abs(out).max() <= 1.0 + 1e-6


def test_an_audio_rate_beyond_any_hardware_is_rejected() -> None:
    # 2147483647 Hz once asked for 320 GiB.
    sample = AudioSample(np.zeros(16000, np.float32), 2147483647)
    with pytest.raises(InvalidSampleError, match="exceeds 384000 Hz"):
        preprocess("audio", sample)


def test_farthest_point_sampling_of_coinciding_points_still_gives_num_points() -> None:
    # Found by fuzzing: open3d's farthest-point sampling returned 2 of 3 points.
    cloud = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    params = {"num_points": 3, "sampling": "fps", "voxel_size": 0.0}
    assert preprocess("lidar", cloud, params).shape == (3, 3)
