"""One scene laid out in 3-D: the object placed at its distance and heading, ground, background
clutter, an optional back wall and occluder, the materials of it all, and what the tactile
sensor touches and when.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from omnibind_ros.sim.conditions import Conditions
from omnibind_ros.sim.environment import Environment, make_environment
from omnibind_ros.sim.geometry import (
    Hits,
    RayGrid,
    Solid,
    box,
    cast,
    cylinder,
    ellipsoid,
    plane,
    rotation,
)
from omnibind_ros.sim.materials import (
    GROUNDS,
    PAINTS,
    WALLS,
    WOODS,
    Material,
    MaterialTable,
    heated,
    surface,
)
from omnibind_ros.sim.objects import ObjectModel
from omnibind_ros.sim.objects.base import BuildContext, Params

CAMERA_HEIGHT = 1.0  # metres; the RGB, thermal and event cameras share one mount
LIDAR_HEIGHT = 1.2
_BEARING_DEG = 10.0  # the object stays near the middle of the view
_FOLIAGE = ("2e7d32", "1b5e20", "558b2f", "33691e")
MATERIAL_FIELDS = (
    "albedo",
    "temperature_c",
    "texture",
    "emission",
    "reflectivity",
    "lidar_return",
    "lidar_transparent",
)


@dataclass
class Layout:
    env: Environment
    materials: MaterialTable
    model: ObjectModel
    params: Params
    rot: np.ndarray  # object frame -> world
    offset: np.ndarray
    static: list[Solid]  # ground, back wall, clutter, occluder
    touch_material: str
    contact: tuple[float, float]  # seconds after the scene starts when the tactile sensor touches
    _static_hits: dict[RayGrid, Hits] = field(default_factory=dict, repr=False)

    def object_solids(self, t: float) -> list[Solid]:
        return [s.placed(self.rot, self.offset) for s in self.model.solids(self.params, t)]

    def cast(
        self, grid: RayGrid, t: float, keep: Callable[[Solid], bool] | None = None
    ) -> tuple[list[Solid], Hits]:
        """Every solid at ``t`` (ids: position in the list) and the nearest hit per ray. The
        static solids are cast once per sensor: a stream renders the scene many times."""
        if grid not in self._static_hits:
            self._static_hits[grid] = cast(grid, self.static)
        parts = [s for s in self.object_solids(t) if keep is None or keep(s)]
        hits = cast(grid, parts, first_id=len(self.static), into=self._static_hits[grid])
        return self.static + parts, hits

    @cached_property
    def props(self) -> dict[str, np.ndarray]:
        """Every material property as an array indexed by material id."""
        return {name: self.materials.array(name) for name in MATERIAL_FIELDS}


def build_layout(model: ObjectModel, conditions: Conditions, rng: np.random.Generator) -> Layout:
    env = make_environment(conditions, rng)
    materials = MaterialTable()
    params = model.sample(BuildContext(rng, env, materials))
    bearing = math.radians(rng.uniform(-_BEARING_DEG, _BEARING_DEG))
    d = conditions.distance_m
    offset = np.array([d * math.cos(bearing), d * math.sin(bearing), 0.0])
    heading = math.radians(rng.uniform(*model.headings)) * (1 if rng.random() < 0.5 else -1)
    rot = rotation(yaw=bearing + math.pi + heading)  # heading 0: the object faces the sensors
    names, chances = zip(*model.touch, strict=True)
    touch = str(rng.choice(names, p=np.array(chances) / sum(chances)))
    start = rng.uniform(0.3, 1.5)
    contact = (start, start + rng.uniform(1.0, 2.5))
    layout = Layout(env, materials, model, params, rot, offset, [], touch, contact)
    extent = _extent(layout.object_solids(0.0))
    static = [plane((0, 0, 0), (0, 0, 1), materials.add(_ground(rng, env)))]
    if env.indoor:
        back = d + extent["radius"] + rng.uniform(1.0, 4.0)
        normal = rotation(yaw=math.radians(rng.uniform(-20, 20)))[:, 0]
        wall = surface(rng, env, WALLS, texture=0.04, reflectivity=(0.4, 0.8))
        static.append(plane((back, 0, 0), normal, materials.add(wall)))
    static += _clutter(rng, env, materials, offset, extent["radius"])
    if conditions.occlusion > 0:
        static.append(_occluder(rng, env, materials, conditions.occlusion, extent))
    layout.static = static
    return layout


def _ground(rng: np.random.Generator, env: Environment) -> Material:
    ground = surface(rng, env, GROUNDS, texture=0.15, reflectivity=(0.1, 0.4))
    return heated(ground, env.ground_c + rng.normal(0, 0.5))


def _extent(solids: list[Solid]) -> dict[str, float]:
    """Bearing range, top height and footprint radius of the object, seen from the cameras."""
    centres = np.array([s.center for s in solids])
    radii = np.array([min(s.radius, 3.0) for s in solids])
    ranges = np.hypot(centres[:, 0], centres[:, 1])
    bearings = np.arctan2(centres[:, 1], centres[:, 0])
    spread = np.arcsin(np.clip(radii / np.maximum(ranges, 1e-3), 0, 1))
    mid = centres.mean(axis=0)
    return {
        "left": float(np.max(bearings + spread)),
        "right": float(np.min(bearings - spread)),
        "top": float(np.max(centres[:, 2] + radii)),
        "range": float(np.hypot(mid[0], mid[1])),
        "radius": float(np.max(np.hypot(centres[:, 0] - mid[0], centres[:, 1] - mid[1]) + radii)),
    }


def _clutter(
    rng: np.random.Generator,
    env: Environment,
    materials: MaterialTable,
    target: np.ndarray,
    keep_out: float,
) -> list[Solid]:
    """Background things (crates, poles, bushes) that never touch the object."""
    parts = []
    for _ in range(int(rng.integers(2, 7))):
        dist = rng.uniform(2.0, 25.0)
        bearing = math.radians(rng.uniform(-35, 35))
        pos = np.array([dist * math.cos(bearing), dist * math.sin(bearing), 0.0])
        kind = rng.choice(["crate", "pole", "bush"])
        size = rng.uniform(0.2, 0.8, 3)
        if np.hypot(*(pos - target)[:2]) < keep_out + np.max(size) + 0.5:
            continue
        palette = {
            "crate": PAINTS + WOODS,
            "pole": ("7f8c8d", "5d6d7e", "6b4226"),
            "bush": _FOLIAGE,
        }
        mat = surface(rng, env, palette[kind], texture=0.2 if kind == "bush" else 0.06)
        if rng.random() < 0.1:  # a radiator, a parked engine, an animal: warm distractors
            mat = heated(mat, env.air_c + rng.uniform(10, 25))
        m = materials.add(mat)
        up = np.array([0.0, 0.0, 1.0])
        if kind == "crate":
            parts.append(box(pos + size[2] * up, size, m, yaw=rng.uniform(0, math.pi)))
        elif kind == "pole":
            parts.append(cylinder(pos, pos + rng.uniform(1.0, 3.0) * up, size[0] / 4, m))
        else:
            parts.append(ellipsoid(pos + 0.8 * size[2] * up, size * 1.2, m))
    return parts


def _occluder(
    rng: np.random.Generator,
    env: Environment,
    materials: MaterialTable,
    fraction: float,
    extent: dict[str, float],
) -> Solid:
    """A panel between the sensors and the object hiding ``fraction`` of it, from a side or
    from below."""
    at = rng.uniform(0.4, 0.7) * extent["range"]
    at = max(at, 0.8)
    mat = materials.add(surface(rng, env, WALLS + WOODS + _FOLIAGE, texture=0.1))
    scale = at / extent["range"]
    if rng.random() < 0.3:  # a low wall hiding the lower part
        visible_top = extent["top"] * fraction
        top = CAMERA_HEIGHT + (visible_top - CAMERA_HEIGHT) * scale
        bearing = (extent["left"] + extent["right"]) / 2
        half_w = at * math.tan((extent["left"] - extent["right"]) / 2) + 0.3
        centre = (at * math.cos(bearing), at * math.sin(bearing), max(top, 0.05) / 2)
        return box(centre, (0.1, half_w, max(top, 0.05) / 2), mat, yaw=bearing)
    width = (extent["left"] - extent["right"]) * fraction
    edge = extent["left"] if rng.random() < 0.5 else extent["right"] + width
    bearing = edge - width / 2
    half_w = at * math.tan(width / 2)
    top = CAMERA_HEIGHT + (extent["top"] + 0.1 - CAMERA_HEIGHT) * scale
    centre = (at * math.cos(bearing), at * math.sin(bearing), top / 2)
    return box(centre, (0.1, half_w, top / 2), mat, yaw=bearing)
