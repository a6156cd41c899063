"""A pedestal fan: spinning blades (many events), a warm motor, a whirr; sometimes switched off."""

from __future__ import annotations

import math

import numpy as np

from omnibind_ros.sim.geometry import Solid, annulus, blades, cylinder, ellipsoid
from omnibind_ros.sim.materials import heated, surface
from omnibind_ros.sim.objects.base import BuildContext, ObjectModel, Params
from omnibind_ros.sim.sounds import Synth

_PLASTICS = ("f4f6f7", "1c1c1c", "aab7b8", "5dade2", "d5d8dc")


class Fan(ObjectModel):
    name = "fan"
    distance_m = (1.2, 3.5)
    touch = (("plastic_ribs", 0.7), ("glass", 0.15), ("painted_metal", 0.15))
    headings = (0.0, 60.0)

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        on = bool(rng.random() < 0.8)
        plastic = surface(rng, env, _PLASTICS, texture=0.02)
        return {
            "height": rng.uniform(1.0, 1.35),
            "radius": rng.uniform(0.18, 0.25),
            "count": int(rng.integers(3, 6)),
            "duty": rng.uniform(0.3, 0.5),
            "rps": rng.uniform(12.0, 22.0) if on else 0.0,
            "spin0": rng.uniform(0, 2 * math.pi),
            "oscillates": on and bool(rng.random() < 0.4),
            "on": on,
            "mains_hz": float(rng.choice([50.0, 60.0])),
            "plastic": mats.add(plastic),
            "blade": mats.add(surface(rng, env, _PLASTICS, texture=0.02)),
            "motor": mats.add(heated(plastic, env.air_c + rng.uniform(12, 25)) if on else plastic),
        }

    def solids(self, p: Params, t: float) -> list[Solid]:
        h, r = p["height"], p["radius"]
        turn = 0.5 * math.sin(2 * math.pi * t / 12.0) if p["oscillates"] else 0.0
        normal = np.array([math.cos(turn), math.sin(turn), 0.0])
        hub = np.array([0.0, 0.0, h])
        spin = p["spin0"] + 2 * math.pi * p["rps"] * t
        pl = p["plastic"]
        return [
            cylinder((0, 0, 0), (0, 0, 0.04), 0.17, pl),
            cylinder((0, 0, 0.04), (0, 0, h - 0.08), 0.02, pl),
            ellipsoid(hub - 0.12 * normal, (0.08, 0.08, 0.08), p["motor"], yaw=turn),
            cylinder(hub - 0.04 * normal, hub + 0.02 * normal, 0.045, pl),
            blades(hub, normal, 0.04, r, p["count"], p["duty"], spin, p["blade"]),
            annulus(hub + 0.05 * normal, normal, r + 0.01, r + 0.03, pl),
            annulus(hub - 0.05 * normal, normal, r + 0.01, r + 0.03, pl),
        ]

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        if not p["on"]:
            return synth.silence()
        return synth.whirr(p["count"] * p["rps"], p["mains_hz"], 0.08)
