"""Well-formed and malformed sensor messages for node tests, built with the product's writers."""

from __future__ import annotations

import time

import numpy as np
from sensor_msgs.msg import Image, PointCloud2, PointField
from std_msgs.msg import Int16MultiArray

from omnibind_ros.core.samples import make_events
from omnibind_ros.ros.conversions import (
    audio_to_msg,
    events_to_msg,
    image_to_msg,
    points_to_msg,
    thermal_to_msg,
)

RNG = np.random.default_rng(7)


def camera_msg() -> Image:
    return image_to_msg(RNG.integers(0, 255, (48, 64, 3), dtype=np.uint8), "rgb8", time.time_ns())


def thermal_msg() -> Image:
    celsius = RNG.normal(30.0, 5.0, (24, 32)).astype(np.float32)
    return thermal_to_msg(celsius, "mono16", stamp_ns=time.time_ns())


def audio_msg(seconds: float = 0.1, rate: int = 16000) -> Int16MultiArray:
    return audio_to_msg(RNG.normal(0.0, 0.1, round(seconds * rate)).astype(np.float32))


def lidar_msg(points: int = 2000) -> PointCloud2:
    xyzi = RNG.normal(0.0, 3.0, (points, 4)).astype(np.float32)
    return points_to_msg(xyzi, "xyzi", time.time_ns(), "lidar")


def event_msg(count: int = 500) -> PointCloud2:
    now = time.time_ns()
    t = np.sort(RNG.integers(now - 20_000_000, now, count)).astype(np.int64)
    x = RNG.integers(0, 64, count).astype(np.uint16)
    y = RNG.integers(0, 48, count).astype(np.uint16)
    p = RNG.choice(np.array([-1, 1], dtype=np.int8), count)
    return events_to_msg(make_events(x, y, t, p), stamp_ns=int(t[0]))


# -- malformed: each breaks a different rule a real driver bug or a bad bag could break ------


def image_wrong_encoding() -> Image:
    msg = camera_msg()
    msg.encoding = "yuv422_weird"
    return msg


def image_truncated() -> Image:
    msg = camera_msg()
    msg.data = msg.data[: len(msg.data) // 2]
    return msg


def thermal_truncated() -> Image:
    msg = thermal_msg()
    msg.data = msg.data[:-1]
    return msg


def thermal_all_nan() -> Image:
    return thermal_to_msg(np.full((24, 32), np.nan, np.float32), "32FC1", stamp_ns=time.time_ns())


def cloud_missing_fields() -> PointCloud2:
    msg = lidar_msg(100)
    msg.fields = [f for f in msg.fields if f.name != "z"]
    return msg


def cloud_truncated() -> PointCloud2:
    msg = lidar_msg(100)
    msg.data = msg.data[:-7]
    return msg


def cloud_empty() -> PointCloud2:
    msg = lidar_msg(1)
    msg.width, msg.data = 0, []
    return msg


def cloud_all_nan() -> PointCloud2:
    return points_to_msg(np.full((50, 4), np.nan, np.float32), "xyzi", time.time_ns())


def events_wrong_fields() -> PointCloud2:
    msg = event_msg(10)
    msg.fields = [PointField(name="a", offset=0, datatype=PointField.FLOAT32, count=1)]
    return msg


def audio_layout_mismatch() -> Int16MultiArray:
    msg = audio_msg()
    msg.layout.dim[0].size = 99999  # says more frames than the data holds
    return msg


def audio_empty() -> Int16MultiArray:
    return Int16MultiArray()


MALFORMED = {
    "image": [image_wrong_encoding, image_truncated],
    "thermal": [image_wrong_encoding, thermal_all_nan, thermal_truncated],
    "lidar": [cloud_missing_fields, cloud_truncated, cloud_empty, cloud_all_nan],
    "event": [events_wrong_fields, cloud_truncated],
    "audio": [audio_layout_mismatch, audio_empty],
}
