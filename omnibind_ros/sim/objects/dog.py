"""A dog: low, long, warm under its fur; wags its tail, often trots, barks or pants."""

from __future__ import annotations

import math

import numpy as np

from omnibind_ros.sim.geometry import Solid, cylinder, ellipsoid
from omnibind_ros.sim.materials import FURS, heated, surface
from omnibind_ros.sim.objects.base import BuildContext, ObjectModel, Params, pacing
from omnibind_ros.sim.sounds import Synth


class Dog(ObjectModel):
    name = "dog"
    distance_m = (1.5, 5.0)
    touch = (("fur", 1.0),)

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        core = rng.uniform(38.0, 39.2)
        fur = surface(rng, env, FURS, texture=0.25)
        trotting = bool(rng.random() < 0.5)
        return {
            "size": rng.uniform(0.7, 1.25),
            "trotting": trotting,
            "speed": rng.uniform(0.8, 1.8) if trotting else 0.0,
            "pace_s": rng.uniform(1.5, 3.0),
            "wag_hz": rng.uniform(2.0, 4.0),
            "phase": rng.uniform(0, 2 * math.pi),
            "barking": bool(rng.random() < 0.75),
            "bark_hz": rng.uniform(1.0, 3.0),
            "fur": mats.add(heated(fur, env.air_c + (core - env.air_c) * rng.uniform(0.45, 0.7))),
            "face": mats.add(heated(fur, env.air_c + (core - env.air_c) * rng.uniform(0.8, 0.9))),
        }

    def solids(self, p: Params, t: float) -> list[Solid]:
        s = p["size"]
        x = pacing(p, t)
        gait = 2 * math.pi * 2.2 * t + p["phase"]
        leg = 0.5 * math.sin(gait) if p["trotting"] else 0.0
        wag = 0.7 * math.sin(2 * math.pi * p["wag_hz"] * t + p["phase"])
        body_z, half_len = 0.42 * s, 0.33 * s
        fur, face = p["fur"], p["face"]
        parts = [
            ellipsoid((x, 0, body_z), (half_len, 0.13 * s, 0.13 * s), fur),
            ellipsoid((x + 0.42 * s, 0, 0.58 * s), (0.11 * s, 0.085 * s, 0.09 * s), face),
            ellipsoid((x + 0.53 * s, 0, 0.55 * s), (0.07 * s, 0.045 * s, 0.04 * s), face),
            ellipsoid((x + 0.4 * s, 0.05 * s, 0.66 * s), (0.03 * s, 0.02 * s, 0.05 * s), fur),
        ]
        tail_base = (x - half_len, 0, body_z + 0.05 * s)
        tail_tip = (
            x - half_len - 0.22 * s * math.cos(wag),
            0.22 * s * math.sin(wag),
            body_z + 0.2 * s,
        )
        parts.append(cylinder(tail_base, tail_tip, 0.025 * s, fur))
        for dx, dy, sign in (
            (0.22, 0.07, 1),
            (0.22, -0.07, -1),
            (-0.22, 0.07, -1),
            (-0.22, -0.07, 1),
        ):
            top = (x + dx * s, dy * s, body_z)
            foot = (top[0] + body_z * math.sin(sign * leg), dy * s, 0.03)
            parts.append(cylinder(top, foot, 0.035 * s, fur))
        return parts

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        if p["barking"]:
            return synth.barks(p["bark_hz"], 0.6)
        panting = synth.band(synth.noise(), 500, 3000) * synth.gate(3.0, 0.5, 0.05)
        return 0.03 * panting
