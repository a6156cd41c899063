"""sensor_msgs/PointCloud2 ⇄ numpy structured arrays, for any field layout.

A structured dtype built from the message's fields, with ``itemsize = point_step``, reads every
driver's record (unaligned offsets, padding, fields with count > 1) as a zero-copy view.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sensor_msgs.msg import PointCloud2, PointField

from omnibind_ros.ros.conversions.buffers import byte_array, message_bytes
from omnibind_ros.ros.conversions.errors import ConversionError
from omnibind_ros.ros.conversions.header import make_header
from omnibind_ros.ros.optional import optional_module

DATATYPES: dict[int, str] = {
    PointField.INT8: "i1",
    PointField.UINT8: "u1",
    PointField.INT16: "i2",
    PointField.UINT16: "u2",
    PointField.INT32: "i4",
    PointField.UINT32: "u4",
    PointField.FLOAT32: "f4",
    PointField.FLOAT64: "f8",
}
UNNAMED_FIELD_PREFIX = "unnamed_field"  # sensor_msgs_py's name for a field with an empty name
# Values per point, all fields' counts together; each becomes one numpy field, so the bound
# keeps a cloud with count 10^7 from costing seconds. Descriptors stay well below it (PCL's
# SHOT is 352 floats).
MAX_FIELD_ELEMENTS = 1024


class FieldLike(Protocol):
    name: str
    offset: int
    datatype: int
    count: int


@dataclass(frozen=True)
class FieldSpec:
    name: str
    datatype: int  # a PointField datatype constant
    offset: int
    count: int = 1


@dataclass(frozen=True)
class PointLayout:
    """A driver's point record: its fields and the bytes per point, padding included."""

    name: str
    fields: tuple[FieldSpec, ...]
    point_step: int

    def point_fields(self) -> list[PointField]:
        return [
            PointField(name=f.name, offset=f.offset, datatype=f.datatype, count=f.count)
            for f in self.fields
        ]

    def dtype(self, bigendian: bool = False) -> np.dtype:
        return fields_dtype(self.fields, self.point_step, bigendian)


def fields_dtype(fields: Iterable[FieldLike], point_step: int, bigendian: bool) -> np.dtype:
    """The structured dtype of one point; a field with count n > 1 becomes name_0..name_{n-1}."""
    order = ">" if bigendian else "<"
    names: list[str] = []
    formats: list[str] = []
    offsets: list[int] = []
    for index, field in enumerate(fields):
        code = DATATYPES.get(field.datatype)
        if code is None:
            raise ConversionError(f"field {field.name!r} has unknown datatype {field.datatype}")
        if not 1 <= field.count <= MAX_FIELD_ELEMENTS - len(names):
            raise ConversionError(
                f"field {field.name!r} has count {field.count}; a point holds 1 to "
                f"{MAX_FIELD_ELEMENTS} values in all"
            )
        size = np.dtype(code).itemsize
        if field.offset + size * field.count > point_step:
            raise ConversionError(
                f"field {field.name!r} (offset {field.offset}, {size * field.count} bytes) "
                f"ends past point_step {point_step}"
            )
        base = field.name or f"{UNNAMED_FIELD_PREFIX}_{index}"
        for element in range(field.count):
            names.append(base if field.count == 1 else f"{base}_{element}")
            formats.append(order + code)
            offsets.append(field.offset + element * size)
    if not names:
        raise ConversionError("cloud has no fields")
    if len(set(names)) != len(names):
        raise ConversionError(f"duplicate field names in {names}")
    layout = {"names": names, "formats": formats, "offsets": offsets, "itemsize": point_step}
    return np.dtype(layout)


def cloud_records(msg: PointCloud2, max_points: int = 0) -> np.ndarray:
    """The points as an (height, width) structured array; a view of ``msg.data``.

    ``max_points`` (0: no limit) bounds what one message may cost.

    Honours ``point_step``, ``row_step`` (row padding), ``is_bigendian`` and organised clouds
    (height > 1). Uses sensor_msgs_py when it is installed and the rows are unpadded (the only
    layout it reads); the result is the same.
    """
    height, width = int(msg.height), int(msg.width)
    point_step, row_step = int(msg.point_step), int(msg.row_step)
    # Sizes first: they cost nothing to check, and the fields are only worth reading for a
    # cloud whose data is there.
    if height * width == 0:
        raise ConversionError(f"empty cloud ({width}x{height} points)")
    if max_points and height * width > max_points:
        raise ConversionError(f"{width}x{height} points exceed the limit of {max_points}")
    if row_step < width * point_step:
        raise ConversionError(f"row_step {row_step} < width*point_step {width * point_step}")
    data = message_bytes(msg.data)
    if data.size != row_step * height:
        raise ConversionError(f"data length {data.size} != row_step*height {row_step * height}")
    dtype = fields_dtype(msg.fields, point_step, msg.is_bigendian)
    point_cloud2 = optional_module("sensor_msgs_py.point_cloud2")
    native = msg.is_bigendian == (sys.byteorder == "big")
    if point_cloud2 is not None and native and row_step == width * point_step:
        return point_cloud2.read_points(msg).reshape(height, width)
    # Row padding (row_step > width*point_step) is sliced away: still a view, no copy.
    return data.reshape(height, row_step)[:, : width * point_step].view(dtype)


def records_to_cloud(
    records: np.ndarray,
    layout: PointLayout,
    stamp_ns: int = 0,
    frame_id: str = "",
    *,
    bigendian: bool = False,
    is_dense: bool = True,
) -> PointCloud2:
    """Records of ``layout.dtype(bigendian)``, shape (N,) or organised (H, W), as a cloud."""
    height, width = (1, records.shape[0]) if records.ndim == 1 else records.shape
    msg = PointCloud2(
        header=make_header(stamp_ns, frame_id),
        height=height,
        width=width,
        fields=layout.point_fields(),
        is_bigendian=bigendian,
        point_step=layout.point_step,
        row_step=width * layout.point_step,
        is_dense=is_dense,
    )
    msg.data = byte_array(records)
    return msg
