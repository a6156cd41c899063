"""A door and a glass window: the same opening in a wall, closed by a wooden panel or by glass.

To a lidar they are nearly the same recessed rectangle (glass returns fewer, weaker points);
the camera sees wood against reflections; the thermal camera sees cold glass; a door may be
knocked on or creak.
"""

from __future__ import annotations

import math

import numpy as np

from omnibind_ros.sim.geometry import Solid, box, cylinder
from omnibind_ros.sim.materials import PAINTS, WALLS, WOODS, Material, glowing, srgb, surface
from omnibind_ros.sim.objects.base import BuildContext, ObjectModel, Params
from omnibind_ros.sim.sounds import Synth

_THICK = 0.08  # half wall thickness


def _opening_params(ctx: BuildContext) -> Params:
    rng, env, mats = ctx.rng, ctx.env, ctx.materials
    return {
        "wall_w": rng.uniform(1.2, 2.0),
        "wall_h": rng.uniform(2.4, 2.8),
        "open_w": rng.uniform(0.8, 1.1),
        "open_h": rng.uniform(1.95, 2.15),
        "recess": rng.uniform(0.03, 0.1),
        "wall": mats.add(surface(rng, env, WALLS, texture=0.03, reflectivity=(0.4, 0.8))),
        "trim": mats.add(surface(rng, env, WOODS + PAINTS, texture=0.05)),
    }


def _wall(p: Params) -> list[Solid]:
    """Wall pieces left, right and above the opening, and the trim around it (face at x = 0)."""
    ww, wh, ow, oh = p["wall_w"], p["wall_h"], p["open_w"] / 2, p["open_h"]
    side = (ww - ow) / 2
    parts = [
        box((-_THICK, ow + side, wh / 2), (_THICK, side, wh / 2), p["wall"]),
        box((-_THICK, -ow - side, wh / 2), (_THICK, side, wh / 2), p["wall"]),
        box((-_THICK, 0, (oh + wh) / 2), (_THICK, ow, (wh - oh) / 2), p["wall"]),
    ]
    for y in (ow, -ow):
        parts.append(box((0.01, y, oh / 2), (0.02, 0.04, oh / 2), p["trim"]))
    parts.append(box((0.01, 0, oh), (0.02, ow + 0.04, 0.04), p["trim"]))
    return parts


class Door(ObjectModel):
    name = "door"
    distance_m = (2.0, 5.5)
    touch = (("wood", 0.8), ("painted_metal", 0.2))
    headings = (0.0, 30.0)

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        p = _opening_params(ctx)
        sound = rng.choice(["knock", "creak", "none"], p=[0.55, 0.25, 0.2])
        p.update(
            ajar=rng.uniform(0.0, 0.4) if rng.random() < 0.3 else 0.0,
            swinging=bool(rng.random() < 0.1),
            panelled=bool(rng.random() < 0.5),
            sound=str(sound),
            knocks=int(rng.integers(2, 6)),
            panel=mats.add(
                surface(
                    rng,
                    env,
                    WOODS + PAINTS,
                    texture=0.1,
                    reflectivity=(0.15, 0.7),
                    lidar_return=rng.uniform(0.6, 1.0),
                )
            ),
            handle=mats.add(surface(rng, env, ("c0c0c0", "b8860b"), reflectivity=(0.5, 0.9))),
        )
        return p

    def solids(self, p: Params, t: float) -> list[Solid]:
        ow, oh, recess = p["open_w"], p["open_h"], p["recess"]
        angle = p["ajar"] + (0.15 * math.sin(0.8 * t) if p["swinging"] else 0.0)
        hinge = np.array([-recess, -ow / 2, 0.0])
        # The panel turns about its hinge on the opening's right edge, into the room.
        along = np.array([-math.sin(angle), math.cos(angle), 0.0])
        normal = np.array([math.cos(angle), math.sin(angle), 0.0])
        centre = hinge + along * ow / 2 + np.array([0, 0, oh / 2])
        panel = box(centre, (0.02, ow / 2 - 0.01, oh / 2 - 0.01), p["panel"], yaw=angle)
        parts = [*_wall(p), panel]
        knob = hinge + along * (ow - 0.08) + np.array([0, 0, 1.0])
        parts.append(cylinder(knob, knob + 0.08 * normal, 0.03, p["handle"]))
        if p["panelled"]:
            for z in (0.5, 1.4):
                inset = hinge + along * ow / 2 + 0.02 * normal + np.array([0, 0, z])
                parts.append(box(inset, (0.01, ow / 2 - 0.12, 0.3), p["panel"], yaw=angle))
        return parts

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        if p["sound"] == "knock":
            return synth.knocks(p["knocks"], 0.5)
        if p["sound"] == "creak":
            return synth.creak(0.15)
        return synth.silence()


class GlassWindow(ObjectModel):
    name = "glass window"
    distance_m = (2.0, 5.5)
    touch = (("glass", 0.85), ("wood", 0.15))
    headings = (0.0, 30.0)

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        p = _opening_params(ctx)
        room_light = rng.random() < 0.4  # a lit room behind the glass, seen in the dark
        lit = env.lighting != "day" and room_light
        reflection = env.sky_rgb * rng.uniform(0.3, 0.7)
        glass = Material(
            albedo=srgb("1f2a33"),
            # Glass is opaque to long-wave infrared and mirrors the cold sky.
            temperature_c=env.air_c - rng.uniform(2.0, 8.0),
            emission=tuple(reflection.tolist()),
            reflectivity=rng.uniform(0.05, 0.4),
            lidar_return=rng.uniform(0.25, 0.9),
        )
        if lit:
            room = glowing(
                (1.0, 0.8, 0.5),
                rng.uniform(0.02, 0.08),
                glass.temperature_c,
                lidar_transparent=False,
            )
            glass = Material(
                glass.albedo,
                glass.temperature_c,
                0.0,
                room.emission,
                glass.reflectivity,
                glass.lidar_return,
            )
        p.update(
            mullions=bool(rng.random() < 0.5),
            glass=mats.add(glass),
            frame=mats.add(surface(rng, env, WOODS + PAINTS, texture=0.03)),
        )
        return p

    def solids(self, p: Params, t: float) -> list[Solid]:
        ow, oh, recess = p["open_w"] / 2, p["open_h"], p["recess"]
        parts = [*_wall(p), box((-recess, 0, oh / 2), (0.01, ow, oh / 2), p["glass"])]
        parts.append(box((-recess + 0.02, 0, 0.04), (0.02, ow, 0.04), p["frame"]))
        if p["mullions"]:
            parts.append(box((-recess + 0.02, 0, oh / 2), (0.015, 0.025, oh / 2), p["frame"]))
            parts.append(box((-recess + 0.02, 0, oh * 0.6), (0.015, ow, 0.025), p["frame"]))
        return parts

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        return synth.silence()
