"""Event-camera messages ⇄ EventSample: PointCloud2 (x, y, t, p) and EventPacket "mono"."""

import re
from types import SimpleNamespace

import numpy as np
import pytest
from rclpy.serialization import deserialize_message, serialize_message
from sensor_msgs.msg import PointCloud2, PointField

from omnibind_ros.core.samples import EVENT_DTYPE, EventSample, make_events
from omnibind_ros.ros.conversions import ConversionError, events_to_msg, events_to_packet
from omnibind_ros.ros.conversions.buffers import message_bytes
from omnibind_ros.ros.conversions.event_packet import decode_mono, encode_mono, packet_to_events
from omnibind_ros.ros.conversions.events import cloud_to_events
from omnibind_ros.ros.conversions.header import make_header
from omnibind_ros.ros.conversions.pointcloud import (
    FieldSpec,
    PointLayout,
    cloud_records,
    records_to_cloud,
)
from omnibind_ros.ros.optional import optional_module

START_NS = 1_700_000_000_123_456_789
RNG = np.random.default_rng(3)
N = 500
EVENTS = make_events(
    x=RNG.integers(0, 640, N),
    y=RNG.integers(0, 480, N),
    t=START_NS + np.sort(RNG.integers(0, 50_000_000, N)),
    p=RNG.choice(np.array([-1, 1], np.int8), N),
)
SAMPLE = EventSample(EVENTS, 640, 480)


def test_event_cloud_round_trips_with_nanosecond_times():
    msg = events_to_msg(SAMPLE, frame_id="dvs")
    assert (msg.height, msg.width, msg.point_step) == (1, N, 9)
    assert msg.header.stamp.sec == START_NS // 10**9  # stamp defaults to the first event
    sample = cloud_to_events(msg, width=640, height=480)
    assert sample.events.dtype == EVENT_DTYPE
    assert (sample.width, sample.height) == (640, 480)
    np.testing.assert_array_equal(sample.events, EVENTS)


def test_unsorted_events_come_out_sorted_by_time_stably():
    shuffled = EVENTS[RNG.permutation(N)]
    shuffled["t"][:2] = shuffled["t"].min()  # a tie keeps message order
    sample = cloud_to_events(events_to_msg(shuffled), width=640, height=480)
    assert np.all(np.diff(sample.events["t"]) >= 0)
    np.testing.assert_array_equal(sample.events, shuffled[np.argsort(shuffled["t"], kind="stable")])


def test_sensor_size_defaults_to_the_largest_coordinate():
    sample = cloud_to_events(events_to_msg(SAMPLE))
    assert (sample.width, sample.height) == (EVENTS["x"].max() + 1, EVENTS["y"].max() + 1)


def test_events_outside_the_configured_sensor_are_rejected():
    with pytest.raises(ConversionError, match="outside sensor width 320"):
        cloud_to_events(events_to_msg(SAMPLE), width=320, height=480)


def test_float_fields_with_absolute_seconds_are_converted():
    layout = PointLayout(
        "float_events",
        (
            FieldSpec("x", PointField.FLOAT32, 0),
            FieldSpec("y", PointField.FLOAT32, 4),
            FieldSpec("t", PointField.FLOAT64, 8),
            FieldSpec("p", PointField.UINT8, 16),
        ),
        17,
    )
    records = np.zeros(3, layout.dtype())
    records["x"], records["y"], records["p"] = [1, 2, 3], [4, 5, 6], [0, 1, 1]
    records["t"] = [10.5, 10.25, 11.0]  # seconds since the epoch, unsorted
    sample = cloud_to_events(
        records_to_cloud(records, layout),
        width=8,
        height=8,
        time_unit="s",
        time_reference="absolute",
    )
    np.testing.assert_array_equal(sample.events["t"], [10_250_000_000, 10_500_000_000, 11 * 10**9])
    np.testing.assert_array_equal(sample.events["x"], [2, 1, 3])


def test_event_cloud_survives_serialization_as_from_dds():
    received = deserialize_message(serialize_message(events_to_msg(SAMPLE)), PointCloud2)
    np.testing.assert_array_equal(cloud_to_events(received, width=640, height=480).events, EVENTS)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"x": [np.nan, 1.0]}, "event x has NaN/Inf values"),
        ({"y": [-1.0, 1.0]}, "event y in -1.0..1.0 lies outside sensor height 8"),
        ({"t": [np.inf, 0.0]}, "event t has NaN/Inf values"),
    ],
)
def test_bad_event_coordinates_raise_typed_errors(values, problem):
    layout = PointLayout(
        "f32", tuple(FieldSpec(n, PointField.FLOAT32, 4 * i) for i, n in enumerate("xytp")), 16
    )
    records = np.zeros(2, layout.dtype())
    for name, column in values.items():
        records[name] = column
    with pytest.raises(ConversionError, match=re.escape(problem)):
        cloud_to_events(records_to_cloud(records, layout), width=8, height=8)


def test_cloud_without_polarity_is_rejected():
    msg = events_to_msg(SAMPLE)
    msg.fields = msg.fields[:3]
    with pytest.raises(ConversionError, match=re.escape("missing fields ['p']")):
        cloud_to_events(msg, width=640, height=480)


def test_writer_refuses_events_before_the_stamp_or_too_long_after():
    with pytest.raises(ConversionError, match="within"):
        events_to_msg(SAMPLE, stamp_ns=int(EVENTS["t"][0]) + 1)
    spread = EVENTS.copy()
    spread["t"][-1] = START_NS + 5 * 10**9
    with pytest.raises(ConversionError, match="within"):
        events_to_msg(spread)


def test_mono_words_round_trip_with_on_off_polarity():
    words = encode_mono(EVENTS, base_ns=START_NS)
    assert words.dtype == np.dtype("<u8")
    decoded = decode_mono(words.view(np.uint8), bigendian=False, base_ns=START_NS)
    np.testing.assert_array_equal(decoded[["x", "y", "t"]], EVENTS[["x", "y", "t"]])
    np.testing.assert_array_equal(decoded["p"], (EVENTS["p"] > 0).astype(np.int8))


def test_mono_bit_layout_matches_the_documented_packing():
    event = make_events(x=[0x1234], y=[0x0ABC], t=[START_NS + 0xDEADBEEF], p=[1])
    word = int(encode_mono(event, base_ns=START_NS)[0])
    assert word == (1 << 63) | (0x0ABC << 48) | (0x1234 << 32) | 0xDEADBEEF


def test_big_endian_mono_packet_decodes_the_same():
    words = encode_mono(EVENTS, base_ns=START_NS).astype(">u8")
    decoded = decode_mono(words.view(np.uint8), bigendian=True, base_ns=START_NS)
    np.testing.assert_array_equal(decoded[["x", "y", "t"]], EVENTS[["x", "y", "t"]])


def _packet(encoding="mono", events=EVENTS, width=640, height=480, **fields):
    """An EventPacket's fields (event_camera_msgs is not installed in the pip environment)."""
    data = encode_mono(events, base_ns=START_NS).view(np.uint8).tobytes()
    return SimpleNamespace(
        header=make_header(START_NS, "dvs"),
        height=height,
        width=width,
        seq=0,
        time_base=0,
        encoding=encoding,
        is_bigendian=False,
        events=data,
        **fields,
    )


def test_mono_packet_events_are_stamped_from_the_header():
    sample = packet_to_events(_packet())
    assert (sample.width, sample.height) == (640, 480)
    np.testing.assert_array_equal(sample.events["t"], EVENTS["t"])


@pytest.mark.parametrize(
    ("packet", "problem"),
    [
        (_packet(encoding="evt3"), "unsupported encoding"),
        (_packet(encoding="trigger"), "unsupported encoding"),
        (_packet(width=0), "sensor size 0x480 unknown"),
        (_packet(width=100), "outside sensor width 100"),
        (_packet(events=EVENTS[:0]), "empty packet"),
    ],
)
def test_bad_packets_raise_typed_errors(packet, problem):
    with pytest.raises(ConversionError, match=re.escape(problem)):
        packet_to_events(packet)


def test_truncated_mono_packet_is_rejected():
    packet = _packet()
    packet.events = packet.events[:-3]
    with pytest.raises(ConversionError, match="not a whole number of events"):
        packet_to_events(packet)


@pytest.mark.skipif(
    optional_module("event_camera_msgs.msg") is None, reason="event_camera_msgs is not installed"
)
def test_event_packet_message_round_trips():
    msg = events_to_packet(SAMPLE, frame_id="dvs")
    assert msg.encoding == "mono" and len(msg.events) == 8 * N
    sample = packet_to_events(msg)
    np.testing.assert_array_equal(sample.events[["x", "y", "t"]], EVENTS[["x", "y", "t"]])


@pytest.mark.skipif(
    optional_module("event_camera_py") is None, reason="event_camera_py is not installed"
)
def test_event_camera_py_decodes_mono_like_the_builtin_decoder():
    decoder = optional_module("event_camera_py").Decoder()
    buffer = encode_mono(EVENTS, base_ns=START_NS).view(np.uint8)
    decoder.decode_array("mono", 640, 480, 0, buffer)
    theirs = decoder.get_cd_events()
    ours = decode_mono(buffer, bigendian=False, base_ns=START_NS)
    for name in ("x", "y", "p"):
        np.testing.assert_array_equal(theirs[name], ours[name])


def test_event_bytes_are_read_without_copying():
    msg = events_to_msg(SAMPLE)
    assert np.shares_memory(cloud_records(msg), message_bytes(msg.data))
