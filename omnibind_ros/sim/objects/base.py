"""What every scene class provides: its 3-D parts over time, its sound, what touching it feels
like, and the distances it is usually seen from.

Object frame: x is the object's heading, y its left, z up; the origin is on the ground under
its centre. Sizes in metres, temperatures in degrees Celsius.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from omnibind_ros.sim.environment import Environment
from omnibind_ros.sim.geometry import Solid
from omnibind_ros.sim.materials import MaterialTable
from omnibind_ros.sim.sounds import Synth

Params = dict[str, Any]


@dataclass
class BuildContext:
    """What an object needs to draw its make-up: randomness, the weather, a material table."""

    rng: np.random.Generator
    env: Environment
    materials: MaterialTable


class ObjectModel(ABC):
    name: ClassVar[str]
    distance_m: ClassVar[tuple[float, float]]  # natural sensor-to-object distances
    touch: ClassVar[tuple[tuple[str, float], ...]]  # tactile materials and their chances
    # |heading| range in degrees, from facing the sensors (0) to side-on (90) to away (180).
    headings: ClassVar[tuple[float, float]] = (60.0, 120.0)

    @abstractmethod
    def sample(self, ctx: BuildContext) -> Params:
        """This instance's sizes, colours, state (running, boiling, walking, ...)."""

    @abstractmethod
    def solids(self, p: Params, t: float) -> list[Solid]:
        """The parts at ``t`` seconds, in the object frame."""

    @abstractmethod
    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        """The dry sound at 1 m over the synthesiser's duration."""


def swing(t: float, freq_hz: float, amplitude: float, phase: float = 0.0) -> float:
    """A sinusoidal oscillation (legs, tails, pacing back and forth)."""
    return amplitude * float(np.sin(2 * np.pi * freq_hz * t + phase))


def pacing(p: Params, t: float) -> float:
    """Offset along its heading of something that goes back and forth every ``pace_s`` seconds
    at a top speed of ``speed`` m/s (0: standing still)."""
    return swing(t, 1 / p["pace_s"], p["speed"] * p["pace_s"] / (2 * np.pi), p["phase"])
