"""The simulated world: scene classes rendered to every sensor, deterministic in (seed, index)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from omnibind_ros.sim import seeding
from omnibind_ros.sim.audio import render_audio
from omnibind_ros.sim.camera import render_image
from omnibind_ros.sim.conditions import Conditions, override, sample_conditions
from omnibind_ros.sim.errors import SimConfigError
from omnibind_ros.sim.events import EventSimulator
from omnibind_ros.sim.layout import Layout, build_layout
from omnibind_ros.sim.lidar import render_lidar
from omnibind_ros.sim.objects import CLASS_NAMES, MODELS
from omnibind_ros.sim.rig import SensorRig
from omnibind_ros.sim.samples import SENSOR_MODALITIES
from omnibind_ros.sim.stream import HotPlugSchedule, StreamSample, stream
from omnibind_ros.sim.tactile import imprint, make_surface
from omnibind_ros.sim.thermal import render_thermal

ForcedConditions = Conditions | Mapping[str, Any] | None


@dataclass(frozen=True)
class Scene:
    """One scene: which class, under which conditions."""

    index: int
    label: str
    class_index: int
    conditions: Conditions


class World:
    """A procedural world of scene classes seen by an RGB camera, a thermal camera, an event
    camera, a tactile pad, a microphone and a lidar.

    ``World(seed)`` is deterministic: ``sample(i)`` returns the same bytes for the same seed,
    index, modalities and forced conditions, on every call and machine. Classes are balanced:
    every block of ``len(classes)`` consecutive indices holds each class once.
    """

    def __init__(
        self, seed: int = 0, classes: Sequence[str] | None = None, rig: SensorRig | None = None
    ) -> None:
        names = list(CLASS_NAMES if classes is None else classes)
        unknown = [c for c in names if c not in MODELS]
        if unknown or not names or len(set(names)) != len(names):
            raise SimConfigError(
                f"classes {names}: expected distinct names from {', '.join(CLASS_NAMES)}"
            )
        self.seed = int(seed)
        self.rig = rig or SensorRig()
        self._classes = names
        self._layout = lru_cache(maxsize=16)(self._build_layout)

    @property
    def classes(self) -> list[str]:
        return list(self._classes)

    def scene(self, index: int, conditions: ForcedConditions = None) -> Scene:
        """Class and conditions of scene ``index``; ``conditions`` forces some or all of them."""
        if not isinstance(index, (int, np.integer)) or index < 0:
            raise SimConfigError(f"scene index {index!r}: expected an integer >= 0")
        count = len(self._classes)
        order = seeding.rng_for(self.seed, seeding.CLASS_ORDER, index // count).permutation(count)
        class_index = int(order[index % count])
        label = self._classes[class_index]
        rng = seeding.rng_for(self.seed, seeding.CONDITIONS, index)
        drawn = sample_conditions(rng, MODELS[label].distance_m)
        return Scene(int(index), label, class_index, override(drawn, conditions))

    def layout(self, scene: Scene) -> Layout:
        """The scene in 3-D (cached for the last few scenes: streams render each many times)."""
        return self._layout(scene.index, scene.label, scene.conditions)

    def _build_layout(self, index: int, label: str, conditions: Conditions) -> Layout:
        rng = seeding.rng_for(self.seed, seeding.LAYOUT, index)
        return build_layout(MODELS[label], conditions, rng)

    def sample(
        self,
        index: int,
        modalities: Sequence[str] | None = None,
        conditions: ForcedConditions = None,
    ) -> tuple[str, dict[str, Any]]:
        """Label and raw samples of scene ``index`` for ``modalities`` (default: all six).

        Only the requested modalities are rendered. Raw formats: image and tactile HxWx3 uint8
        RGB; thermal HxW float32 degrees Celsius; event an EventWindow; audio an AudioClip;
        lidar Nx4 float32 (x, y, z, intensity).
        """
        wanted = check_modalities(SENSOR_MODALITIES if modalities is None else modalities)
        scene = self.scene(index, conditions)
        layout = self.layout(scene)
        raw = {m: self.render(scene, layout, m, self._rng(m, index)) for m in wanted}
        return scene.label, raw

    def _rng(self, modality: str, *keys: int) -> np.random.Generator:
        return seeding.rng_for(self.seed, seeding.modality_purpose(modality), *keys)

    def render(
        self, scene: Scene, layout: Layout, modality: str, rng: np.random.Generator, t: float = 0.0
    ) -> Any:
        """One raw sample of ``modality`` at ``t`` seconds into the scene."""
        check_modalities([modality])
        rig = self.rig
        if modality == "image":
            return render_image(layout, rig.image_grid, rng, t)
        if modality == "thermal":
            return render_thermal(layout, rig.thermal_grid, rng, t)
        if modality == "event":
            return EventSimulator(layout, rig.event_grid, rng).window(t, rig.event_window_s)
        if modality == "tactile":
            surface = make_surface(layout.touch_material, rng, rig.tactile_size)
            press, shear = rng.uniform(0.5, 1.0), rng.normal(0.0, 1.5, 2)
            return imprint(surface, press, shear, rng, layout.env.noise)
        if modality == "audio":
            return render_audio(layout, scene.conditions, rng, rig.audio_rate, rig.audio_duration_s)
        return render_lidar(layout, rig.lidar_grid, rng, t, rig.lidar_organized)

    def stream(
        self,
        duration_s: float | None = None,
        schedule: HotPlugSchedule | None = None,
        start_index: int = 0,
        scene_duration_s: float = 4.0,
        start_stamp_ns: int = 0,
    ) -> Iterator[StreamSample]:
        """Timestamped samples of every present sensor at its natural rate, in time order; see
        :func:`omnibind_ros.sim.stream.stream`."""
        return stream(self, duration_s, schedule, start_index, scene_duration_s, start_stamp_ns)


def check_modalities(modalities: Sequence[str]) -> list[str]:
    """The requested sensor modalities, or a SimConfigError naming the unknown ones."""
    if isinstance(modalities, str):
        modalities = [modalities]
    unknown = [m for m in modalities if m not in SENSOR_MODALITIES]
    if unknown:
        raise SimConfigError(
            f"unknown modality {unknown}; expected some of {', '.join(SENSOR_MODALITIES)}"
        )
    return list(dict.fromkeys(modalities))
