"""How slots assemble samples: latest wins, event windows, rolling audio clips."""

from __future__ import annotations

import numpy as np
import pytest

from omnibind_ros.core.samples import EVENT_DTYPE, AudioSample, EventSample, make_events
from omnibind_ros.pipeline.streams import (
    AudioClip,
    EventWindow,
    LatestOnly,
    audio_clip_seconds,
    stream_for,
)

MS = 1_000_000


def packet(t0_ms: float, t1_ms: float, n: int = 10, width: int = 64, height: int = 48):
    t = np.linspace(t0_ms * MS, t1_ms * MS, n).astype(np.int64)
    x = np.arange(n, dtype=np.uint16) % width
    events = make_events(x, x % height, t, np.ones(n, dtype=np.int8))
    return EventSample(events=events, width=width, height=height)


def test_latest_only_counts_a_replaced_unused_sample_as_superseded() -> None:
    stream = LatestOnly()
    assert stream.add("a") == 0
    assert stream.add("b") == 1  # 'a' was never assembled
    assert stream.assemble() == "b"
    assert stream.add("c") == 0  # 'b' was used
    stream.reset()
    assert stream.assemble() is None


def test_event_window_keeps_only_events_of_the_last_window() -> None:
    window = EventWindow(window_ns=50 * MS)
    for start in range(0, 200, 10):  # 20 packets of 10 ms
        window.add(packet(start, start + 9))
    sample = window.assemble()
    t = sample.events["t"]
    assert sample.events.dtype == EVENT_DTYPE
    assert t[-1] == 199 * MS
    assert t.min() >= 149 * MS
    assert np.all(np.diff(t) >= 0)
    assert (sample.width, sample.height) == (64, 48)


def test_event_window_memory_is_bounded_by_packet_count() -> None:
    window = EventWindow(window_ns=10_000 * MS, max_packets=8)
    dropped = sum(window.add(packet(i, i + 0.5)) for i in range(100))
    assert dropped == 92  # forced out while still inside the window: counted as lost
    assert len(window.assemble().events) == 8 * 10


def test_event_window_memory_is_bounded_by_event_count() -> None:
    window = EventWindow(window_ns=10_000 * MS, max_events=1000)
    for i in range(50):
        window.add(packet(i, i + 0.5, n=100))
    assert len(window.assemble().events) <= 1000


def test_event_window_restarts_when_time_goes_backwards() -> None:
    window = EventWindow(window_ns=50 * MS)
    window.add(packet(1000, 1010))
    window.add(packet(0, 10))  # bag looped
    assert window.assemble().events["t"].max() == 10 * MS


def test_event_window_sensor_size_holds_every_packet() -> None:
    window = EventWindow(window_ns=50 * MS)
    window.add(packet(0, 10, width=40, height=60))
    window.add(packet(10, 20, width=64, height=48))
    assert (window.assemble().width, window.assemble().height) == (64, 60)


def test_event_window_rejects_wrong_dtype() -> None:
    bad = EventSample(events=np.zeros(4, dtype=np.float32), width=4, height=4)
    with pytest.raises(ValueError, match="dtype"):
        EventWindow(window_ns=MS).add(bad)


def test_audio_clip_assembles_only_when_full_and_holds_the_newest_audio() -> None:
    clip = AudioClip(clip_seconds=0.5)
    rate = 1000
    for i in range(4):  # 4 x 100 ms: not yet a full 500 ms clip
        clip.add(AudioSample(np.full(100, i, dtype=np.float32), rate))
        assert clip.assemble() is None
    for i in range(4, 8):
        clip.add(AudioSample(np.full(100, i, dtype=np.float32), rate))
    sample = clip.assemble()
    assert sample.sample_rate == rate
    assert len(sample.waveform) == 500
    assert np.array_equal(sample.waveform[::100], [3, 4, 5, 6, 7])  # oldest to newest


def test_audio_clip_restarts_on_sample_rate_change() -> None:
    clip = AudioClip(clip_seconds=0.1)
    clip.add(AudioSample(np.zeros(1600, dtype=np.float32), 16000))
    assert clip.assemble() is not None
    clip.add(AudioSample(np.zeros(100, dtype=np.float32), 8000))
    assert clip.assemble() is None  # 100 of 800 samples at the new rate


def test_audio_clip_takes_the_tail_of_an_oversized_chunk() -> None:
    clip = AudioClip(clip_seconds=0.01)
    clip.add(AudioSample(np.arange(1000, dtype=np.float32), 1000))
    assert np.array_equal(clip.assemble().waveform, np.arange(990, 1000))


def test_stream_for_picks_the_modality_assembler() -> None:
    assert isinstance(stream_for("image", {}, 1.0), LatestOnly)
    assert isinstance(stream_for("lidar", {}, 1.0), LatestOnly)
    assert isinstance(stream_for("audio", {"sample_rate": 16000}, 1.0), AudioClip)
    events = stream_for("event", {"window_ms": 20.0}, 1.0)
    assert isinstance(events, EventWindow)


def test_audio_clip_length_follows_the_encoder_preprocessing() -> None:
    assert audio_clip_seconds(None) == pytest.approx(1.015)  # 25 ms window + 99 x 10 ms hops
    assert audio_clip_seconds({"frames": 50, "hop_ms": 20.0}) == pytest.approx(1.005)


def test_one_packet_with_a_far_coordinate_inflates_the_sensor_only_while_in_the_window() -> None:
    window = EventWindow(window_ns=10_000_000)
    window.add(packet(0, 5))
    window.add(packet(5, 8, width=2048, height=2048))  # sizes inferred from a stray event
    assert (window.assemble().width, window.assemble().height) == (2048, 2048)
    window.add(packet(30, 35))  # the stray packet has left the window
    sample = window.assemble()
    assert (sample.width, sample.height) == (64, 48)
