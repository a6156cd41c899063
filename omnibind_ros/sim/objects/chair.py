"""A chair: seat, back and legs at air temperature, silent; a cushion may still be warm."""

from __future__ import annotations

import math

import numpy as np

from omnibind_ros.sim.geometry import Solid, box, cylinder
from omnibind_ros.sim.materials import FABRICS, PAINTS, WOODS, heated, surface
from omnibind_ros.sim.objects.base import BuildContext, ObjectModel, Params
from omnibind_ros.sim.sounds import Synth


class Chair(ObjectModel):
    name = "chair"
    distance_m = (1.5, 4.5)
    touch = (("wood", 0.7), ("fabric", 0.3))

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        frame = surface(rng, env, WOODS if rng.random() < 0.7 else PAINTS, texture=0.1)
        cushion = surface(rng, env, FABRICS, texture=0.1)
        if rng.random() < 0.15:  # someone just got up
            cushion = heated(cushion, env.air_c + rng.uniform(4, 10))
        return {
            "seat_h": rng.uniform(0.42, 0.5),
            "seat_w": rng.uniform(0.4, 0.5),
            "back_h": rng.uniform(0.35, 0.55),
            "arms": bool(rng.random() < 0.3),
            "cushioned": bool(rng.random() < 0.4),
            "creaks": bool(rng.random() < 0.15),
            "frame": mats.add(frame),
            "cushion": mats.add(cushion),
        }

    def solids(self, p: Params, t: float) -> list[Solid]:
        h, w, back = p["seat_h"], p["seat_w"] / 2, p["back_h"]
        seat_mat = p["cushion"] if p["cushioned"] else p["frame"]
        parts = [
            box((0, 0, h), (w, w, 0.03 if not p["cushioned"] else 0.05), seat_mat),
            box(
                (-w + 0.02, 0, h + back / 2),
                (0.02, w, back / 2),
                p["frame"],
                pitch=math.radians(-8),
            ),
        ]
        for lx in (w - 0.03, -w + 0.03):
            for ly in (w - 0.03, -w + 0.03):
                parts.append(cylinder((lx, ly, 0), (lx, ly, h - 0.03), 0.02, p["frame"]))
        if p["arms"]:
            for ly in (w, -w):
                parts.append(box((0, ly, h + 0.22), (w, 0.025, 0.02), p["frame"]))
                parts.append(
                    cylinder((w - 0.03, ly, h), (w - 0.03, ly, h + 0.22), 0.015, p["frame"])
                )
        return parts

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        return synth.creak(0.1) if p["creaks"] else synth.silence()
