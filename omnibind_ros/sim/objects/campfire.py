"""A campfire: low logs in a ring of stones under flickering flames; very hot, crackling."""

from __future__ import annotations

import math

import numpy as np

from omnibind_ros.sim.geometry import Solid, cylinder, ellipsoid
from omnibind_ros.sim.materials import glowing, heated, surface
from omnibind_ros.sim.objects.base import BuildContext, ObjectModel, Params
from omnibind_ros.sim.sounds import Synth

_STONES = ("7f8c8d", "95a5a6", "5d6d7e", "a6acaf")
_LOGS = ("5c4033", "3e2723", "6b4226", "2b1d14")
_UP = np.array([0.0, 0.0, 1.0])


class Campfire(ObjectModel):
    name = "campfire"
    distance_m = (2.0, 6.0)
    touch = (("charred_wood", 0.6), ("wood", 0.4))
    headings = (0.0, 180.0)

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        ring = rng.uniform(0.35, 0.55)
        n_flames = int(rng.integers(3, 7))
        return {
            "ring": ring,
            "stones": rng.uniform(0, 2 * math.pi, int(rng.integers(7, 12))),
            "logs": rng.uniform(0, math.pi, int(rng.integers(3, 6))),
            "flames": rng.uniform(-0.5, 0.5, (n_flames, 2)) * ring,
            "flame_h": rng.uniform(0.3, 0.7, n_flames),
            "flicker_hz": rng.uniform(4, 12, n_flames),
            "flicker_phase": rng.uniform(0, 2 * math.pi, n_flames),
            "crackle_hz": rng.uniform(5, 25),
            "stone": mats.add(
                heated(surface(rng, env, _STONES, texture=0.2), rng.uniform(40, 110))
            ),
            "log": mats.add(heated(surface(rng, env, _LOGS, texture=0.2), rng.uniform(150, 350))),
            "ember": mats.add(
                glowing(
                    (1.0, 0.25, 0.05),
                    rng.uniform(0.3, 0.8),
                    rng.uniform(500, 700),
                    lidar_transparent=False,
                )
            ),
            "flame": mats.add(
                glowing((1.0, 0.55, 0.15), rng.uniform(1.5, 3.0), rng.uniform(600, 900))
            ),
        }

    def solids(self, p: Params, t: float) -> list[Solid]:
        ring = p["ring"]
        parts = [
            ellipsoid(
                (ring * math.cos(a), ring * math.sin(a), 0.06), (0.09, 0.08, 0.07), p["stone"]
            )
            for a in p["stones"]
        ]
        for a in p["logs"]:
            d = np.array([math.cos(a), math.sin(a), 0.0]) * ring * 0.8
            # Logs lean on each other: one end higher than the other.
            parts.append(cylinder(-d + _UP * 0.06, d + _UP * 0.12, 0.06, p["log"]))
        parts.append(ellipsoid((0, 0, 0.05), (ring * 0.6, ring * 0.6, 0.05), p["ember"]))
        for (fx, fy), h, hz, ph in zip(
            p["flames"], p["flame_h"], p["flicker_hz"], p["flicker_phase"], strict=True
        ):
            wobble = 0.5 + 0.5 * math.sin(2 * math.pi * hz * t + ph)
            height = h * (0.7 + 0.5 * wobble)
            parts.append(
                ellipsoid(
                    (fx + 0.04 * wobble, fy, 0.12 + height / 2),
                    (0.08, 0.08, height / 2),
                    p["flame"],
                    glow=0.7 + 0.6 * wobble,
                )
            )
        return parts

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        return synth.crackle(p["crackle_hz"], 0.3)
