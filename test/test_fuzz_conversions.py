"""Fuzzing every message conversion: random layouts, sizes, encodings, dtypes and values.

Allowed outcomes only (fuzz_support.py): a raw sample meeting core's contract, or a typed
error, within a deadline and a memory bound. Each bug once found this way keeps an explicit
example (@example) here.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from fuzz_support import bounded_peak_memory, fuzz_settings, outcome
from hypothesis import example, given
from hypothesis import strategies as st
from sensor_msgs.msg import Image, PointCloud2, PointField
from std_msgs.msg import Float32MultiArray, Int16MultiArray, MultiArrayDimension

from omnibind_ros.core.limits import DEFAULT_MAX_SENSOR_SIDE, MAX_SAMPLE_RATE
from omnibind_ros.core.samples import EVENT_DTYPE, AudioSample, EventSample, make_events
from omnibind_ros.ros.conversions import converter_for, events_to_msg
from omnibind_ros.ros.conversions.audio import SAMPLE_FORMATS, decode_samples
from omnibind_ros.ros.conversions.event_packet import MONO, packet_to_events
from omnibind_ros.ros.conversions.image import PIXEL_FORMATS
from omnibind_ros.ros.conversions.pointcloud import DATATYPES

IMAGE, CLOUD = "sensor_msgs/msg/Image", "sensor_msgs/msg/PointCloud2"
FIELD_NAMES = ["x", "y", "z", "t", "p", "intensity", "ring", ""]
ENCODINGS = [*PIXEL_FORMATS, "yuv422", "", "rgb16"]


@pytest.fixture(autouse=True)
def _memory_bound():
    with bounded_peak_memory():
        yield


# -- contracts of the raw samples (core/samples.py) -------------------------------------------


def assert_rgb(sample: np.ndarray) -> None:
    assert sample.dtype == np.uint8 and sample.ndim == 3 and sample.shape[2] == 3
    assert sample.flags.c_contiguous and sample.size > 0


def assert_celsius(sample: np.ndarray) -> None:
    assert sample.dtype == np.float32 and sample.ndim == 2 and sample.size > 0
    assert not np.isinf(sample).any() and not np.isnan(sample).all()


def assert_points(sample: np.ndarray) -> None:
    assert sample.dtype == np.float32 and sample.ndim == 2 and sample.shape[1] in (3, 4)
    assert len(sample) > 0 and np.isfinite(sample).all()


def assert_events(sample: EventSample, max_side: int = DEFAULT_MAX_SENSOR_SIDE) -> None:
    events = sample.events
    assert events.dtype == EVENT_DTYPE and events.ndim == 1 and len(events) > 0
    assert 0 < sample.width <= max_side and 0 < sample.height <= max_side
    assert events["x"].max() < sample.width and events["y"].max() < sample.height
    assert set(np.unique(events["p"])) <= {-1, 0, 1}
    assert np.all(np.diff(events["t"]) >= 0)  # sorted


def assert_audio(sample: AudioSample) -> None:
    waveform = sample.waveform
    assert waveform.dtype == np.float32 and waveform.ndim == 1 and waveform.size > 0
    assert np.isfinite(waveform).all() and np.abs(waveform).max() <= 2.0
    assert isinstance(sample.sample_rate, int) and 0 < sample.sample_rate <= MAX_SAMPLE_RATE


# -- point clouds --------------------------------------------------------------------------------

fields = st.lists(
    st.builds(
        PointField,
        name=st.sampled_from(FIELD_NAMES),
        offset=st.integers(0, 40) | st.sampled_from([2**31, 2**32 - 1]),
        datatype=st.integers(0, 9),
        count=st.integers(0, 4) | st.sampled_from([10**6, 10**7, 2**32 - 1]),
    ),
    max_size=6,
)


@st.composite
def clouds(draw, field_lists=fields) -> PointCloud2:
    height = draw(st.integers(0, 3) | st.sampled_from([2**31, 2**32 - 1]))
    width = draw(st.integers(0, 8) | st.sampled_from([2**31, 2**32 - 1]))
    point_step = draw(st.integers(0, 48) | st.sampled_from([2**32 - 1]))
    row_step = draw(
        st.just(width * point_step)
        | st.integers(0, 400)
        | st.builds(lambda pad: width * point_step + pad, st.integers(0, 8))
    )
    length = draw(st.just(row_step * height) | st.integers(0, 600))
    length = length if length <= 4096 else draw(st.integers(0, 600))  # tiny data, huge sizes
    msg = PointCloud2(
        height=height % 2**32,
        width=width % 2**32,
        point_step=point_step % 2**32,
        row_step=row_step % 2**32,
        is_bigendian=draw(st.booleans()),
    )
    msg.fields = draw(field_lists)
    msg.data = draw(st.binary(min_size=length, max_size=length))
    return msg


@st.composite
def consistent_clouds(draw, names: tuple[str, ...]) -> PointCloud2:
    """Clouds whose sizes agree, with fields ``names`` (any datatypes, any order, packed,
    padded, overlapping or unaligned), maybe extra fields, and any bytes as values."""
    fields_, offset = [], 0
    for name in draw(st.permutations([*names, *draw(st.sets(st.sampled_from(["i", "ring"])))])):
        datatype = draw(st.sampled_from(sorted(DATATYPES)))
        offset = max(0, offset + draw(st.sampled_from([0, 0, 0, 1, 3, -2])))  # pad / overlap
        fields_.append(PointField(name=name, offset=offset, datatype=datatype, count=1))
        offset += np.dtype(DATATYPES[datatype]).itemsize
    point_step = offset + draw(st.integers(0, 4))
    height, width = draw(st.integers(1, 3)), draw(st.integers(1, 8))
    row_step = width * point_step + draw(st.sampled_from([0, 0, 3]))
    msg = PointCloud2(height=height, width=width, point_step=point_step, row_step=row_step)
    msg.is_bigendian = draw(st.booleans())
    msg.fields = fields_
    msg.header.stamp.sec = draw(st.integers(0, 2**31 - 1))
    if draw(st.booleans()):  # values that are mostly plain numbers
        values = draw(st.lists(st.sampled_from([0, 1, 2, 3, 7, 255]), min_size=1, max_size=1))
        msg.data = bytes([values[0]]) * (row_step * height)
    else:
        msg.data = draw(st.binary(min_size=row_step * height, max_size=row_step * height))
    return msg


@fuzz_settings
@given(
    msg=consistent_clouds(("x", "y", "z")) | clouds(), max_points=st.sampled_from([1, 5, 2_000_000])
)
@example(  # a 0-point cloud with a field of count 10^7 once looped for over 60 s
    msg=PointCloud2(
        height=1,
        width=0,
        point_step=4,
        fields=[PointField(name="x", offset=0, datatype=PointField.FLOAT32, count=10**7)],
    ),
    max_points=2_000_000,
)
def test_lidar_conversion_of_any_cloud(msg: PointCloud2, max_points: int) -> None:
    converter = converter_for("lidar", CLOUD)({"max_points": max_points})
    points = outcome(lambda: converter.to_sample(msg))
    if points is not None:
        assert_points(points)
        assert len(points) <= max_points


def _event_options(draw_width, draw_height, unit, reference) -> dict:
    return {
        "width": draw_width,
        "height": draw_height,
        "time_unit": unit,
        "time_reference": reference,
    }


event_options = st.builds(
    _event_options,
    st.sampled_from([0, 1, 8, 640, 2048]),
    st.sampled_from([0, 1, 8, 480, 2048]),
    st.sampled_from(["ns", "us", "ms", "s"]),
    st.sampled_from(["header", "absolute"]),
)


@fuzz_settings
@given(msg=consistent_clouds(("x", "y", "t", "p")) | clouds(), options=event_options)
@example(  # one event at (7999, 7999) once sized the sensor to 8000 x 8000: 1.2 GB
    msg=events_to_msg(make_events([7999], [7999], [0], [1]), stamp_ns=0),
    options=_event_options(0, 0, "ns", "header"),
)
def test_event_conversion_of_any_cloud(msg: PointCloud2, options: dict) -> None:
    converter = converter_for("event", CLOUD)(options)
    sample = outcome(lambda: converter.to_sample(msg))
    if sample is not None:
        assert_events(sample)
        for name in ("width", "height"):
            assert options[name] in (0, getattr(sample, name))


@fuzz_settings
@given(
    data=st.binary(max_size=96)
    | st.integers(1, 12).flatmap(lambda n: st.binary(min_size=8 * n, max_size=8 * n)),
    width=st.sampled_from([0, 1, 64, 640, 2048, 4096]) | st.integers(0, 2**32 - 1),
    height=st.sampled_from([0, 1, 64, 480, 2048, 4096]) | st.integers(0, 2**32 - 1),
    bigendian=st.booleans(),
    encoding=st.sampled_from([MONO, "evt3", "mono "]),
)
def test_event_packet_conversion_of_any_bytes(data, width, height, bigendian, encoding) -> None:
    msg = SimpleNamespace(
        encoding=encoding,
        width=width,
        height=height,
        events=data,
        is_bigendian=bigendian,
        time_base=0,
        header=SimpleNamespace(stamp=SimpleNamespace(sec=1, nanosec=0)),
    )
    sample = outcome(lambda: packet_to_events(msg))
    if sample is not None:
        assert_events(sample)


# -- images --------------------------------------------------------------------------------------


@st.composite
def images(draw) -> Image:
    height = draw(st.integers(0, 6) | st.sampled_from([2**20, 2**32 - 1]))
    width = draw(st.integers(0, 6) | st.sampled_from([2**20, 2**32 - 1]))
    encoding = draw(st.sampled_from(ENCODINGS))
    element, channels = PIXEL_FORMATS.get(encoding, ("u1", 3))
    row = width * channels * np.dtype(element).itemsize
    step = draw(st.just(row) | st.integers(0, 64) | st.builds(lambda p: row + p, st.integers(0, 5)))
    length = draw(st.just(step * height) | st.integers(0, 300))
    length = length if length <= 4096 else draw(st.integers(0, 300))
    msg = Image(
        height=height,
        width=width,
        encoding=encoding,
        step=step % 2**32,
        is_bigendian=draw(st.booleans()),
    )
    if encoding == "32FC1" and length == step * height and draw(st.booleans()):
        # Temperatures that are mostly real numbers, with NaN, Inf and float32 extremes mixed in.
        values = draw(
            st.lists(
                st.floats(width=32, allow_nan=True, allow_infinity=True),
                min_size=length // 4,
                max_size=length // 4,
            )
        )
        msg.data = np.array(values, "<f4" if not msg.is_bigendian else ">f4").tobytes() + bytes(
            length % 4
        )
    else:
        msg.data = draw(st.binary(min_size=length, max_size=length))
    return msg


@fuzz_settings
@given(msg=images(), modality=st.sampled_from(["image", "tactile"]))
@example(  # a corrupt size: 10^10 pixels said, none sent
    msg=Image(height=100_000, width=100_000, encoding="rgb8", step=300_000), modality="image"
)
def test_camera_conversion_of_any_image(msg: Image, modality: str) -> None:
    rgb = outcome(lambda: converter_for(modality, IMAGE)({}).to_sample(msg))
    if rgb is not None:
        assert_rgb(rgb)
        assert rgb.shape[:2] == (msg.height, msg.width)


@fuzz_settings
@given(
    msg=images(),
    scale=st.sampled_from([0.01, 1.0, -0.5, 1e30]),
    offset=st.sampled_from([-273.15, 0.0, 1e38]),
    override=st.sampled_from(["", "mono16", "32FC1", "mono8"]),
)
def test_thermal_conversion_of_any_image(msg: Image, scale, offset, override) -> None:
    converter = converter_for("thermal", IMAGE)(
        {"scale": scale, "offset": offset, "encoding_override": override}
    )
    celsius = outcome(lambda: converter.to_sample(msg))
    if celsius is not None:
        assert_celsius(celsius)
        assert celsius.shape == (msg.height, msg.width)


# -- audio ---------------------------------------------------------------------------------------

dims = st.lists(
    st.builds(
        MultiArrayDimension,
        label=st.sampled_from(["frames", "channels", "channel", "x", ""]),
        size=st.integers(0, 40) | st.sampled_from([2**32 - 1]),
        stride=st.integers(0, 80) | st.sampled_from([2**32 - 1]),
    ),
    max_size=3,
)
audio_values = st.floats(width=32, allow_nan=True, allow_infinity=True)


@fuzz_settings
@given(
    is_int16=st.booleans(),
    values=st.lists(audio_values, max_size=80),
    ints=st.lists(st.integers(-(2**15), 2**15 - 1), max_size=80),
    layout=dims,
    data_offset=st.integers(0, 10) | st.sampled_from([2**32 - 1]),
    channels=st.integers(0, 4),
    rate=st.sampled_from([1, 8000, 16000, 44100, MAX_SAMPLE_RATE]),
)
@example(  # a NaN chunk was once judged only when (and if) it reached the encoder
    is_int16=False, values=[np.nan] * 10, ints=[], layout=[], data_offset=0, channels=0, rate=16000
)
def test_audio_conversion_of_any_multiarray(
    is_int16, values, ints, layout, data_offset, channels, rate
) -> None:
    msg = Int16MultiArray(data=ints) if is_int16 else Float32MultiArray(data=values)
    msg.layout.dim = layout
    msg.layout.data_offset = data_offset
    msg_type = f"std_msgs/msg/{type(msg).__name__}"
    converter = converter_for("audio", msg_type)({"sample_rate": rate, "channels": channels})
    sample = outcome(lambda: converter.to_sample(msg))
    if sample is not None:
        assert_audio(sample)
        assert sample.sample_rate == rate


@fuzz_settings
@given(
    data=st.binary(max_size=128),
    sample_format=st.sampled_from([*SAMPLE_FORMATS, "S24LE", ""]),
    channels=st.integers(1, 5),
)
def test_audio_data_decoding_of_any_bytes(data: bytes, sample_format: str, channels: int) -> None:
    waveform = outcome(
        lambda: decode_samples(np.frombuffer(data, np.uint8), sample_format, channels)
    )
    if waveform is not None:
        assert waveform.dtype == np.float32 and waveform.ndim == 1
        assert waveform.size == len(data) // (
            np.dtype(SAMPLE_FORMATS[sample_format][0]).itemsize * channels
        )
