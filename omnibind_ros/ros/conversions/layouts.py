"""Point record layouts of common drivers, as the clouds they publish lay them out.

The readers accept any layout; these presets let the writers (simulated sensors, tests,
benchmarks) produce each driver's exact bytes, padding and unaligned offsets included.
"""

from __future__ import annotations

from sensor_msgs.msg import PointField

from omnibind_ros.ros.conversions.pointcloud import FieldSpec, PointLayout

_F32, _F64 = PointField.FLOAT32, PointField.FLOAT64
_U8, _U16, _U32, _I8 = PointField.UINT8, PointField.UINT16, PointField.UINT32, PointField.INT8

XYZ = PointLayout(
    "xyz", (FieldSpec("x", _F32, 0), FieldSpec("y", _F32, 4), FieldSpec("z", _F32, 8)), 12
)
XYZI = PointLayout("xyzi", (*XYZ.fields, FieldSpec("intensity", _F32, 12)), 16)

# velodyne_pointcloud (ROS 2) PointXYZIRT: packed, so `time` sits unaligned at offset 18.
VELODYNE = PointLayout(
    "velodyne", (*XYZI.fields, FieldSpec("ring", _U16, 16), FieldSpec("time", _F32, 18)), 22
)

# ouster-ros PointOS: x, y, z padded to 16 bytes (PCL's point4D), record aligned to 48 bytes.
OUSTER = PointLayout(
    "ouster",
    (
        *XYZ.fields,
        FieldSpec("intensity", _F32, 16),
        FieldSpec("t", _U32, 20),
        FieldSpec("reflectivity", _U16, 24),
        FieldSpec("ring", _U16, 26),
        FieldSpec("ambient", _U16, 28),
        FieldSpec("range", _U32, 32),
    ),
    48,
)

# livox_ros_driver2 PointXYZRTLT: packed, so the float64 `timestamp` sits at offset 18.
LIVOX = PointLayout(
    "livox",
    (
        *XYZI.fields,
        FieldSpec("tag", _U8, 16),
        FieldSpec("line", _U8, 17),
        FieldSpec("timestamp", _F64, 18),
    ),
    26,
)

POINT_LAYOUTS: dict[str, PointLayout] = {
    layout.name: layout for layout in (XYZ, XYZI, VELODYNE, OUSTER, LIVOX)
}

# Events as points: pixel x, y; t = nanoseconds after the header stamp; polarity p. Packed.
EVENT_LAYOUT = PointLayout(
    "events",
    (
        FieldSpec("x", _U16, 0),
        FieldSpec("y", _U16, 2),
        FieldSpec("t", _U32, 4),
        FieldSpec("p", _I8, 8),
    ),
    9,
)
