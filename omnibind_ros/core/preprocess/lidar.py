"""Point clouds -> (num_points, 3) xyz, NaN-free, centred, inside the unit sphere."""

from __future__ import annotations

from typing import Any

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess.checks import array_sample, require_float
from omnibind_ros.core.preprocess.params import require

LAYOUT = "Nx3 or Nx4 float (x, y, z[, intensity])"
SAMPLINGS = ("random", "fps")
_SAFE_EXTENT = 1e100  # squares of coordinates up to this stay far from float64 overflow


def shape(modality: str, params: dict) -> tuple[int, ...]:
    require(
        params["num_points"] > 0,
        modality,
        f"num_points must be positive, got {params['num_points']}",
    )
    for key in ("voxel_size", "seed"):
        require(params[key] >= 0, modality, f"{key} must be >= 0, got {params[key]}")
    require(
        params["sampling"] in SAMPLINGS,
        modality,
        f"sampling must be one of {SAMPLINGS}, got {params['sampling']!r}",
    )
    return (params["num_points"], 3)


def preprocess(modality: str, raw: Any, params: dict) -> np.ndarray:
    """Drop non-finite rows, centre on the centroid, scale the farthest point to radius 1,
    even out density on a voxel grid, then sample exactly ``num_points`` points.

    Intensity (column 4) is dropped: the encoder input is xyz, and intensity scales differ
    between vendors (Velodyne 0-255, Ouster reflectivity, Livox 0-255 calibrated).
    """
    cloud, finite = _checked(modality, raw)
    # float64: exact enough to centre clouds far from the origin.
    rows = np.array(cloud[finite, :3].T, dtype=np.float64, order="C")
    extent = np.abs(rows).max()
    if extent > _SAFE_EXTENT:
        # float64 extremes (1e300) would overflow the mean and the squared radius; the
        # result is scale-free, so scaling first changes nothing else.
        rows /= extent
    rows -= rows.mean(axis=1, keepdims=True)
    radius = np.sqrt((rows * rows).sum(axis=0).max())
    if radius == 0.0:
        raise InvalidSampleError(
            modality, f"all {rows.shape[1]} points coincide: no shape to encode"
        )
    points = rows / radius
    if params["voxel_size"] > 0:
        points = voxel_centroids(points, params["voxel_size"])
    return _sample(np.ascontiguousarray(points.T), params).astype(np.float32)


def voxel_centroids(rows: np.ndarray, voxel_size: float) -> np.ndarray:
    """The mean of the points in each voxel, as 3 rows of M: the set of points open3d's
    ``voxel_down_sample`` gives (numpy, not open3d: that costs ~100 MiB and seconds to load).

    open3d returns them in its hash map's order; these come sorted by voxel index, so the
    same input gives the same points in the same order.
    """
    voxel = _voxel_ranks(rows, voxel_size)
    counts = np.bincount(voxel)
    # bincount adds in point order, as open3d does: the same sums to the last bit.
    return np.stack([np.bincount(voxel, weights=axis) / counts for axis in rows])


def _voxel_ranks(rows: np.ndarray, voxel_size: float) -> np.ndarray:
    """Per point, the rank of its voxel among the occupied ones in (x, y, z) index order.

    Voxels as open3d indexes them: floor((p - min_bound + voxel_size / 2) / voxel_size).
    """
    low = rows.min(axis=1, keepdims=True) - voxel_size * 0.5
    # Whole numbers >= 0 in float64: exact however small voxel_size is.
    cells = np.floor((rows - low) / voxel_size)
    extents = [int(top) + 1 for top in cells.max(axis=1)]
    total = extents[0] * extents[1] * extents[2]
    if total > np.iinfo(np.int64).max:  # voxel_size below ~1e-6 on the unit sphere
        return np.unique(cells.T, axis=0, return_inverse=True)[1].reshape(-1)
    # One int64 key per voxel, in (x, y, z) index order: a 1-D problem.
    ix, iy, iz = cells.astype(np.int64)
    keys = (ix * extents[1] + iy) * extents[2] + iz
    if total > max(4 * rows.shape[1], 1 << 16):
        return np.unique(keys, return_inverse=True)[1]
    # Few enough voxels for a table over all of them (the default 0.05 has at most 42**3):
    # no sort, about twice as fast as open3d's hash map.
    occupied = np.zeros(total, dtype=bool)
    occupied[keys] = True
    return (np.cumsum(occupied) - 1)[keys]


def check(modality: str, raw: Any) -> None:
    _checked(modality, raw)


def _checked(modality: str, raw: Any) -> tuple[np.ndarray, np.ndarray]:
    """The cloud and which of its rows have finite x, y, z (at least one does)."""
    cloud = array_sample(modality, raw, ndim=2, layout=LAYOUT)
    if cloud.shape[1] not in (3, 4):
        raise InvalidSampleError(modality, f"expected {LAYOUT}, got shape {cloud.shape}")
    require_float(modality, cloud, "point coordinates")
    # Worked on as 3 rows of N: numpy reduces a length-3 axis about 20x slower than a long one.
    finite = np.isfinite(cloud[:, 0]) & np.isfinite(cloud[:, 1]) & np.isfinite(cloud[:, 2])
    if not finite.any():
        raise InvalidSampleError(modality, f"all {len(cloud)} points are NaN or Inf")
    return cloud, finite


def _sample(xyz: np.ndarray, params: dict) -> np.ndarray:
    """Exactly num_points of the (N, 3) points ``xyz``, the same ones for the same input."""
    wanted = params["num_points"]
    rng = np.random.default_rng(params["seed"])
    if len(xyz) >= wanted and params["sampling"] == "fps":
        # Imported here: open3d takes seconds to load (it brings its web visualiser along), a
        # cost only robots that ask for farthest-point sampling should pay.
        import open3d as o3d

        # Starts from point 0, so it is deterministic. Coinciding points count once, so it
        # may return fewer than asked: topped up below.
        points = o3d.geometry.PointCloud(o3d.utility.Vector3dVector(xyz))
        xyz = np.asarray(points.farthest_point_down_sample(wanted).points)
    elif len(xyz) >= wanted:
        return xyz[rng.choice(len(xyz), wanted, replace=False)]
    if len(xyz) < wanted:
        # Every point once, the rest repeated at random.
        extra = rng.choice(len(xyz), wanted - len(xyz), replace=True)
        return xyz[np.concatenate([np.arange(len(xyz)), extra])]
    return xyz
