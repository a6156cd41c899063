"""Point clouds -> (num_points, 3) xyz, NaN-free, centred, inside the unit sphere."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.preprocess.checks import array_sample, require_float
from omnibind_ros.core.preprocess.params import require

if TYPE_CHECKING:
    import open3d as o3d

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
    # float64: open3d's point type, and exact enough to centre clouds far from the origin.
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
    # Imported here: open3d takes seconds to load (it brings its web visualiser along), a
    # cost only robots with a lidar should pay.
    import open3d as o3d

    points = o3d.geometry.PointCloud(o3d.utility.Vector3dVector((rows / radius).T))
    if params["voxel_size"] > 0:
        points = points.voxel_down_sample(params["voxel_size"])
    return _sample(points, params).astype(np.float32)


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


def _sample(points: o3d.geometry.PointCloud, params: dict) -> np.ndarray:
    """Exactly num_points points, the same ones for the same input."""
    xyz, wanted = np.asarray(points.points), params["num_points"]
    rng = np.random.default_rng(params["seed"])
    if len(xyz) >= wanted and params["sampling"] == "fps":
        # Starts from point 0, so it is deterministic. Coinciding points count once, so it
        # may return fewer than asked: topped up below.
        xyz = np.asarray(points.farthest_point_down_sample(wanted).points)
    elif len(xyz) >= wanted:
        return xyz[rng.choice(len(xyz), wanted, replace=False)]
    if len(xyz) < wanted:
        # Every point once, the rest repeated at random.
        extra = rng.choice(len(xyz), wanted - len(xyz), replace=True)
        return xyz[np.concatenate([np.arange(len(xyz)), extra])]
    return xyz
