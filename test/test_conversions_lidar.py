"""Lidar PointCloud2 ⇄ Nx3/Nx4 float32: driver layouts, organised clouds, NaNs, bad clouds."""

import re

import numpy as np
import pytest
from rclpy.serialization import deserialize_message, serialize_message
from sensor_msgs.msg import PointCloud2, PointField

from omnibind_ros.ros.conversions import POINT_LAYOUTS, ConversionError, points_to_msg
from omnibind_ros.ros.conversions.buffers import message_bytes
from omnibind_ros.ros.conversions.layouts import LIVOX, OUSTER, VELODYNE
from omnibind_ros.ros.conversions.lidar import cloud_to_points
from omnibind_ros.ros.conversions.pointcloud import FieldSpec, PointLayout, cloud_records
from omnibind_ros.ros.optional import optional_module

RNG = np.random.default_rng(2)
XYZI = RNG.uniform(-50, 50, size=(200, 4)).astype(np.float32)
EXTRA_FIELDS = {
    "velodyne": {"ring": RNG.integers(0, 32, 200), "time": RNG.uniform(0, 0.1, 200)},
    "ouster": {
        "t": RNG.integers(0, 100_000_000, 200),
        "reflectivity": RNG.integers(0, 65535, 200),
        "ring": RNG.integers(0, 128, 200),
        "ambient": RNG.integers(0, 65535, 200),
        "range": RNG.integers(0, 200_000, 200),
    },
    "livox": {
        "tag": RNG.integers(0, 256, 200),
        "line": RNG.integers(0, 6, 200),
        "timestamp": RNG.uniform(1.7e18, 1.8e18, 200),
    },
}


def test_driver_layouts_have_their_documented_record_sizes():
    assert (VELODYNE.point_step, OUSTER.point_step, LIVOX.point_step) == (22, 48, 26)
    assert {f.name: f.offset for f in OUSTER.fields}["intensity"] == 16  # after 4 pad bytes
    assert {f.name: f.offset for f in LIVOX.fields}["timestamp"] == 18  # unaligned float64
    assert {f.name: f.offset for f in VELODYNE.fields}["time"] == 18  # unaligned float32


@pytest.mark.parametrize("layout", ["xyzi", "velodyne", "ouster", "livox"])
def test_every_layout_round_trips_points_and_extra_fields(layout):
    extra = EXTRA_FIELDS.get(layout, {})
    msg = points_to_msg(XYZI, layout, stamp_ns=7, frame_id="lidar", extra_fields=extra)
    assert msg.point_step == POINT_LAYOUTS[layout].point_step
    assert len(msg.data) == 200 * msg.point_step
    cloud = cloud_to_points(msg)
    np.testing.assert_array_equal(cloud.points, XYZI)
    assert cloud.points.dtype == np.float32 and cloud.nonfinite == 0
    records = cloud_records(msg).reshape(-1)
    for name, values in extra.items():
        np.testing.assert_array_equal(records[name], values.astype(records.dtype[name]))


def test_xyz_layout_gives_nx3():
    cloud = cloud_to_points(points_to_msg(XYZI[:, :3], "xyz"))
    np.testing.assert_array_equal(cloud.points, XYZI[:, :3])


def test_missing_intensity_is_zero_and_can_be_left_out():
    msg = points_to_msg(XYZI[:, :3], "xyzi")
    assert np.all(cloud_to_points(msg).points[:, 3] == 0)
    assert cloud_to_points(msg, intensity_field="").points.shape == (200, 3)


def test_another_field_can_serve_as_intensity():
    msg = points_to_msg(XYZI, "ouster", extra_fields=EXTRA_FIELDS["ouster"])
    cloud = cloud_to_points(msg, intensity_field="reflectivity")
    np.testing.assert_array_equal(cloud.points[:, 3], EXTRA_FIELDS["ouster"]["reflectivity"])


def test_organised_cloud_keeps_rows_and_reads_row_major():
    organised = XYZI.reshape(8, 25, 4)  # an Ouster scan: 8 beams x 25 columns
    msg = points_to_msg(organised, "ouster")
    assert (msg.height, msg.width, msg.row_step) == (8, 25, 25 * 48)
    assert cloud_records(msg).shape == (8, 25)
    np.testing.assert_array_equal(cloud_to_points(msg).points, XYZI)


@pytest.mark.parametrize(("layout", "field"), [("velodyne", "ring"), ("livox", "timestamp")])
def test_big_endian_clouds_read_the_same(layout, field):
    msg = points_to_msg(XYZI, layout, bigendian=True, extra_fields=EXTRA_FIELDS[layout])
    assert msg.is_bigendian
    np.testing.assert_array_equal(cloud_to_points(msg).points, XYZI)
    np.testing.assert_array_equal(cloud_records(msg)[field][0], EXTRA_FIELDS[layout][field])


def test_row_padding_between_rows_is_skipped():
    msg = points_to_msg(XYZI.reshape(4, 50, 4), "livox")
    rows = message_bytes(msg.data).reshape(4, 50 * 26)
    padded = np.zeros((4, 50 * 26 + 6), dtype=np.uint8)
    padded[:, : 50 * 26] = rows
    msg.row_step, msg.data = padded.shape[1], padded.tobytes()
    np.testing.assert_array_equal(cloud_to_points(msg).points, XYZI)


def test_nan_points_are_removed_and_counted():
    with_nan = XYZI.copy()
    with_nan[[3, 10, 11], 0] = np.nan
    with_nan[20, 3] = np.inf  # a broken intensity spoils the point too
    msg = points_to_msg(with_nan, "velodyne")
    assert not msg.is_dense
    cloud = cloud_to_points(msg)
    assert cloud.nonfinite == 4 and cloud.points.shape == (196, 4)
    np.testing.assert_array_equal(cloud.points, np.delete(XYZI, [3, 10, 11, 20], axis=0))


def test_dense_flag_is_not_trusted():
    with_nan = XYZI.copy()
    with_nan[0, 2] = np.nan
    msg = points_to_msg(with_nan, "xyzi")
    msg.is_dense = True  # drivers set it wrongly
    assert cloud_to_points(msg).nonfinite == 1


def test_all_nan_cloud_gives_an_empty_sample_for_core_to_reject():
    cloud = cloud_to_points(points_to_msg(np.full((5, 3), np.nan, np.float32), "xyz"))
    assert cloud.points.shape == (0, 3) and cloud.nonfinite == 5


def test_range_limits_remove_and_count_points():
    points = np.array([[0.5, 0, 0], [3, 4, 0], [100, 0, 0], [np.nan, 0, 0]], np.float32)
    cloud = cloud_to_points(points_to_msg(points, "xyz"), min_range=1.0, max_range=50.0)
    np.testing.assert_array_equal(cloud.points, [[3, 4, 0]])
    assert (cloud.nonfinite, cloud.out_of_range) == (1, 2)


def test_any_field_datatype_is_cast_to_float32():
    layout = PointLayout(
        "mixed",
        (
            FieldSpec("x", PointField.FLOAT64, 0),
            FieldSpec("y", PointField.INT16, 8),
            FieldSpec("z", PointField.INT8, 10),
            FieldSpec("intensity", PointField.UINT8, 11),
        ),
        12,
    )
    points = np.array([[1.5, -300, -7, 200], [2.25, 12, 100, 0]], np.float32)
    np.testing.assert_array_equal(cloud_to_points(points_to_msg(points, layout)).points, points)


def test_fields_with_count_read_as_numbered_columns():
    layout = PointLayout(
        "normals",
        (*POINT_LAYOUTS["xyz"].fields, FieldSpec("normal", PointField.FLOAT32, 12, count=3)),
        24,
    )
    records = cloud_records(points_to_msg(XYZI[:, :3], layout))
    assert records.dtype.names == ("x", "y", "z", "normal_0", "normal_1", "normal_2")


def test_cloud_survives_serialization_as_from_dds():
    msg = points_to_msg(XYZI, "ouster", extra_fields=EXTRA_FIELDS["ouster"])
    received = deserialize_message(serialize_message(msg), PointCloud2)
    np.testing.assert_array_equal(cloud_to_points(received).points, XYZI)
    np.testing.assert_array_equal(cloud_records(received)["ring"], cloud_records(msg)["ring"])


def _cloud(**change) -> PointCloud2:
    msg = points_to_msg(XYZI[:10], "xyzi")
    for name, value in change.items():
        setattr(msg, name, value)
    return msg


@pytest.mark.parametrize(
    ("msg", "problem"),
    [
        (_cloud(fields=POINT_LAYOUTS["xyzi"].point_fields()[1:]), "missing fields ['x']"),
        (_cloud(fields=[]), "cloud has no fields"),
        (_cloud(width=0), "empty cloud"),
        (_cloud(width=11, row_step=176), "data length 160 != row_step*height 176"),
        (_cloud(row_step=150), "row_step 150 < width*point_step 160"),
        (_cloud(point_step=14), "field 'intensity' (offset 12, 4 bytes) ends past point_step 14"),
        (
            _cloud(fields=[PointField(name="x", offset=0, datatype=9, count=1)]),
            "field 'x' has unknown datatype 9",
        ),
        (
            _cloud(fields=[PointField(name="x", offset=0, datatype=7, count=1)] * 2),
            "duplicate field names",
        ),
        (
            _cloud(fields=[PointField(name="x", offset=0, datatype=7, count=0)]),
            "field 'x' has count 0",
        ),
    ],
)
def test_malformed_clouds_raise_typed_errors(msg, problem):
    with pytest.raises(ConversionError, match=re.escape(problem)):
        cloud_to_points(msg)


@pytest.mark.parametrize(
    ("points", "layout", "extra"),
    [
        (XYZI[:, :2], "xyz", None),
        (XYZI, "xyz", None),  # intensity would be dropped silently
        (XYZI, "hesai", None),
        (XYZI, "xyzi", {"ring": np.zeros(200)}),
    ],
)
def test_writer_rejects_points_the_layout_cannot_hold(points, layout, extra):
    with pytest.raises(ConversionError):
        points_to_msg(points, layout, extra_fields=extra)


@pytest.mark.skipif(
    optional_module("sensor_msgs_py.point_cloud2") is None, reason="sensor_msgs_py is not installed"
)
@pytest.mark.parametrize("layout", ["velodyne", "ouster", "livox"])
def test_sensor_msgs_py_reads_the_same_records(layout):
    from sensor_msgs_py import point_cloud2

    from omnibind_ros.ros.conversions.pointcloud import fields_dtype

    msg = points_to_msg(XYZI, layout, extra_fields=EXTRA_FIELDS[layout])
    theirs = point_cloud2.read_points(msg)
    ours = message_bytes(msg.data).view(fields_dtype(msg.fields, msg.point_step, False))
    assert theirs.dtype == ours.dtype
    np.testing.assert_array_equal(theirs, ours)
