"""Audio messages ⇄ AudioSample: Int16/Float32 MultiArray layouts, raw AudioData formats."""

import re

import numpy as np
import pytest
from rclpy.serialization import deserialize_message, serialize_message
from std_msgs.msg import Float32MultiArray, Int16MultiArray, MultiArrayDimension

from omnibind_ros.ros.conversions import ConversionError, audio_to_audio_data, audio_to_msg
from omnibind_ros.ros.conversions.audio import (
    SAMPLE_FORMATS,
    audio_data_to_audio,
    decode_samples,
    encode_samples,
    multiarray_to_audio,
)
from omnibind_ros.ros.conversions.buffers import typed_view
from omnibind_ros.ros.optional import optional_module

RATE = 16_000
TIME = np.arange(1600) / RATE  # 100 ms
TONE = (0.5 * np.sin(2 * np.pi * 440 * TIME)).astype(np.float32)
STEREO = np.stack([TONE, -0.25 * TONE], axis=1)  # interleaved (frames, channels)


def test_int16_round_trips_within_half_a_step():
    msg = audio_to_msg(TONE, "int16")
    assert isinstance(msg, Int16MultiArray)
    assert [(d.label, d.size, d.stride) for d in msg.layout.dim] == [
        ("frames", 1600, 1600),
        ("channels", 1, 1),
    ]
    sample = multiarray_to_audio(msg, sample_rate=RATE)
    assert sample.sample_rate == RATE and sample.waveform.dtype == np.float32
    np.testing.assert_allclose(sample.waveform, TONE, atol=0.5 / 32768 + 1e-7)


def test_int16_full_scale_clips_instead_of_wrapping():
    msg = audio_to_msg(np.array([1.0, -1.0, 1.5], np.float32), "int16")
    np.testing.assert_array_equal(typed_view(msg.data, np.int16), [32767, -32768, 32767])


def test_float32_round_trips_exactly_without_copying():
    msg = audio_to_msg(TONE, "float32")
    assert isinstance(msg, Float32MultiArray)
    waveform = multiarray_to_audio(msg, sample_rate=RATE).waveform
    np.testing.assert_array_equal(waveform, TONE)
    assert np.shares_memory(waveform, typed_view(msg.data, np.float32))


@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_interleaved_stereo_is_averaged_to_mono(dtype):
    waveform = multiarray_to_audio(audio_to_msg(STEREO, dtype), sample_rate=RATE).waveform
    assert waveform.shape == (1600,)
    np.testing.assert_allclose(waveform, STEREO.mean(axis=1), atol=1 / 32768)


def test_planar_layout_is_recognised_by_its_channels_label():
    msg = Float32MultiArray(data=STEREO.T.reshape(-1).tolist())
    msg.layout.dim = [
        MultiArrayDimension(label="channels", size=2, stride=3200),
        MultiArrayDimension(label="samples", size=1600, stride=1600),
    ]
    waveform = multiarray_to_audio(msg, sample_rate=RATE).waveform
    np.testing.assert_allclose(waveform, STEREO.mean(axis=1), atol=1e-7)


def test_flat_array_uses_the_channels_option_and_data_offset():
    msg = audio_to_msg(STEREO, "int16")
    msg.layout.dim = []
    msg.layout.data_offset = 0
    waveform = multiarray_to_audio(msg, sample_rate=RATE, channels=2).waveform
    np.testing.assert_allclose(waveform, STEREO.mean(axis=1), atol=1 / 32768)
    skipped = Float32MultiArray(data=[9.0, 9.0, *TONE[:10].tolist()])
    skipped.layout.data_offset = 2
    np.testing.assert_array_equal(
        multiarray_to_audio(skipped, sample_rate=RATE).waveform, TONE[:10]
    )


def test_audio_survives_serialization_as_from_dds():
    msg = audio_to_msg(STEREO, "int16")
    received = deserialize_message(serialize_message(msg), Int16MultiArray)
    np.testing.assert_array_equal(
        multiarray_to_audio(received, sample_rate=RATE).waveform,
        multiarray_to_audio(msg, sample_rate=RATE).waveform,
    )


def _stereo_msg(**layout) -> Int16MultiArray:
    msg = audio_to_msg(STEREO, "int16")
    for name, value in layout.items():
        setattr(msg.layout, name, value)
    return msg


@pytest.mark.parametrize(
    ("msg", "channels", "problem"),
    [
        (Int16MultiArray(), 0, "no audio samples"),
        (_stereo_msg(), 3, "layout has 2 channels, options say 3"),
        (_stereo_msg(data_offset=1), 0, "does not match the 3199 samples after data_offset"),
        (_stereo_msg(dim=[MultiArrayDimension(size=3199)]), 0, "3199 samples"),
        (_stereo_msg(dim=[MultiArrayDimension(size=2)] * 3), 0, "3 dimensions"),
        (
            _stereo_msg(
                dim=[MultiArrayDimension(size=1600, stride=7), MultiArrayDimension(size=2)]
            ),
            0,
            "not row-major",
        ),
    ],
)
def test_wrong_multiarray_layouts_raise_typed_errors(msg, channels, problem):
    with pytest.raises(ConversionError, match=re.escape(problem)):
        multiarray_to_audio(msg, sample_rate=RATE, channels=channels)


def test_odd_sample_count_for_declared_channels_is_rejected():
    msg = Float32MultiArray(data=TONE[:11].tolist())
    with pytest.raises(ConversionError, match="in 2 channels"):
        multiarray_to_audio(msg, sample_rate=RATE, channels=2)


@pytest.mark.parametrize("sample_format", list(SAMPLE_FORMATS))
def test_raw_sample_formats_round_trip(sample_format):
    raw = encode_samples(STEREO, sample_format)
    bits = 8 * np.dtype(SAMPLE_FORMATS[sample_format][0]).itemsize
    assert raw.dtype == np.uint8 and raw.size == STEREO.size * bits // 8
    waveform = decode_samples(raw, sample_format, channels=2)
    tolerance = 0 if sample_format.startswith("F") else 2.0 ** -(bits - 1)
    np.testing.assert_allclose(waveform, STEREO.mean(axis=1), atol=tolerance + 1e-7)


def test_byte_order_of_raw_formats_is_honoured():
    little = encode_samples(TONE, "S16LE").reshape(-1, 2)
    big = encode_samples(TONE, "S16BE").reshape(-1, 2)
    np.testing.assert_array_equal(big, little[:, ::-1])


@pytest.mark.parametrize(
    ("size", "sample_format", "problem"),
    [
        (7, "S16LE", "7 bytes is not a whole"),
        (0, "S16LE", "0 bytes is not a whole"),
        (8, "MP3", "unsupported sample format"),
    ],
)
def test_bad_raw_audio_raises_typed_errors(size, sample_format, problem):
    with pytest.raises(ConversionError, match=re.escape(problem)):
        decode_samples(np.zeros(size, np.uint8), sample_format, channels=1)


@pytest.mark.parametrize("dtype", ["int8", "float64"])
def test_writer_rejects_unknown_dtypes(dtype):
    with pytest.raises(ConversionError):
        audio_to_msg(TONE, dtype)


@pytest.mark.skipif(
    optional_module("audio_common_msgs.msg") is None, reason="audio_common_msgs is not installed"
)
@pytest.mark.parametrize("stamped", [False, True])
def test_audio_common_messages_round_trip(stamped):
    msg = audio_to_audio_data(TONE, "S16LE", stamped=stamped, stamp_ns=5)
    sample = audio_data_to_audio(msg, sample_rate=RATE, channels=1, sample_format="S16LE")
    np.testing.assert_allclose(sample.waveform, TONE, atol=0.5 / 32768 + 1e-7)
