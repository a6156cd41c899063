"""Lidar PointCloud2 ⇄ the core sample: Nx3 (x, y, z) or Nx4 (+ intensity) float32.

Points with a NaN/Inf coordinate or intensity (a dropped return; ``is_dense`` is not trusted)
and, when asked, points outside [min_range, max_range] are removed here and counted, so core
receives only real points. A cloud with no valid point comes out as an empty array, which the
converter rejects with core's sample check.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from sensor_msgs.msg import PointCloud2

from omnibind_ros.core.limits import DEFAULT_MAX_POINTS
from omnibind_ros.ros.conversions.errors import ConversionError
from omnibind_ros.ros.conversions.layouts import POINT_LAYOUTS
from omnibind_ros.ros.conversions.pointcloud import PointLayout, cloud_records, records_to_cloud

XYZ_FIELDS = ("x", "y", "z")


class CloudPoints(NamedTuple):
    points: np.ndarray  # (N, 3) or (N, 4) float32
    nonfinite: int  # points removed for a NaN/Inf value
    out_of_range: int  # finite points removed by min_range / max_range


def cloud_to_points(
    msg: PointCloud2,
    *,
    intensity_field: str = "intensity",
    min_range: float = 0.0,
    max_range: float = math.inf,
    max_points: int = DEFAULT_MAX_POINTS,
) -> CloudPoints:
    """x, y, z (+ ``intensity_field`` when the cloud has it) of every valid point, as float32."""
    records = cloud_records(msg, max_points=max_points)
    names = records.dtype.names
    missing = [name for name in XYZ_FIELDS if name not in names]
    if missing:
        raise ConversionError(f"missing fields {missing}; the cloud has {list(names)}")
    columns = [*XYZ_FIELDS, *([intensity_field] if intensity_field in names else [])]
    # Column-wise casts from the (possibly strided, big-endian) record view: no record copy.
    table = np.empty((*records.shape, len(columns)), dtype=np.float32)
    # float64 beyond float32's range becomes Inf: removed and counted with the NaN points.
    with np.errstate(over="ignore"):
        for index, name in enumerate(columns):
            table[..., index] = records[name]
    points = table.reshape(-1, len(columns))
    keep = np.isfinite(points).all(axis=1)
    nonfinite = keep.size - int(np.count_nonzero(keep))
    out_of_range = 0
    if min_range > 0 or max_range < math.inf:
        xyz = points[:, :3]
        squared = np.einsum("ij,ij->i", xyz, xyz)
        with np.errstate(invalid="ignore"):
            in_range = (squared >= min_range**2) & (squared <= max_range**2)
        out_of_range = int(np.count_nonzero(keep & ~in_range))
        keep &= in_range
    if nonfinite or out_of_range:
        points = points[keep]
    return CloudPoints(points, nonfinite, out_of_range)


def points_to_msg(
    points: np.ndarray,
    layout: str | PointLayout = "xyzi",
    stamp_ns: int = 0,
    frame_id: str = "",
    *,
    extra_fields: Mapping[str, np.ndarray] | None = None,
    bigendian: bool = False,
) -> PointCloud2:
    """Nx3/Nx4 points (or organised HxWx3/HxWx4) as a cloud in a driver's ``layout``.

    ``layout`` is a name in POINT_LAYOUTS or a PointLayout. Fields other than x, y, z and
    intensity (ring, time, ...) come from ``extra_fields`` or are zero.
    """
    if isinstance(layout, str):
        if layout not in POINT_LAYOUTS:
            raise ConversionError(
                f"unknown point layout {layout!r}; expected one of {', '.join(POINT_LAYOUTS)}"
            )
        layout = POINT_LAYOUTS[layout]
    points = np.asarray(points)
    if points.ndim not in (2, 3) or points.shape[-1] not in (3, 4):
        raise ConversionError(f"expected Nx3/Nx4 (or HxWx3/HxWx4) points, got {points.shape}")
    records = np.zeros(points.shape[:-1], dtype=layout.dtype(bigendian))
    columns = [*XYZ_FIELDS, "intensity"][: points.shape[-1]]
    values = {name: points[..., index] for index, name in enumerate(columns)}
    values.update(extra_fields or {})
    for name, column in values.items():
        if name not in records.dtype.names:
            raise ConversionError(f"layout {layout.name!r} has no field {name!r}")
        records[name] = column
    dense = bool(np.isfinite(points).all())
    return records_to_cloud(
        records, layout, stamp_ns, frame_id, bigendian=bigendian, is_dense=dense
    )
