"""Audio messages ⇄ the core sample: an AudioSample (float32 mono in [-1, 1] + sample rate).

std_msgs Int16MultiArray (÷ 32768) and Float32MultiArray carry samples, interleaved
[frames, channels] by default or planar when the first dimension is labelled "channels";
audio_common_msgs AudioData carries raw bytes in a GStreamer sample format (S16LE, F32LE, ...).
Neither carries its rate, so it comes from the options. Several channels are averaged to mono.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from std_msgs.msg import Float32MultiArray, Int16MultiArray, MultiArrayDimension

from omnibind_ros.core.samples import AudioSample
from omnibind_ros.ros.conversions.buffers import byte_array, message_bytes, typed_array, typed_view
from omnibind_ros.ros.conversions.errors import ConversionError
from omnibind_ros.ros.conversions.header import make_header
from omnibind_ros.ros.optional import message_class

INT16_FULL_SCALE = 32768.0
# GStreamer format name -> (numpy dtype, value of silence, full scale)
SAMPLE_FORMATS: dict[str, tuple[str, float, float]] = {
    "S8": ("i1", 0.0, 2.0**7),
    "U8": ("u1", 128.0, 2.0**7),
    "S16LE": ("<i2", 0.0, 2.0**15),
    "S16BE": (">i2", 0.0, 2.0**15),
    "S32LE": ("<i4", 0.0, 2.0**31),
    "S32BE": (">i4", 0.0, 2.0**31),
    "F32LE": ("<f4", 0.0, 1.0),
    "F32BE": (">f4", 0.0, 1.0),
}
MULTIARRAY_DTYPES = {"int16": (Int16MultiArray, "h"), "float32": (Float32MultiArray, "f")}
AUDIO_DATA = "audio_common_msgs/msg/AudioData"
AUDIO_DATA_STAMPED = "audio_common_msgs/msg/AudioDataStamped"
_CHANNEL_LABELS = ("channel", "channels")


def multiarray_to_audio(
    msg: Int16MultiArray | Float32MultiArray, *, sample_rate: int, channels: int = 0
) -> AudioSample:
    """A MultiArray of samples as mono audio; ``channels`` 0 means: from the layout, else 1."""
    is_int16 = isinstance(msg, Int16MultiArray)
    values = typed_view(msg.data, np.int16 if is_int16 else np.float32)
    offset = int(msg.layout.data_offset)
    frames, channels, planar = _layout_shape(msg.layout.dim, values.size - offset, channels)
    samples = values[offset : offset + frames * channels]
    mono = _downmix(samples, channels, planar)
    if is_int16:
        return AudioSample(np.multiply(mono, np.float32(1 / INT16_FULL_SCALE)), sample_rate)
    return AudioSample(np.asarray(mono, dtype=np.float32), sample_rate)


def _layout_shape(
    dims: list[MultiArrayDimension], available: int, channels: int
) -> tuple[int, int, bool]:
    """(frames, channels, planar) the layout describes, checked against the data length."""
    if len(dims) > 2:
        raise ConversionError(f"audio layout has {len(dims)} dimensions; expected at most 2")
    if available <= 0:
        raise ConversionError("no audio samples")
    planar = len(dims) == 2 and dims[0].label.lower() in _CHANNEL_LABELS
    if len(dims) == 2:
        sizes = [int(d.size) for d in dims]
        layout_channels = sizes[0] if planar else sizes[1]
        if channels and channels != layout_channels:
            raise ConversionError(f"layout has {layout_channels} channels, options say {channels}")
        channels = layout_channels
        expected_strides = [sizes[0] * sizes[1], sizes[1]]
        if any(d.stride not in (0, s) for d, s in zip(dims, expected_strides, strict=True)):
            raise ConversionError(f"layout strides {[d.stride for d in dims]} are not row-major")
    channels = channels or 1
    total = int(np.prod([d.size for d in dims])) if dims else available
    if total != available or total % channels or total == 0:
        raise ConversionError(
            f"layout of {total} samples in {channels} channels does not match the "
            f"{available} samples after data_offset"
        )
    return total // channels, channels, planar


def _downmix(samples: np.ndarray, channels: int, planar: bool) -> np.ndarray:
    if channels == 1:
        return samples
    if planar:
        return samples.reshape(channels, -1).mean(axis=0, dtype=np.float32)
    return samples.reshape(-1, channels).mean(axis=1, dtype=np.float32)


def audio_data_to_audio(
    msg: Any, *, sample_rate: int, channels: int = 1, sample_format: str = "S16LE"
) -> AudioSample:
    """An audio_common_msgs AudioData (or AudioDataStamped) of raw interleaved samples."""
    data = msg.audio.data if hasattr(msg, "audio") else msg.data
    return AudioSample(decode_samples(message_bytes(data), sample_format, channels), sample_rate)


def decode_samples(buffer: np.ndarray, sample_format: str, channels: int) -> np.ndarray:
    """Raw interleaved samples in ``sample_format`` as a float32 mono waveform."""
    dtype, silence, full_scale = _sample_format(sample_format)
    frame_bytes = np.dtype(dtype).itemsize * channels
    if buffer.size == 0 or buffer.size % frame_bytes:
        raise ConversionError(
            f"{buffer.size} bytes is not a whole, non-zero number of {channels}-channel frames",
            encoding=sample_format,
        )
    samples = _downmix(buffer.view(dtype), channels, planar=False)
    waveform = np.subtract(samples, np.float32(silence), dtype=np.float32)
    waveform *= np.float32(1 / full_scale)
    return waveform


def encode_samples(waveform: np.ndarray, sample_format: str) -> np.ndarray:
    """A waveform in [-1, 1] ((N,) or interleaved (N, C)) as raw bytes of ``sample_format``."""
    dtype, silence, full_scale = _sample_format(sample_format)
    scaled = np.asarray(waveform, dtype=np.float64) * full_scale + silence
    if np.dtype(dtype).kind != "f":
        limits = np.iinfo(np.dtype(dtype))
        scaled = np.clip(np.rint(scaled), limits.min, limits.max)
    return np.ascontiguousarray(scaled, dtype=dtype).reshape(-1).view(np.uint8)


def _sample_format(sample_format: str) -> tuple[str, float, float]:
    if sample_format not in SAMPLE_FORMATS:
        raise ConversionError(
            f"unsupported sample format; expected one of {', '.join(SAMPLE_FORMATS)}",
            encoding=sample_format,
        )
    return SAMPLE_FORMATS[sample_format]


def audio_to_msg(waveform: np.ndarray, dtype: str = "int16") -> Int16MultiArray | Float32MultiArray:
    """A waveform in [-1, 1], (N,) or interleaved (N, C), as an Int16/Float32MultiArray.

    The layout names its dimensions "frames" and "channels"; int16 stores round(x * 32768),
    clipped to the int16 range (as S16LE does).
    """
    if dtype not in MULTIARRAY_DTYPES:
        raise ConversionError(f"dtype {dtype!r}: expected one of {', '.join(MULTIARRAY_DTYPES)}")
    waveform = np.asarray(waveform)
    if waveform.ndim not in (1, 2) or waveform.size == 0:
        raise ConversionError(f"expected a non-empty (N,) or (N, C) waveform, got {waveform.shape}")
    frames = waveform.shape[0]
    channels = 1 if waveform.ndim == 1 else waveform.shape[1]
    msg_class, typecode = MULTIARRAY_DTYPES[dtype]
    msg = msg_class()
    msg.layout.dim = [
        MultiArrayDimension(label="frames", size=frames, stride=frames * channels),
        MultiArrayDimension(label="channels", size=channels, stride=channels),
    ]
    if dtype == "int16":
        msg.data = typed_array(typecode, encode_samples(waveform, "S16LE").view("<i2"))
    else:
        msg.data = typed_array(typecode, waveform)
    return msg


def audio_to_audio_data(
    waveform: np.ndarray,
    sample_format: str = "S16LE",
    *,
    stamped: bool = False,
    stamp_ns: int = 0,
    frame_id: str = "",
) -> Any:
    """A waveform as audio_common_msgs AudioData (or AudioDataStamped); needs that package."""
    audio = message_class(AUDIO_DATA)()
    audio.data = byte_array(encode_samples(waveform, sample_format))
    if not stamped:
        return audio
    return message_class(AUDIO_DATA_STAMPED)(header=make_header(stamp_ns, frame_id), audio=audio)
