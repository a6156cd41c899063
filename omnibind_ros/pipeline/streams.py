"""How a sensor slot turns arriving messages into the one sample it encodes next.

Cameras and clouds: the newest message is the sample (latest wins). Event cameras send packets
of a few milliseconds: the sample is every event of the last ``window_ms``. Microphones send
short chunks: the sample is the newest clip of the model's clip length. Every stream is bounded,
so nothing grows however fast messages arrive or however slowly they are encoded.

Not thread-safe on its own: the owning slot holds the lock around ``add`` and ``assemble``.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol

import numpy as np

from omnibind_ros.core.preprocess.params import resolve_params
from omnibind_ros.core.samples import EVENT_DTYPE, AudioSample, EventSample


class SampleStream(Protocol):
    def add(self, sample: Any) -> int:
        """Take one converted message; return how many earlier samples it discarded unused."""

    def assemble(self) -> Any | None:
        """The sample to encode now (None while there is not enough data yet)."""

    def reset(self) -> None:
        """Forget everything (the sensor went away; old data must not leak into a new run)."""


class LatestOnly:
    """Latest wins: a message replaces the previous one if that was never assembled."""

    def __init__(self) -> None:
        self._sample: Any | None = None
        self._unused = False

    def add(self, sample: Any) -> int:
        superseded = int(self._unused)
        self._sample, self._unused = sample, True
        return superseded

    def assemble(self) -> Any | None:
        self._unused = False
        return self._sample

    def reset(self) -> None:
        self._sample, self._unused = None, False


class EventWindow:
    """Event packets of the last ``window_ns`` (by event time), as one EventSample.

    Packets are kept as they came (cheap to add in a subscription callback) and concatenated
    only when assembled. ``max_packets`` and ``max_events`` bound memory when packets are tiny
    or the window is long; the oldest packets go first.
    """

    def __init__(self, window_ns: int, max_packets: int = 256, max_events: int = 2_000_000) -> None:
        if window_ns <= 0:
            raise ValueError(f"window_ns must be positive, got {window_ns}")
        self._window_ns = window_ns
        self._max_packets, self._max_events = max_packets, max_events
        self._packets: deque[np.ndarray] = deque()
        # (width, height) of each packet: the conversion sets it from the options, or from
        # the packet's largest coordinate. The window's sensor is the largest of the packets
        # it holds now, so one bad packet inflates samples only while it is in the window.
        self._sizes: deque[tuple[int, int]] = deque()
        self._n_events = 0

    def add(self, sample: Any) -> int:
        events = np.asarray(sample.events)
        if events.dtype != EVENT_DTYPE:
            raise ValueError(f"event packet dtype {events.dtype} is not {EVENT_DTYPE}")
        if len(self._packets) and len(events) and events["t"][0] < self._packets[-1]["t"][-1]:
            # Time went backwards (sensor restart, bag loop): the old window is meaningless.
            self.reset()
        if len(events):
            self._packets.append(events)
            self._sizes.append((int(sample.width), int(sample.height)))
            self._n_events += len(events)
        return self._evict()

    def assemble(self) -> EventSample | None:
        if not self._packets:
            return None
        events = np.concatenate(self._packets)
        newest = events["t"][-1]
        events = events[events["t"] >= newest - self._window_ns]
        width, height = (max(sizes) for sizes in zip(*self._sizes, strict=True))
        return EventSample(events=events, width=width, height=height)

    def reset(self) -> None:
        self._packets.clear()
        self._sizes.clear()
        self._n_events = 0

    def _evict(self) -> int:
        dropped = 0
        newest = self._packets[-1]["t"][-1] if self._packets else 0
        while len(self._packets) > 1 and (
            self._packets[0]["t"][-1] < newest - self._window_ns
            or len(self._packets) > self._max_packets
            or self._n_events > self._max_events
        ):
            old = self._packets.popleft()
            self._sizes.popleft()
            self._n_events -= len(old)
            # Packets that left by age were inside earlier windows; only forced evictions lose data.
            dropped += int(old["t"][-1] >= newest - self._window_ns)
        return dropped


class AudioClip:
    """A rolling buffer of the newest ``clip_seconds`` of audio; assembles once it is full."""

    def __init__(self, clip_seconds: float) -> None:
        if clip_seconds <= 0:
            raise ValueError(f"clip_seconds must be positive, got {clip_seconds}")
        self._clip_seconds = clip_seconds
        self._rate = 0
        self._buffer = np.zeros(0, dtype=np.float32)
        self._filled = 0

    def add(self, sample: Any) -> int:
        rate = int(sample.sample_rate)
        chunk = np.asarray(sample.waveform, dtype=np.float32).reshape(-1)
        if rate != self._rate:
            # A new rate means a new stream: start a fresh clip of the right length.
            self._rate = rate
            self._buffer = np.zeros(max(1, round(self._clip_seconds * rate)), dtype=np.float32)
            self._filled = 0
        size = len(self._buffer)
        chunk = chunk[-size:]
        self._buffer = np.roll(self._buffer, -len(chunk))
        self._buffer[size - len(chunk) :] = chunk
        self._filled = min(size, self._filled + len(chunk))
        return 0

    def assemble(self) -> AudioSample | None:
        if self._rate == 0 or self._filled < len(self._buffer):
            return None
        return AudioSample(waveform=self._buffer.copy(), sample_rate=self._rate)

    def reset(self) -> None:
        self._rate, self._filled = 0, 0
        self._buffer = np.zeros(0, dtype=np.float32)


def stream_for(modality: str, options: dict[str, Any], audio_clip_seconds: float) -> SampleStream:
    """The stream a slot of ``modality`` uses, configured from its sensor options."""
    if modality == "event":
        return EventWindow(window_ns=round(float(options["window_ms"]) * 1e6))
    if modality == "audio":
        return AudioClip(audio_clip_seconds)
    return LatestOnly()


def audio_clip_seconds(preprocess_params: dict[str, Any] | None) -> float:
    """Seconds of sound the audio encoder looks at: one window plus ``frames - 1`` hops."""
    params = resolve_params("audio", preprocess_params)
    return (params["win_ms"] + (params["frames"] - 1) * params["hop_ms"]) / 1000.0
