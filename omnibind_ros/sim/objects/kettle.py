"""A kettle on a table: small and hot (boiling, whistling, steaming) or just warm and quiet."""

from __future__ import annotations

import math

import numpy as np

from omnibind_ros.sim.geometry import Solid, annulus, box, cylinder, ellipsoid
from omnibind_ros.sim.materials import PAINTS, WOODS, Material, heated, surface
from omnibind_ros.sim.objects.base import BuildContext, ObjectModel, Params
from omnibind_ros.sim.sounds import Synth

_METALS = ("c0c0c0", "a6acaf", "1c1c1c", "f4f6f7", "c0392b")


class Kettle(ObjectModel):
    name = "kettle"
    distance_m = (1.0, 2.5)
    touch = (("brushed_metal", 0.6), ("painted_metal", 0.4))
    headings = (0.0, 180.0)

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        boiling = bool(rng.random() < 0.6)
        body = surface(rng, env, _METALS, texture=0.02, reflectivity=(0.4, 0.9))
        temp = rng.uniform(88, 99) if boiling else rng.uniform(40, 75)
        steam = Material(
            (0.8, 0.8, 0.8),
            env.air_c + rng.uniform(20, 50),
            0.05,
            reflectivity=0.05,
            lidar_return=0.0,
            lidar_transparent=True,
        )
        return {
            "table_h": rng.uniform(0.7, 0.78),
            "table_w": rng.uniform(0.6, 1.0),
            "radius": rng.uniform(0.08, 0.11),
            "tall": rng.uniform(0.17, 0.25),
            "boiling": boiling,
            "whistle": boiling and bool(rng.random() < 0.6),
            "whistle_hz": rng.uniform(1800, 3200),
            "puff_hz": rng.uniform(1.5, 3.0),
            "phase": rng.uniform(0, 2 * math.pi),
            "table": mats.add(surface(rng, env, WOODS + PAINTS, texture=0.08)),
            "body": mats.add(heated(body, temp)),
            "spout": mats.add(heated(body, temp - rng.uniform(0, 10))),
            "steam": mats.add(steam),
        }

    def solids(self, p: Params, t: float) -> list[Solid]:
        th, tw, r, tall = p["table_h"], p["table_w"] / 2, p["radius"], p["tall"]
        parts = [box((0, 0, th - 0.02), (tw, tw * 0.7, 0.02), p["table"])]
        for lx in (tw - 0.04, -tw + 0.04):
            for ly in (tw * 0.7 - 0.04, -tw * 0.7 + 0.04):
                parts.append(cylinder((lx, ly, 0), (lx, ly, th - 0.04), 0.025, p["table"]))
        base = th
        parts += [
            ellipsoid((0, 0, base + tall / 2), (r, r, tall / 2), p["body"]),
            cylinder((0, 0, base + tall * 0.95), (0, 0, base + tall * 1.05), r * 0.45, p["body"]),
            cylinder(
                (r * 0.7, 0, base + tall * 0.35),
                (r * 1.9, 0, base + tall * 0.85),
                0.015,
                p["spout"],
            ),
            annulus(
                (-r * 1.1, 0, base + tall * 0.6), (0, 1, 0), tall * 0.25, tall * 0.32, p["body"]
            ),
        ]
        if p["boiling"]:
            # Puffs of steam rise from the spout and fade.
            for k in range(3):
                age = (p["puff_hz"] * t + p["phase"] / (2 * math.pi) + k / 3) % 1.0
                centre = (r * 2.0 + 0.04 * age, 0, base + tall * 0.9 + 0.2 * age)
                size = 0.012 + 0.03 * age
                parts.append(ellipsoid(centre, (size, size, size * 1.3), p["steam"]))
        return parts

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        if p["whistle"]:
            return synth.whistle(p["whistle_hz"], 0.25)
        if p["boiling"]:
            return synth.boil(0.08)
        return 0.01 * synth.ticks(synth.rng.uniform(0.5, 2.0), 1.0)
