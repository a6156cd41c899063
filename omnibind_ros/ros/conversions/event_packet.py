"""event_camera_msgs/EventPacket ⇄ EventSample (the message package is optional).

The "mono" encoding (documented in event_camera_msgs' README: one little/big-endian uint64
per event, bit 63 polarity, bits 48-62 y, 32-47 x, 0-31 dt in ns) is decoded here with numpy;
dt is added to the header stamp, the README's best estimate of ROS time.
Stateful camera formats (evt3, libcaer, ...) need event_camera_py's decoder, used when it is
installed; their sensor time counts from camera start, so event times are laid on the header
stamp (the host time of the packet's first event). Other encodings raise ConversionError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from omnibind_ros.core.limits import DEFAULT_MAX_EVENTS, DEFAULT_MAX_SENSOR_SIDE
from omnibind_ros.core.samples import EventSample, make_events
from omnibind_ros.ros.conversions.buffers import byte_array, message_bytes
from omnibind_ros.ros.conversions.errors import ConversionError
from omnibind_ros.ros.conversions.events import pixel_coordinates, sort_by_time
from omnibind_ros.ros.conversions.header import make_header, stamp_to_ns
from omnibind_ros.ros.optional import message_class, optional_module

MONO = "mono"
# Camera formats event_camera_codecs decodes into change-detection events.
CODEC_ENCODINGS = ("evt3", "libcaer", "libcaer_cmp")
EVENT_PACKET = "event_camera_msgs/msg/EventPacket"
_US_TO_NS = 1_000


def decode_mono(buffer: np.ndarray, *, bigendian: bool, base_ns: int) -> np.ndarray:
    """Bytes of a "mono" packet as EVENT_DTYPE events at ``base_ns`` + dt."""
    if buffer.size % 8:
        raise ConversionError(f"{buffer.size} bytes is not a whole number of events", encoding=MONO)
    words = buffer.view(">u8" if bigendian else "<u8")
    return make_events(
        x=((words >> 32) & 0xFFFF).astype(np.uint16),
        y=((words >> 48) & 0x7FFF).astype(np.uint16),
        t=(words & 0xFFFFFFFF).astype(np.int64) + base_ns,
        p=(words >> 63).astype(np.int8),
    )


def encode_mono(events: np.ndarray, *, base_ns: int) -> np.ndarray:
    """EVENT_DTYPE events as little-endian "mono" words; positive p is ON (1), else OFF (0)."""
    dt = events["t"].astype(np.int64) - base_ns
    if dt.size and (dt.min() < 0 or dt.max() > 0xFFFFFFFF):
        raise ConversionError(f"event times must lie within 2^32 ns after {base_ns}", encoding=MONO)
    if events.size and events["y"].max() > 0x7FFF:
        raise ConversionError("y must fit 15 bits", encoding=MONO)
    words = (
        ((events["p"] > 0).astype(np.uint64) << np.uint64(63))
        | (events["y"].astype(np.uint64) << np.uint64(48))
        | (events["x"].astype(np.uint64) << np.uint64(32))
        | dt.astype(np.uint64)
    )
    return words.astype("<u8")


def packet_to_events(
    msg: Any,
    *,
    width: int = 0,
    height: int = 0,
    decoder: Any = None,
    max_events: int = DEFAULT_MAX_EVENTS,
    max_sensor_side: int = DEFAULT_MAX_SENSOR_SIDE,
) -> EventSample:
    """An EventPacket's events, sorted by t (ns). ``width``/``height`` 0 take the message's.

    ``decoder`` is an ``event_camera_py.Decoder`` kept per topic (evt3 carries time state from
    packet to packet); it is needed only for CODEC_ENCODINGS.
    """
    encoding = msg.encoding
    width, height = width or int(msg.width), height or int(msg.height)
    if width == 0 or height == 0:
        raise ConversionError(f"sensor size {width}x{height} unknown", encoding=encoding)
    if max(width, height) > max_sensor_side:
        raise ConversionError(
            f"sensor size {width}x{height} exceeds the limit of {max_sensor_side}",
            encoding=encoding,
        )
    buffer = message_bytes(msg.events)
    if buffer.size == 0:
        raise ConversionError("empty packet", encoding=encoding)
    # Mono: 8 bytes per event; the camera formats pack events tighter, so they are checked
    # again once decoded.
    if encoding == MONO and buffer.size // 8 > max_events:
        raise ConversionError(
            f"{buffer.size // 8} events exceed the limit of {max_events}", encoding=encoding
        )
    stamp = stamp_to_ns(msg.header.stamp)
    if encoding == MONO:
        events = decode_mono(buffer, bigendian=msg.is_bigendian, base_ns=stamp)
    elif encoding in CODEC_ENCODINGS and decoder is not None:
        events = _decode_with_codec(decoder, msg, buffer, width, height, stamp)
    else:
        raise ConversionError(
            f"unsupported encoding; '{MONO}' is built in, {', '.join(CODEC_ENCODINGS)} need "
            "event_camera_py",
            encoding=encoding,
        )
    if len(events) > max_events:
        raise ConversionError(
            f"{len(events)} events exceed the limit of {max_events}", encoding=encoding
        )
    pixel_coordinates(events["x"], width, "x", "width", max_sensor_side)
    pixel_coordinates(events["y"], height, "y", "height", max_sensor_side)
    return EventSample(sort_by_time(events), width, height)


def _decode_with_codec(
    decoder: Any, msg: Any, buffer: np.ndarray, width: int, height: int, stamp: int
) -> np.ndarray:
    decoder.decode_array(msg.encoding, width, height, msg.time_base, buffer)
    decoded = decoder.get_cd_events()  # fields x, y, p, t (sensor microseconds)
    t_us = decoded["t"].astype(np.int64)
    t = stamp + (t_us - (t_us.min() if t_us.size else 0)) * _US_TO_NS
    return make_events(decoded["x"], decoded["y"], t, decoded["p"].astype(np.int8))


def new_codec_decoder() -> Any:
    """An ``event_camera_py.Decoder``, or None when event_camera_py is not installed."""
    module = optional_module("event_camera_py")
    return module.Decoder() if module is not None else None


def events_to_packet(
    events: EventSample, stamp_ns: int | None = None, frame_id: str = "", seq: int = 0
) -> Any:
    """An EventSample as a "mono" EventPacket (needs event_camera_msgs)."""
    packet_class = message_class(EVENT_PACKET)
    array = events.events
    if stamp_ns is None:
        stamp_ns = int(array["t"].min()) if array.size else 0
    msg = packet_class(
        header=make_header(stamp_ns, frame_id),
        height=events.height,
        width=events.width,
        seq=seq,
        time_base=stamp_ns,
        encoding=MONO,
        is_bigendian=False,
    )
    msg.events = byte_array(encode_mono(array, base_ns=stamp_ns))
    return msg
