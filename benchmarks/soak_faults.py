"""Malformed sensor messages for the soak: each corrupts a well-formed message the way a driver
bug, a bad bag or a flipped bit would, and each must be rejected (and counted) by the node."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sensor_msgs.msg import Image, PointCloud2, PointField
from std_msgs.msg import Int16MultiArray, MultiArrayDimension

from omnibind_ros.ros.conversions import thermal_to_msg


def _truncated(msg):
    msg.data = msg.data[: len(msg.data) // 2]
    return msg


def _wrong_encoding(msg: Image) -> Image:
    msg.encoding = "yuv422_weird"
    return msg


def _huge_image_tiny_data(msg: Image) -> Image:
    msg.height, msg.width, msg.step = 100_000, 100_000, 300_000
    return msg


def _step_too_small(msg: Image) -> Image:
    msg.step = 1
    return msg


def _thermal_all_nan(msg: Image) -> Image:
    return thermal_to_msg(
        np.full((msg.height, msg.width), np.nan, np.float32), "32FC1", frame_id="thermal"
    )


def _thermal_with_inf(msg: Image) -> Image:
    celsius = np.full((msg.height, msg.width), 25.0, np.float32)
    celsius[0, 0] = np.inf
    return thermal_to_msg(celsius, "32FC1", frame_id="thermal")


def _cloud_without_z(msg: PointCloud2) -> PointCloud2:
    msg.fields = [f for f in msg.fields if f.name not in ("z", "t")]
    return msg


def _cloud_with_a_huge_count(msg: PointCloud2) -> PointCloud2:
    msg.width, msg.row_step, msg.data = 0, 0, []
    msg.fields = [PointField(name="x", offset=0, datatype=PointField.FLOAT32, count=10**7)]
    return msg


def _cloud_all_nan(msg: PointCloud2) -> PointCloud2:
    data = np.frombuffer(bytes(msg.data), np.uint8).copy()
    data.reshape(-1, msg.point_step)[:, :12] = np.frombuffer(
        np.full(3, np.nan, "<f4").tobytes(), np.uint8
    )  # x, y, z of every point: the xyzi layout's first 12 bytes
    msg.data = data.tobytes()
    return msg


def _events_polarity_out_of_range(msg: PointCloud2) -> PointCloud2:
    data = np.frombuffer(bytes(msg.data), np.uint8).copy()
    data.reshape(-1, msg.point_step)[:, 8] = 5  # EVENT_LAYOUT's p (int8) at offset 8
    msg.data = data.tobytes()
    return msg


def _events_far_off_the_sensor(msg: PointCloud2) -> PointCloud2:
    data = np.frombuffer(bytes(msg.data), np.uint8).copy()
    data.reshape(-1, msg.point_step)[0, 0:2] = np.frombuffer(np.uint16(7999).tobytes(), np.uint8)
    msg.data = data.tobytes()
    return msg


def _audio_layout_mismatch(msg: Int16MultiArray) -> Int16MultiArray:
    msg.layout.dim[0].size = 99999
    return msg


def _audio_empty(msg: Int16MultiArray) -> Int16MultiArray:
    return Int16MultiArray()


def _audio_three_dimensions(msg: Int16MultiArray) -> Int16MultiArray:
    msg.layout.dim = [*msg.layout.dim, MultiArrayDimension(label="x", size=1, stride=1)]
    return msg


_IMAGE = [_truncated, _wrong_encoding, _huge_image_tiny_data, _step_too_small]
FAULTS: dict[str, list[Callable]] = {
    "image": _IMAGE,
    "tactile": _IMAGE,
    "thermal": [_truncated, _wrong_encoding, _thermal_all_nan, _thermal_with_inf],
    "lidar": [_truncated, _cloud_without_z, _cloud_with_a_huge_count, _cloud_all_nan],
    "event": [
        _truncated,
        _cloud_without_z,
        _cloud_with_a_huge_count,
        _events_polarity_out_of_range,
        _events_far_off_the_sensor,
    ],
    "audio": [_audio_layout_mismatch, _audio_empty, _audio_three_dimensions],
}


def corrupt(modality: str, msg, rng: np.random.Generator):
    """``msg`` broken by one of ``modality``'s faults, chosen by ``rng``; returns (msg, name)."""
    fault = FAULTS[modality][rng.integers(len(FAULTS[modality]))]
    return fault(msg), fault.__name__.lstrip("_")
