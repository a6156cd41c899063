"""Surface materials: what each sensor sees of a surface (colour, heat, lidar return).

A scene keeps its materials in a MaterialTable; solids refer to them by index, and each sensor
looks its property up per ray in one vectorised step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omnibind_ros.sim.environment import Environment


def srgb(hex_colour: str) -> tuple[float, float, float]:
    """Linear reflectance of an sRGB colour written as 'rrggbb'."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
    return tuple(float(c) ** 2.2 for c in rgb)  # type: ignore[return-value]


PAINTS = (
    "c0392b",
    "2e86c1",
    "f4f6f7",
    "1c1c1c",
    "7f8c8d",
    "27ae60",
    "f1c40f",
    "8e44ad",
    "d35400",
    "5d6d7e",
    "a93226",
    "1a5276",
)
WOODS = ("8b5a2b", "a0522d", "6b4226", "c19a6b", "5c4033", "deb887")
FURS = ("8b5a2b", "1c1c1c", "f5f5dc", "d2a35c", "808080", "5c4033", "c0a080")
SKINS = ("f1c27d", "e0ac69", "c68642", "8d5524", "ffdbac")
FABRICS = ("1f3a93", "2c3e50", "7b241c", "145a32", "b7950b", "566573", "e5e8e8", "6c3483")
WALLS = ("f2f3f4", "d5d8dc", "f9e79f", "d6eaf8", "e8daef", "aab7b8", "f5cba7")
GROUNDS = ("567d46", "6e6e6e", "8d6e63", "b0a18f", "3e3e3e", "a1887f")


@dataclass(frozen=True)
class Material:
    albedo: tuple[float, float, float]  # linear RGB reflectance in [0, 1]
    temperature_c: float
    texture: float = 0.0  # camera: contrast of the surface texture
    emission: tuple[float, float, float] = (0.0, 0.0, 0.0)  # linear RGB self-luminance
    reflectivity: float = 0.3  # lidar reflectivity in [0, 1]
    lidar_return: float = 1.0  # chance that a lidar ray hitting it comes back
    lidar_transparent: bool = False  # flames and steam: lidar rays pass through


class MaterialTable:
    """The materials of one scene; ``add`` returns the index solids refer to."""

    def __init__(self) -> None:
        self.items: list[Material] = []

    def add(self, material: Material) -> int:
        self.items.append(material)
        return len(self.items) - 1

    def array(self, field: str) -> np.ndarray:
        """One property of every material, indexed by material id."""
        return np.array([getattr(m, field) for m in self.items], dtype=float)


def surface(
    rng: np.random.Generator,
    env: Environment,
    palette: tuple[str, ...],
    *,
    texture: float = 0.05,
    reflectivity: tuple[float, float] = (0.2, 0.6),
    lidar_return: float = 1.0,
    heat_spread: float = 0.3,
) -> Material:
    """A passive surface at air temperature: a small emissivity offset, warmed in the sun the
    more the darker it is."""
    albedo = srgb(palette[rng.integers(len(palette))])
    sun_heating = float(np.linalg.norm(env.sun_rgb)) * (1.0 - float(np.mean(albedo))) * 3.0
    temperature = env.air_c + sun_heating * rng.uniform(0.0, 1.0) + rng.normal(0.0, heat_spread)
    return Material(
        albedo=albedo,
        temperature_c=float(temperature),
        texture=texture,
        reflectivity=float(rng.uniform(*reflectivity)),
        lidar_return=lidar_return,
    )


def heated(material: Material, temperature_c: float) -> Material:
    """The same surface at a given temperature (bodies, engines, kettles)."""
    return Material(
        material.albedo,
        float(temperature_c),
        material.texture,
        material.emission,
        material.reflectivity,
        material.lidar_return,
        material.lidar_transparent,
    )


def glowing(
    rgb: tuple[float, float, float],
    strength: float,
    temperature_c: float,
    *,
    lidar_transparent: bool = True,
) -> Material:
    """A light source: flames, embers, headlights, a lit window."""
    return Material(
        albedo=(0.0, 0.0, 0.0),
        temperature_c=float(temperature_c),
        emission=tuple(float(c * strength) for c in rgb),  # type: ignore[arg-type]
        reflectivity=0.05,
        lidar_return=0.3,
        lidar_transparent=lidar_transparent,
    )
