"""A person: upright, warm skin, clothes; walks (events, footsteps) or stands and talks."""

from __future__ import annotations

import math

import numpy as np

from omnibind_ros.sim.geometry import Solid, cylinder, ellipsoid
from omnibind_ros.sim.materials import FABRICS, SKINS, heated, surface
from omnibind_ros.sim.objects.base import BuildContext, ObjectModel, Params, pacing
from omnibind_ros.sim.sounds import Synth


class Person(ObjectModel):
    name = "person"
    distance_m = (2.5, 7.0)
    touch = (("fabric", 0.8), ("leather", 0.2))

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        core = rng.uniform(36.0, 37.2)
        skin_c = env.air_c + (core - env.air_c) * rng.uniform(0.7, 0.85)
        cloth_c = env.air_c + (core - env.air_c) * rng.uniform(0.35, 0.6)
        walking = bool(rng.random() < 0.7)
        return {
            "height": rng.uniform(1.55, 1.95),
            "girth": rng.uniform(0.9, 1.2),
            "walking": walking,
            "speed": rng.uniform(0.7, 1.4) if walking else 0.0,
            "pace_s": rng.uniform(2.0, 4.0),
            "stride_hz": rng.uniform(0.8, 1.0),
            "phase": rng.uniform(0, 2 * math.pi),
            "talking": bool(rng.random() < (0.4 if walking else 0.9)),
            "f0": rng.uniform(90, 250),
            "skin": mats.add(heated(surface(rng, env, SKINS, texture=0.03), skin_c)),
            "shirt": mats.add(heated(surface(rng, env, FABRICS, texture=0.1), cloth_c)),
            "pants": mats.add(heated(surface(rng, env, FABRICS, texture=0.1), cloth_c - 1.0)),
        }

    def solids(self, p: Params, t: float) -> list[Solid]:
        h, g = p["height"], p["girth"]
        # Walks back and forth along its heading: the sensors see it cross the view.
        x = pacing(p, t)
        stride = 2 * math.pi * p["stride_hz"] * t + p["phase"]
        leg = 0.45 * math.sin(stride) if p["walking"] else 0.0
        arm = -0.35 * math.sin(stride) if p["walking"] else 0.25 * math.sin(5 * t + p["phase"])
        hip, shoulder = 0.5 * h, 0.8 * h
        parts = [
            ellipsoid((x, 0, 0.67 * h), (0.12 * g, 0.19 * g, 0.17 * h), p["shirt"]),
            ellipsoid((x, 0, 0.92 * h), (0.1, 0.085, 0.075 * h), p["skin"]),
        ]
        for side, sign in ((0.1 * g, 1.0), (-0.1 * g, -1.0)):
            foot = (x + hip * math.sin(sign * leg), side, 0.05)
            parts.append(cylinder((x, side, hip), foot, 0.065 * g, p["pants"]))
            hand = (x + 0.33 * h * math.sin(sign * arm), side * 2.3, shoulder - 0.33 * h)
            parts.append(cylinder((x, side * 2.1, shoulder), hand, 0.045 * g, p["skin"]))
        return parts

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        out = synth.silence()
        if p["walking"]:
            out += synth.footsteps(2 * p["stride_hz"], 0.25)
        if p["talking"]:
            out += synth.voice(p["f0"], 0.15)
        return out
