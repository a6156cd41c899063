"""Per-scene conditions: lighting, fog, occlusion, sensor noise and distance.

Each condition degrades the sensors it degrades in reality: darkness the RGB camera (and,
less, the event camera), fog the camera, event camera and lidar (long-wave infrared much
less), occlusion every line-of-sight sensor, noise every sensor, distance the resolution of
every imaging sensor and the loudness of the object.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from omnibind_ros.sim.errors import SimConfigError

LIGHTING: tuple[str, ...] = ("day", "dusk", "night")
_LIGHTING_P = (0.5, 0.25, 0.25)
_FOG_P = 0.25  # fraction of scenes with fog
_OCCLUSION_P = 0.3  # fraction of scenes with an occluder
MAX_OCCLUSION = 0.7  # forced conditions may go this far


@dataclass(frozen=True)
class Conditions:
    """What the sensors face in one scene.

    lighting: "day" | "dusk" | "night"; fog: density in [0, 1] (0 clear, 1 about 10 m
    visibility); occlusion: fraction of the object's width hidden, in [0, 0.7]; noise: sensor
    noise multiplier (1 nominal); distance_m: sensor-to-object distance in metres.
    """

    lighting: str = "day"
    fog: float = 0.0
    occlusion: float = 0.0
    noise: float = 1.0
    distance_m: float = 4.0

    def __post_init__(self) -> None:
        if self.lighting not in LIGHTING:
            raise SimConfigError(f"lighting {self.lighting!r}: expected one of {LIGHTING}")
        _check_range("fog", self.fog, 0.0, 1.0)
        _check_range("occlusion", self.occlusion, 0.0, MAX_OCCLUSION)
        _check_range("noise", self.noise, 0.05, 5.0)
        _check_range("distance_m", self.distance_m, 0.5, 60.0)


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not (isinstance(value, numbers.Real) and low <= value <= high):
        raise SimConfigError(f"{name}={value!r}: expected a number in [{low}, {high}]")


def sample_conditions(rng: np.random.Generator, distance_range: tuple[float, float]) -> Conditions:
    """Draw one scene's conditions; distance is drawn within the class's natural range."""
    lighting = LIGHTING[rng.choice(len(LIGHTING), p=_LIGHTING_P)]
    fog = float(rng.uniform(0.2, 1.0)) if rng.random() < _FOG_P else 0.0
    occlusion = float(rng.uniform(0.15, 0.6)) if rng.random() < _OCCLUSION_P else 0.0
    noise = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0))))
    distance = float(rng.uniform(*distance_range))
    return Conditions(lighting, round(fog, 4), round(occlusion, 4), round(noise, 4), distance)


def override(base: Conditions, forced: Conditions | Mapping[str, Any] | None) -> Conditions:
    """``base`` with the forced fields replaced: a full Conditions, or a mapping of some fields."""
    if forced is None:
        return base
    if isinstance(forced, Conditions):
        return forced
    known = {f.name for f in dataclasses.fields(Conditions)}
    unknown = sorted(set(forced) - known)
    if unknown:
        raise SimConfigError(f"unknown condition(s) {unknown}; known: {sorted(known)}")
    return dataclasses.replace(base, **forced)
