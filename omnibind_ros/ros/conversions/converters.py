"""One converter per (modality, message type): options checked once, then message -> sample.

The perception node builds one per sensor slot from the slot's options and calls
``to_sample`` on every message; ``stamp_ns`` gives the header stamp (None for messages that
have no header). Keys in the options that a converter does not use are ignored: the node's
per-sensor table also holds options of other stages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from omnibind_ros.core.errors import ConfigError, InvalidSampleError, finite_number
from omnibind_ros.core.limits import (
    DEFAULT_MAX_EVENTS,
    DEFAULT_MAX_PIXELS,
    DEFAULT_MAX_POINTS,
    DEFAULT_MAX_SENSOR_SIDE,
    MAX_SAMPLE_RATE,
)
from omnibind_ros.core.preprocess import check_sample
from omnibind_ros.ros.conversions.audio import (
    AUDIO_DATA,
    AUDIO_DATA_STAMPED,
    SAMPLE_FORMATS,
    audio_data_to_audio,
    multiarray_to_audio,
)
from omnibind_ros.ros.conversions.errors import ConversionError
from omnibind_ros.ros.conversions.event_packet import (
    EVENT_PACKET,
    new_codec_decoder,
    packet_to_events,
)
from omnibind_ros.ros.conversions.events import TIME_REFERENCES, TIME_UNITS_NS, cloud_to_events
from omnibind_ros.ros.conversions.header import stamp_to_ns
from omnibind_ros.ros.conversions.image import image_to_rgb
from omnibind_ros.ros.conversions.lidar import cloud_to_points
from omnibind_ros.ros.conversions.thermal import (
    DEFAULT_OFFSET,
    DEFAULT_SCALE,
    THERMAL_ENCODINGS,
    image_to_celsius,
)
from omnibind_ros.ros.optional import message_class

IMAGE = "sensor_msgs/msg/Image"
POINT_CLOUD2 = "sensor_msgs/msg/PointCloud2"
INT16_MULTIARRAY = "std_msgs/msg/Int16MultiArray"
FLOAT32_MULTIARRAY = "std_msgs/msg/Float32MultiArray"
_EVENT_LIMITS = ("width", "height", "max_events", "max_sensor_size")


class Converter:
    """Turns messages of ``msg_type_name`` into core samples of ``modality``."""

    modality: ClassVar[str]
    msg_type_name: ClassVar[str]
    option_names: ClassVar[tuple[str, ...]] = ()
    has_header: ClassVar[bool] = True

    def __init__(self, options: Mapping[str, Any] | None = None, *, topic: str = "") -> None:
        """Raises ConfigError for a bad option or a message package that is not installed."""
        self.topic = topic
        self.msg_type: type = message_class(self.msg_type_name)
        # Running totals for diagnostics, e.g. points removed from clouds.
        self.counters: dict[str, int] = {}
        self._options = {k: v for k, v in (options or {}).items() if k in self.option_names}

    def to_sample(self, msg: Any) -> Any:
        """The core raw sample of ``msg``; ConversionError naming topic and problem if malformed."""
        if not isinstance(msg, self.msg_type):
            raise ConversionError(
                f"expected a {self.msg_type_name} message, got {type(msg).__name__}",
                msg_type=self.msg_type_name,
                topic=self.topic,
            )
        try:
            sample = self._convert(msg)
            # Values too, here: every bad message is counted as it arrives, even one that a
            # newer message supersedes before it could be encoded.
            check_sample(self.modality, sample)
        except ConversionError as err:
            raise err.in_context(msg_type=self.msg_type_name, topic=self.topic) from None
        except InvalidSampleError as err:
            raise ConversionError(
                err.problem, msg_type=self.msg_type_name, topic=self.topic
            ) from None
        return sample

    def stamp_ns(self, msg: Any) -> int | None:
        return stamp_to_ns(msg.header.stamp) if self.has_header else None

    def frame_id(self, msg: Any) -> str:
        """The message's header frame ('' for messages that have no header)."""
        return str(msg.header.frame_id) if self.has_header else ""

    def _convert(self, msg: Any) -> Any:
        raise NotImplementedError

    def _number(self, name: str, default: float, *, low: float = -math.inf) -> float:
        """A finite number option, at least ``low``."""
        value = self._options.get(name, default)
        number = finite_number(value, self._where(name))
        if number < low:
            raise ConfigError(f"{self._where(name)} must be >= {low}, got {value!r}")
        return number

    def _whole(self, name: str, default: int, *, low: int = 0) -> int:
        number = self._number(name, default, low=low)
        if not number.is_integer():
            raise ConfigError(f"{self._where(name)} must be a whole number, got {number}")
        return int(number)

    def _limit(self, name: str, default: int) -> int:
        """A cap on what one message may cost: a whole number, at least 1."""
        return self._whole(name, default, low=1)

    def _choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = str(self._options.get(name, default))
        if value not in choices:
            raise ConfigError(f"{self._where(name)} {value!r} must be one of {', '.join(choices)}")
        return value

    def _event_limits(self) -> None:
        """Sensor size and the caps of an event converter (``_EVENT_LIMITS``)."""
        self.max_events = self._limit("max_events", DEFAULT_MAX_EVENTS)
        self.max_sensor_size = self._limit("max_sensor_size", DEFAULT_MAX_SENSOR_SIDE)
        self.width = self._whole("width", 0)
        self.height = self._whole("height", 0)
        for name, size in (("width", self.width), ("height", self.height)):
            if size > self.max_sensor_size:
                raise ConfigError(
                    f"{self._where(name)} {size} exceeds max_sensor_size {self.max_sensor_size}"
                )

    def _where(self, name: str) -> str:
        return f"{self.modality} option {name!r}" + (f" for {self.topic}" if self.topic else "")


class _PixelConverter(Converter):
    """Images: at most ``max_pixels`` per message, checked before the data is touched."""

    msg_type_name = IMAGE
    option_names: ClassVar[tuple[str, ...]] = ("max_pixels",)

    def __init__(self, options: Mapping[str, Any] | None = None, *, topic: str = "") -> None:
        super().__init__(options, topic=topic)
        self.max_pixels = self._limit("max_pixels", DEFAULT_MAX_PIXELS)

    def _check_pixels(self, msg: Any) -> None:
        if int(msg.width) * int(msg.height) > self.max_pixels:
            raise ConversionError(
                f"{msg.width}x{msg.height} pixels exceed the limit of {self.max_pixels}"
            )


class ImageConverter(_PixelConverter):
    modality = "image"

    def _convert(self, msg: Any) -> Any:
        self._check_pixels(msg)
        return image_to_rgb(msg)


class TactileConverter(ImageConverter):
    modality = "tactile"


class ThermalConverter(_PixelConverter):
    modality = "thermal"
    option_names = ("scale", "offset", "encoding_override", "max_pixels")

    def __init__(self, options: Mapping[str, Any] | None = None, *, topic: str = "") -> None:
        super().__init__(options, topic=topic)
        self.scale = self._number("scale", DEFAULT_SCALE)
        if self.scale == 0:
            raise ConfigError(f"{self._where('scale')} must be non-zero")
        self.offset = self._number("offset", DEFAULT_OFFSET)
        self.encoding_override = self._choice("encoding_override", "", ("", *THERMAL_ENCODINGS))

    def _convert(self, msg: Any) -> Any:
        self._check_pixels(msg)
        return image_to_celsius(msg, self.scale, self.offset, self.encoding_override)


class LidarConverter(Converter):
    modality = "lidar"
    msg_type_name = POINT_CLOUD2
    option_names = ("min_range", "max_range", "intensity_field", "max_points")

    def __init__(self, options: Mapping[str, Any] | None = None, *, topic: str = "") -> None:
        super().__init__(options, topic=topic)
        self.min_range = self._number("min_range", 0.0, low=0.0)
        # 0 (a ROS parameter's "unset") means no upper limit.
        self.max_range = self._number("max_range", 0.0, low=0.0) or math.inf
        if self.max_range <= self.min_range:
            raise ConfigError(f"{self._where('max_range')} must exceed min_range")
        self.intensity_field = str(self._options.get("intensity_field", "intensity"))
        self.max_points = self._limit("max_points", DEFAULT_MAX_POINTS)
        self.counters.update(points_nonfinite=0, points_out_of_range=0)

    def _convert(self, msg: Any) -> Any:
        cloud = cloud_to_points(
            msg,
            intensity_field=self.intensity_field,
            min_range=self.min_range,
            max_range=self.max_range,
            max_points=self.max_points,
        )
        self.counters["points_nonfinite"] += cloud.nonfinite
        self.counters["points_out_of_range"] += cloud.out_of_range
        return cloud.points


class EventCloudConverter(Converter):
    modality = "event"
    msg_type_name = POINT_CLOUD2
    option_names = (*_EVENT_LIMITS, "time_unit", "time_reference")

    def __init__(self, options: Mapping[str, Any] | None = None, *, topic: str = "") -> None:
        super().__init__(options, topic=topic)
        self._event_limits()
        self.time_unit = self._choice("time_unit", "ns", tuple(TIME_UNITS_NS))
        self.time_reference = self._choice("time_reference", "header", TIME_REFERENCES)

    def _convert(self, msg: Any) -> Any:
        return cloud_to_events(
            msg,
            width=self.width,
            height=self.height,
            time_unit=self.time_unit,
            time_reference=self.time_reference,
            max_events=self.max_events,
            max_sensor_side=self.max_sensor_size,
        )


class EventPacketConverter(Converter):
    modality = "event"
    msg_type_name = EVENT_PACKET
    option_names = _EVENT_LIMITS

    def __init__(self, options: Mapping[str, Any] | None = None, *, topic: str = "") -> None:
        super().__init__(options, topic=topic)
        self._event_limits()
        self._decoder = new_codec_decoder()  # keeps evt3 time state between packets

    def _convert(self, msg: Any) -> Any:
        return packet_to_events(
            msg,
            width=self.width,
            height=self.height,
            decoder=self._decoder,
            max_events=self.max_events,
            max_sensor_side=self.max_sensor_size,
        )


class _AudioConverter(Converter):
    modality = "audio"
    option_names = ("sample_rate", "channels")

    def __init__(self, options: Mapping[str, Any] | None = None, *, topic: str = "") -> None:
        super().__init__(options, topic=topic)
        if "sample_rate" not in self._options:
            raise ConfigError(f"{self._where('sample_rate')} is required: messages lack it")
        self.sample_rate = self._whole("sample_rate", 0, low=1)
        if self.sample_rate > MAX_SAMPLE_RATE:
            raise ConfigError(
                f"{self._where('sample_rate')} {self.sample_rate} Hz exceeds {MAX_SAMPLE_RATE} Hz"
            )
        self.channels = self._whole("channels", 0)


class MultiArrayAudioConverter(_AudioConverter):
    has_header = False

    def _convert(self, msg: Any) -> Any:
        return multiarray_to_audio(msg, sample_rate=self.sample_rate, channels=self.channels)


class Int16AudioConverter(MultiArrayAudioConverter):
    msg_type_name = INT16_MULTIARRAY


class Float32AudioConverter(MultiArrayAudioConverter):
    msg_type_name = FLOAT32_MULTIARRAY


class AudioDataConverter(_AudioConverter):
    msg_type_name = AUDIO_DATA
    option_names = (*_AudioConverter.option_names, "sample_format")
    has_header = False

    def __init__(self, options: Mapping[str, Any] | None = None, *, topic: str = "") -> None:
        super().__init__(options, topic=topic)
        self.channels = self.channels or 1
        self.sample_format = self._choice("sample_format", "S16LE", tuple(SAMPLE_FORMATS))

    def _convert(self, msg: Any) -> Any:
        return audio_data_to_audio(
            msg,
            sample_rate=self.sample_rate,
            channels=self.channels,
            sample_format=self.sample_format,
        )


class AudioDataStampedConverter(AudioDataConverter):
    msg_type_name = AUDIO_DATA_STAMPED
    has_header = True
