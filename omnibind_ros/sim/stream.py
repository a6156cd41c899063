"""Sensor streams: each present sensor's samples at its natural rate, stamped and in time order,
over scenes that change every few seconds, with sensors plugged in and out on a schedule.

Natural rates: camera 30 Hz, thermal 9 Hz (Lepton-class), events in 20 ms packets, tactile
30 Hz while the pad touches something, audio in 100 ms chunks, lidar 10 Hz. A sample's stamp is
the start of its capture; event stamps inside a packet continue across packets.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from omnibind_ros.sim import seeding
from omnibind_ros.sim.audio import render_audio
from omnibind_ros.sim.errors import SimConfigError
from omnibind_ros.sim.events import EventSimulator
from omnibind_ros.sim.samples import SENSOR_MODALITIES, AudioClip
from omnibind_ros.sim.tactile import TouchSurface, imprint, make_surface

if TYPE_CHECKING:
    from omnibind_ros.sim.world import Scene, World

# Packet lengths an event driver publishes (10 to 50 ms), as rates.
EVENT_RATES_HZ = (20.0, 100.0)


@dataclass(frozen=True)
class SensorSpec:
    """One sensor on the robot: a name (topic stem), what it senses, how often it publishes.

    For the event camera ``rate_hz`` is packets per second (a packet spans 1/rate_hz); for the
    microphone, chunks per second.
    """

    name: str
    modality: str
    rate_hz: float

    def __post_init__(self) -> None:
        if self.modality not in SENSOR_MODALITIES:
            raise SimConfigError(f"sensor {self.name!r}: unknown modality {self.modality!r}")
        if not 0.1 <= self.rate_hz <= 1000.0:
            raise SimConfigError(f"sensor {self.name!r}: rate {self.rate_hz} Hz out of 0.1..1000")
        low, high = EVENT_RATES_HZ
        if self.modality == "event" and not low <= self.rate_hz <= high:
            raise SimConfigError(f"sensor {self.name!r}: event packets must span 10..50 ms")


DEFAULT_SENSORS: tuple[SensorSpec, ...] = (
    SensorSpec("camera", "image", 30.0),
    SensorSpec("thermal", "thermal", 9.0),
    SensorSpec("events", "event", 50.0),
    SensorSpec("tactile", "tactile", 30.0),
    SensorSpec("microphone", "audio", 10.0),
    SensorSpec("lidar", "lidar", 10.0),
)


@dataclass(frozen=True)
class HotPlugSchedule:
    """When each sensor is plugged in: ``windows[name]`` are [start, end) seconds of presence,
    repeated every ``period_s`` when given (a schedule for an endless stream)."""

    sensors: tuple[SensorSpec, ...] = DEFAULT_SENSORS
    windows: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    period_s: float | None = None

    def __post_init__(self) -> None:
        names = [s.name for s in self.sensors]
        if len(set(names)) != len(names) or not names:
            raise SimConfigError(f"sensor names must be distinct and not empty: {names}")
        unknown = sorted(set(self.windows) - set(names))
        if unknown:
            raise SimConfigError(f"schedule names unknown sensors {unknown}")
        if self.period_s is not None and self.period_s <= 0:
            raise SimConfigError(f"period_s={self.period_s}: expected > 0")
        for name, spans in self.windows.items():
            ends = [0.0 if self.period_s is None else -math.inf]
            for start, end in spans:
                if not (start < end and start >= ends[-1]):
                    raise SimConfigError(f"sensor {name!r}: windows must be sorted, [start, end)")
                if self.period_s is not None and (start < 0 or end > self.period_s):
                    raise SimConfigError(f"sensor {name!r}: windows must lie within the period")
                ends.append(end)

    @classmethod
    def always(cls, sensors: Sequence[SensorSpec] = DEFAULT_SENSORS) -> HotPlugSchedule:
        """Every sensor present all the time."""
        return cls(tuple(sensors), {s.name: ((0.0, math.inf),) for s in sensors})

    @classmethod
    def random(
        cls,
        seed: int,
        sensors: Sequence[SensorSpec] = DEFAULT_SENSORS,
        period_s: float = 60.0,
        mean_on_s: float = 12.0,
        mean_off_s: float = 4.0,
        always_on: Sequence[str] = (),
    ) -> HotPlugSchedule:
        """Sensors that come and go at random (exponential on and off times), repeating every
        ``period_s``; those in ``always_on`` never leave."""
        windows = {}
        for spec in sensors:
            if spec.name in always_on:
                windows[spec.name] = ((0.0, period_s),)
                continue
            rng = seeding.rng_for(seed, seeding.SCHEDULE, seeding.name_key(spec.name))
            t, spans, on = 0.0, [], rng.random() < 0.8
            while t < period_s:
                length = rng.exponential(mean_on_s if on else mean_off_s)
                if on:
                    spans.append((t, min(t + length, period_s)))
                t, on = t + length, not on
            windows[spec.name] = tuple(spans)
        return cls(tuple(sensors), windows, period_s)

    def is_present(self, name: str, t: float) -> bool:
        if name not in self.windows:
            return False
        if self.period_s is not None:
            t = t % self.period_s
        return any(start <= t < end for start, end in self.windows[name])

    def changes(self, until_s: float) -> list[tuple[float, str, bool]]:
        """(time, sensor, plugged in?) for every plug and unplug before ``until_s``."""
        out = []
        cycles = 1 if self.period_s is None else math.ceil(until_s / self.period_s)
        for cycle in range(cycles):
            base = 0.0 if self.period_s is None else cycle * self.period_s
            for name, spans in self.windows.items():
                for start, end in spans:
                    out.append((base + start, name, True))
                    out.append((base + end, name, False))
        # Adjacent windows across a period boundary are one presence, not an unplug.
        out = [c for c in out if c[0] < until_s and not self._continues(c)]
        return sorted(out)

    def _continues(self, change: tuple[float, str, bool]) -> bool:
        t, name, plugged = change
        eps = 1e-9
        if plugged:
            return t > 0 and self.is_present(name, t - eps)
        return self.is_present(name, t + eps)


@dataclass(frozen=True)
class StreamSample:
    """One sample of one sensor: its capture stamp, who sent it, the scene's true label."""

    stamp_ns: int
    sensor: str
    modality: str
    label: str
    raw: Any


def _ticks(spec: SensorSpec, order: int, duration_s: float | None) -> Iterator[tuple]:
    """(time, order, tick number, spec) at the sensor's rate, from t = 0."""
    for k in itertools.count():
        t = k / spec.rate_hz
        if duration_s is not None and t >= duration_s:
            return
        yield t, order, k, spec


class _SensorState:
    """What a sensor carries from one sample to the next within a scene."""

    def __init__(self) -> None:
        self.reset(-1)

    def reset(self, scene_index: int) -> None:
        self.scene_index = scene_index
        self.events: EventSimulator | None = None
        self.audio: np.ndarray | None = None
        self.touch: TouchSurface | None = None


def stream(
    world: World,
    duration_s: float | None = None,
    schedule: HotPlugSchedule | None = None,
    start_index: int = 0,
    scene_duration_s: float = 4.0,
    start_stamp_ns: int = 0,
) -> Iterator[StreamSample]:
    """Samples of every present sensor, in stamp order, for ``duration_s`` seconds (None: for
    ever). Scene ``start_index + k`` fills seconds [k, k+1) x ``scene_duration_s``."""
    if scene_duration_s <= 0 or (duration_s is not None and duration_s < 0):
        raise SimConfigError("scene_duration_s must be > 0 and duration_s >= 0")
    schedule = schedule or HotPlugSchedule.always()
    states = {spec.name: _SensorState() for spec in schedule.sensors}
    ticks = heapq.merge(*(_ticks(s, i, duration_s) for i, s in enumerate(schedule.sensors)))
    for t, _, k, spec in ticks:
        if not schedule.is_present(spec.name, t):
            continue
        number = int((t + 1e-9) // scene_duration_s)  # 0.3 // 0.1 is 2.0 in floating point
        scene = world.scene(start_index + number)
        stamp = start_stamp_ns + round(t * 1e9)
        offset = t - number * scene_duration_s
        raw = _render(world, scene, spec, states[spec.name], offset, k, stamp, scene_duration_s)
        if raw is not None:
            yield StreamSample(stamp, spec.name, spec.modality, scene.label, raw)


def _render(
    world: World,
    scene: Scene,
    spec: SensorSpec,
    state: _SensorState,
    t: float,
    tick: int,
    stamp_ns: int,
    scene_duration_s: float,
) -> Any:
    """One sample of ``spec`` at ``t`` seconds into ``scene`` (None: the pad touches nothing)."""
    layout = world.layout(scene)
    key = seeding.name_key(spec.name)
    purpose = seeding.modality_purpose(spec.modality)
    if state.scene_index != scene.index:
        state.reset(scene.index)
    period = 1.0 / spec.rate_hz
    frame_rng = seeding.rng_for(world.seed, purpose, scene.index, key, tick)  # this sample's noise
    if spec.modality == "event":
        if state.events is None:  # one simulator per scene: reference levels carry over
            sensor_rng = seeding.rng_for(world.seed, purpose, scene.index, key)
            state.events = EventSimulator(layout, world.rig.event_grid, sensor_rng)
        return state.events.window(t, period, stamp_ns)
    if spec.modality == "audio":
        rate = world.rig.audio_rate
        if state.audio is None:
            # The whole scene's sound at once, so chunks join without seams.
            scene_rng = seeding.rng_for(world.seed, purpose, scene.index, key)
            length = scene_duration_s + 2 * period  # the last chunk may run past the scene
            clip = render_audio(layout, scene.conditions, scene_rng, rate, length)
            state.audio = clip.waveform
        start, n = round(t * rate), round(period * rate)
        return AudioClip(state.audio[start : start + n].copy(), rate)
    if spec.modality == "tactile":
        on, off = layout.contact
        if not on <= t < off:
            return None
        if state.touch is None:
            touch_rng = seeding.rng_for(world.seed, purpose, scene.index, key)
            state.touch = make_surface(layout.touch_material, touch_rng, world.rig.tactile_size)
        phase = (t - on) / (off - on)
        press = math.sin(math.pi * phase) ** 0.5  # press in, hold, release
        shear = np.array([3.0 * phase, 1.0 * math.sin(3 * phase)])  # sliding a little
        return imprint(state.touch, press, shear, frame_rng, layout.env.noise)
    return world.render(scene, layout, spec.modality, frame_rng, t)
