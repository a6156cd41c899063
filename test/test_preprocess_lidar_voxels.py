"""The numpy voxel grid: the same centroids as open3d's voxel_down_sample, and the default
lidar path loads no open3d."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import open3d as o3d
from fuzz_support import fuzz_settings
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from omnibind_ros.core.preprocess.lidar import voxel_centroids

VOXEL_SIZES = st.sampled_from([1e-7, 1e-3, 0.05, 0.125, 0.5, 3.0])


def open3d_centroids(xyz: np.ndarray, voxel_size: float) -> np.ndarray:
    cloud = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(xyz))
    return np.asarray(cloud.voxel_down_sample(voxel_size).points)


def assert_same_centroids(xyz: np.ndarray, voxel_size: float) -> None:
    """Equal as sets: open3d's order is its hash map's."""
    ours = voxel_centroids(np.ascontiguousarray(xyz.T), voxel_size).T
    theirs = open3d_centroids(xyz, voxel_size)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(
        ours[np.lexsort(ours.T[::-1])], theirs[np.lexsort(theirs.T[::-1])], rtol=0, atol=1e-9
    )


@st.composite
def clouds(draw) -> np.ndarray:
    """Clouds of 1 to 3000 points, some repeated, some far from the origin."""
    count = draw(st.integers(1, 3000))
    pool = draw(
        hnp.arrays(np.float64, (draw(st.integers(1, count)), 3), elements=st.floats(-1.0, 1.0))
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    xyz = pool[rng.integers(0, len(pool), count)]  # duplicates whenever the pool is smaller
    noise = draw(st.sampled_from([0.0, 1e-3, 0.5]))
    offset = draw(st.sampled_from([0.0, 1e3, -4e5]))
    return xyz + noise * rng.standard_normal(xyz.shape) + offset


@fuzz_settings
@given(xyz=clouds(), voxel_size=VOXEL_SIZES)
@example(xyz=np.zeros((1, 3)), voxel_size=0.05)
def test_centroids_equal_open3ds_for_any_cloud(xyz: np.ndarray, voxel_size: float) -> None:
    assert_same_centroids(xyz, voxel_size)


@fuzz_settings
@given(
    steps=hnp.arrays(
        np.int64, st.tuples(st.integers(1, 500), st.just(3)), elements=st.integers(-40, 40)
    ),
    voxel_size=st.sampled_from([0.25, 0.5, 2.0]),
    origin=st.sampled_from([0.0, -3.0, 1e4]),
)
def test_centroids_equal_open3ds_for_points_on_voxel_boundaries(
    steps: np.ndarray, voxel_size: float, origin: float
) -> None:
    # Multiples of half a voxel from the lowest point: every other one lies exactly on a
    # face of open3d's grid (which starts half a voxel below the lowest point).
    assert_same_centroids(origin + steps * (voxel_size / 2), voxel_size)


def test_centroids_equal_open3ds_for_large_lidar_like_clouds() -> None:
    rng = np.random.default_rng(5)
    for count in (20_000, 200_000):
        ground = np.column_stack([rng.uniform(-1, 1, (count, 2)), np.zeros(count)])
        assert_same_centroids(ground + rng.normal(0, 0.01, (count, 3)), 0.05)


def test_a_grid_too_fine_for_one_key_still_matches_open3d() -> None:
    # 2 / 1e-9 cells a side: more cells in all than an int64 numbers.
    xyz = np.random.default_rng(1).uniform(-1, 1, (2000, 3))
    xyz[1000:] = xyz[:1000]  # every voxel holds two points
    assert_same_centroids(xyz, 1e-9)
    assert voxel_centroids(np.ascontiguousarray(xyz.T), 1e-9).shape == (3, 1000)


def test_default_lidar_preprocessing_imports_no_open3d() -> None:
    script = textwrap.dedent(
        """
        import sys

        import numpy as np

        from omnibind_ros.core.preprocess import preprocess

        cloud = np.random.default_rng(0).normal(0.0, 10.0, (20_000, 3)).astype(np.float32)
        assert preprocess("lidar", cloud).shape == (1024, 3)
        assert "open3d" not in sys.modules, "default lidar preprocessing imported open3d"
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
