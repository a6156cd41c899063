"""A bicycle: two thin wheels and a tube frame at air temperature; parked, or pushed along with
spinning spokes and a ticking freewheel."""

from __future__ import annotations

import math

import numpy as np

from omnibind_ros.sim.geometry import Solid, annulus, blades, cylinder, ellipsoid
from omnibind_ros.sim.materials import PAINTS, heated, surface
from omnibind_ros.sim.objects.base import BuildContext, ObjectModel, Params, pacing
from omnibind_ros.sim.sounds import Synth

_SIDE = (0.0, 1.0, 0.0)  # wheels turn in the object's x-z plane


class Bicycle(ObjectModel):
    name = "bicycle"
    distance_m = (2.0, 6.0)
    touch = (("brushed_metal", 0.45), ("rubber", 0.4), ("painted_metal", 0.15))

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        rolling = bool(rng.random() < 0.4)
        return {
            "wheel_r": rng.uniform(0.31, 0.36),
            "base": rng.uniform(1.0, 1.1),
            "rolling": rolling,
            "speed": rng.uniform(1.0, 2.2) if rolling else 0.0,
            "pace_s": rng.uniform(3.0, 6.0),
            "phase": rng.uniform(0, 2 * math.pi),
            "spokes": int(rng.choice([12, 16, 18])),
            "bell": bool(rng.random() < 0.15),
            "frame": mats.add(surface(rng, env, PAINTS, texture=0.02, heat_spread=0.6)),
            "tyre": mats.add(surface(rng, env, ("1c1c1c", "2b2b2b"), reflectivity=(0.05, 0.2))),
            # Bare metal rims and spokes mirror the sky: they look colder than the air.
            "spoke": mats.add(
                heated(
                    surface(rng, env, ("c0c0c0",), reflectivity=(0.4, 0.9), lidar_return=0.3),
                    env.air_c - rng.uniform(0.5, 3.0),
                )
            ),
            "seat": mats.add(surface(rng, env, ("1c1c1c", "5c4033"), texture=0.05)),
        }

    def solids(self, p: Params, t: float) -> list[Solid]:
        r, base = p["wheel_r"], p["base"]
        x = pacing(p, t)
        turn = x / r  # rolling without slipping
        rear, front = np.array([x - base / 2, 0, r]), np.array([x + base / 2, 0, r])
        seat = rear + np.array([0.32, 0, 0.62])
        head = front + np.array([-0.12, 0, 0.62])
        crank = np.array([x - 0.05, 0, r - 0.03])
        f = p["frame"]
        parts = []
        for hub in (rear, front):
            parts.append(annulus(hub, _SIDE, 0.88 * r, r, p["tyre"]))
            parts.append(blades(hub, _SIDE, 0.03, 0.88 * r, p["spokes"], 0.06, turn, p["spoke"]))
        parts += [
            cylinder(seat, head, 0.018, f),
            cylinder(crank, head, 0.02, f),
            cylinder(crank, seat + np.array([-0.02, 0, 0.05]), 0.018, f),
            cylinder(rear, crank, 0.012, f),
            cylinder(rear, seat, 0.012, f),
            cylinder(front, head + np.array([0, 0, 0.1]), 0.015, f),
            cylinder(head + np.array([0, -0.28, 0.12]), head + np.array([0, 0.28, 0.12]), 0.012, f),
            ellipsoid(seat + np.array([0, 0, 0.08]), (0.13, 0.05, 0.03), p["seat"]),
        ]
        return parts

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        out = synth.silence()
        if p["rolling"]:
            out += synth.ticks(p["speed"] / (2 * math.pi * p["wheel_r"]) * 24, 0.05)
        if p["bell"]:
            out += synth.bell(synth.rng.uniform(2500, 4000), 0.3)
        return out
