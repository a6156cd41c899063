"""Point clouds: Nx3/Nx4 with NaN rows -> (num_points, 3) centred inside the unit sphere."""

import numpy as np
import pytest
from scipy.spatial import cKDTree

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess import preprocess

EXACT = {"voxel_size": 0.0}  # no voxel grid: every finite point survives normalisation


def cloud(count: int = 20_000, seed: int = 0, intensity: bool = False) -> np.ndarray:
    """A lidar-like cloud: a ground plane and a box, in metres, far from the origin."""
    rng = np.random.default_rng(seed)
    ground = np.column_stack(
        [rng.uniform(-20, 20, count // 2), rng.uniform(-20, 20, count // 2), np.zeros(count // 2)]
    )
    box = rng.uniform([4, -1, 0], [6, 1, 1.5], (count - count // 2, 3))
    xyz = np.vstack([ground, box]) + np.array([500.0, -300.0, 2.0])
    columns = [xyz, rng.uniform(0, 255, (count, 1))] if intensity else [xyz]
    return np.hstack(columns).astype(np.float32)


def test_output_is_finite_float32_inside_the_unit_sphere() -> None:
    for sampling in ("random", "fps"):
        out = preprocess("lidar", cloud(), {"sampling": sampling})
        assert out.shape == (1024, 3)
        assert out.dtype == np.float32 and out.flags.c_contiguous
        assert np.isfinite(out).all()
        assert np.linalg.norm(out, axis=1).max() <= 1.0 + 1e-6
        assert preprocess("lidar", cloud(), {"sampling": sampling}).tobytes() == out.tobytes()


def test_cloud_is_centred_and_its_farthest_point_is_at_radius_one() -> None:
    points = cloud(count=1024)
    out = preprocess("lidar", points, EXACT).astype(np.float64)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-6)
    assert np.linalg.norm(out, axis=1).max() == pytest.approx(1.0, abs=1e-6)
    # Only reordered: the same shape as the input, moved and scaled.
    source = points.astype(np.float64) - points.astype(np.float64).mean(axis=0)
    source /= np.linalg.norm(source, axis=1).max()
    np.testing.assert_allclose(np.sort(out, axis=0), np.sort(source, axis=0), atol=1e-6)


def test_moving_and_scaling_the_cloud_changes_nothing() -> None:
    points = cloud(count=5000)
    moved = (points.astype(np.float64) * 3.0 + [-40.0, 7.0, 1.0]).astype(np.float32)
    out, out_moved = preprocess("lidar", points), preprocess("lidar", moved)
    np.testing.assert_allclose(out_moved, out, atol=1e-4)


def test_nan_and_inf_rows_are_dropped_and_intensity_ignored() -> None:
    clean = cloud(count=3000, intensity=True)
    dirty = clean.copy()
    dirty[::7, 1] = np.nan
    dirty[::11, 2] = np.inf
    dirty[::13, 3] = np.nan  # intensity only: the point itself is fine
    keep = np.isfinite(dirty[:, :3]).all(axis=1)
    expected = preprocess("lidar", clean[keep, :3])
    assert preprocess("lidar", dirty).tobytes() == expected.tobytes()


def test_small_clouds_are_filled_with_repeats_keeping_every_point() -> None:
    points = cloud(count=10)
    out = preprocess("lidar", points, EXACT)
    assert out.shape == (1024, 3)
    assert len(np.unique(out, axis=0)) == 10
    assert preprocess("lidar", points, EXACT).tobytes() == out.tobytes()


def test_voxel_grid_evens_out_density() -> None:
    # 10k points crammed into a small blob plus 1k spread wide: without a voxel grid most
    # samples land in the blob; with it the wide part gets its share.
    rng = np.random.default_rng(2)
    blob = rng.normal(0.0, 0.01, (10_000, 3))
    spread = rng.uniform(-1.0, 1.0, (1_000, 3))
    points = np.vstack([blob, spread]).astype(np.float32)
    params = {"num_points": 256}
    dense = preprocess("lidar", points, {**params, "voxel_size": 0.0})
    even = preprocess("lidar", points, {**params, "voxel_size": 0.05})
    centred = points - points.mean(axis=0)
    blob_centre = -points.mean(axis=0) / np.linalg.norm(centred, axis=1).max()
    blob_share = [
        np.mean(np.linalg.norm(out - blob_centre, axis=1) < 0.05) for out in (dense, even)
    ]
    assert blob_share[0] > 0.7 and blob_share[1] < 0.1


def test_farthest_point_sampling_covers_the_cloud_better_than_random() -> None:
    points = cloud(count=5000)
    source = preprocess("lidar", points, {"num_points": 5000, **EXACT})
    gaps = {}
    for sampling in ("random", "fps"):
        out = preprocess("lidar", points, {"num_points": 128, "sampling": sampling, **EXACT})
        gaps[sampling] = cKDTree(out).query(source)[0].max()
    assert gaps["fps"] < 0.7 * gaps["random"]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (np.full((100, 3), np.nan, dtype=np.float32), "all 100 points are NaN or Inf"),
        (np.full((5, 4), np.inf, dtype=np.float32), "NaN or Inf"),
        (np.zeros((0, 3), dtype=np.float32), "empty"),
        (np.zeros((100, 2), dtype=np.float32), "shape"),
        (np.zeros((100, 5), dtype=np.float32), "shape"),
        (np.zeros(300, dtype=np.float32), "shape"),
        (np.ones((100, 3), dtype=np.int32), "floating point"),
        (np.ones((100, 3), dtype=np.float32), "coincide"),
        ([[0.0, 1.0, 2.0]], "list"),
    ],
)
def test_bad_clouds_raise_an_error_naming_modality_and_problem(raw: object, problem: str) -> None:
    with pytest.raises(InvalidSampleError, match=problem) as error:
        preprocess("lidar", raw)
    assert error.value.modality == "lidar"
