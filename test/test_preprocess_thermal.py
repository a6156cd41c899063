"""Thermal maps: HxW float degrees Celsius -> (1, S, S) over a fixed temperature range."""

import numpy as np
import pytest

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess import preprocess


def uniform(celsius: float, shape: tuple[int, int] = (120, 160)) -> np.ndarray:
    return np.full(shape, celsius, dtype=np.float32)


def scene(background_c: float) -> np.ndarray:
    """A 120x160 frame with an 80 °C block in the middle."""
    frame = uniform(background_c)
    frame[40:80, 60:100] = 80.0
    return frame


def test_output_is_a_contiguous_float32_square_in_unit_range() -> None:
    frame = np.random.default_rng(0).normal(30.0, 40.0, (120, 160)).astype(np.float32)
    out = preprocess("thermal", frame)
    assert out.shape == (1, 64, 64)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    assert out.min() >= -1.0 and out.max() <= 1.0
    assert preprocess("thermal", frame).tobytes() == out.tobytes()
    assert preprocess("thermal", frame, {"size": 32}).shape == (1, 32, 32)


def test_configured_range_maps_linearly_onto_minus_one_to_one() -> None:
    assert preprocess("thermal", uniform(-20.0)) == pytest.approx(-1.0)
    assert preprocess("thermal", uniform(50.0)) == pytest.approx(0.0, abs=1e-6)
    assert preprocess("thermal", uniform(120.0)) == pytest.approx(1.0)
    assert preprocess("thermal", uniform(25.0), {"t_min_c": 0.0, "t_max_c": 100.0}) == (
        pytest.approx(-0.5)
    )


def test_temperatures_beyond_the_range_saturate() -> None:
    assert preprocess("thermal", uniform(900.0)) == pytest.approx(1.0)
    assert preprocess("thermal", uniform(-273.0)) == pytest.approx(-1.0)


def test_hot_reads_the_same_whatever_the_rest_of_the_frame() -> None:
    # Per-frame min/max scaling would map the 80 °C block to 1.0 in both frames and the
    # backgrounds to -1.0; a fixed range keeps each temperature's own value.
    in_cold_room = preprocess("thermal", scene(0.0), {"fit": "stretch"})
    in_warm_room = preprocess("thermal", scene(60.0), {"fit": "stretch"})
    block = (slice(None), slice(24, 40), slice(28, 36))
    hot = (80.0 + 20.0) / 140.0 * 2.0 - 1.0
    assert in_cold_room[block] == pytest.approx(hot, abs=1e-6)
    assert in_warm_room[block] == pytest.approx(hot, abs=1e-6)
    assert in_cold_room[0, 0, 0] < in_warm_room[0, 0, 0]


def test_dead_nan_pixels_read_as_background() -> None:
    frame = scene(20.0)
    with_dead = frame.copy()
    with_dead[0:4, 0:30] = np.nan
    out = preprocess("thermal", with_dead)
    assert np.isfinite(out).all()
    # The median of this frame is the 20 °C background, which is what the dead pixels were.
    assert out.tobytes() == preprocess("thermal", frame).tobytes()


def test_float64_maps_are_accepted() -> None:
    frame = scene(20.0)
    as_64 = preprocess("thermal", frame.astype(np.float64))
    assert as_64.tobytes() == preprocess("thermal", frame).tobytes()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (np.full((120, 160), np.nan, dtype=np.float32), "all 19200 pixels are NaN"),
        (np.where(np.eye(8, dtype=bool), np.inf, 20.0).astype(np.float32), "Inf"),
        (np.full((120, 160), 29315, dtype=np.uint16), "floating point"),
        (np.zeros((120, 160, 1), dtype=np.float32), "shape"),
        (np.zeros((0, 160), dtype=np.float32), "empty"),
        (20.0, "got float"),
    ],
)
def test_bad_maps_raise_an_error_naming_modality_and_problem(raw: object, problem: str) -> None:
    with pytest.raises(InvalidSampleError, match=problem) as error:
        preprocess("thermal", raw)
    assert error.value.modality == "thermal"
