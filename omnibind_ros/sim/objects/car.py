"""A car: a large painted box on four wheels; a hot engine and exhaust when running."""

from __future__ import annotations

import math

import numpy as np

from omnibind_ros.sim.geometry import Solid, box, cylinder
from omnibind_ros.sim.materials import PAINTS, Material, glowing, heated, srgb, surface
from omnibind_ros.sim.objects.base import BuildContext, ObjectModel, Params, pacing
from omnibind_ros.sim.sounds import Synth


class Car(ObjectModel):
    name = "car"
    distance_m = (5.0, 12.0)
    touch = (("painted_metal", 0.7), ("rubber", 0.3))

    def sample(self, ctx: BuildContext) -> Params:
        rng, env, mats = ctx.rng, ctx.env, ctx.materials
        running = bool(rng.random() < 0.8)
        moving = running and bool(rng.random() < 0.6)
        paint = surface(rng, env, PAINTS, texture=0.02, reflectivity=(0.3, 0.8))
        # Draws never depend on the lighting, so forcing night changes nothing else.
        daytime_lights = rng.random() < 0.3
        lights_on = running and (env.lighting != "day" or daytime_lights)
        # Windows mirror the sky: cooler than the air to the thermal camera.
        glass = Material(
            albedo=srgb("1b2631"),
            temperature_c=env.sky_c * 0.3 + env.air_c * 0.7,
            reflectivity=0.1,
            lidar_return=0.5,
        )
        return {
            "length": rng.uniform(3.8, 4.8),
            "width": rng.uniform(1.7, 1.9),
            "height": rng.uniform(1.35, 1.6),
            "moving": moving,
            "speed": rng.uniform(1.0, 3.0) if moving else 0.0,
            "pace_s": rng.uniform(4.0, 8.0),
            "phase": rng.uniform(0, 2 * math.pi),
            "firing_hz": rng.uniform(45, 90) if moving else rng.uniform(22, 35),
            "running": running,
            "paint": mats.add(paint),
            "hood": mats.add(heated(paint, rng.uniform(50, 90)) if running else paint),
            "glass": mats.add(glass),
            "tyre": mats.add(
                heated(
                    surface(rng, env, ("1c1c1c",), reflectivity=(0.05, 0.15)),
                    env.air_c + (rng.uniform(8, 20) if moving else 1.0),
                )
            ),
            "exhaust": mats.add(heated(paint, rng.uniform(80, 200)) if running else paint),
            "lamp": mats.add(
                glowing((1.0, 0.95, 0.8), 3.0, env.air_c + 15, lidar_transparent=False)
                if lights_on
                else paint
            ),
        }

    def solids(self, p: Params, t: float) -> list[Solid]:
        length, width, height = p["length"], p["width"], p["height"]
        x = pacing(p, t)
        if p["running"] and not p["moving"]:
            x += 0.003 * math.sin(2 * math.pi * p["firing_hz"] * t)  # idle shake
        sill, belt = 0.25, 0.9
        hood_len = 0.3 * length
        parts = [
            box(
                (x - hood_len / 2, 0, (sill + belt) / 2),
                (length / 2 - hood_len / 2, width / 2, (belt - sill) / 2),
                p["paint"],
            ),
            box(
                (x + length / 2 - hood_len / 2, 0, (sill + belt) / 2 + 0.02),
                (hood_len / 2, width / 2 * 0.98, (belt - sill) / 2),
                p["hood"],
            ),
            box(
                (x - 0.1 * length, 0, (belt + height) / 2),
                (0.26 * length, width / 2 * 0.9, (height - belt) / 2),
                p["glass"],
            ),
            box(
                (x - 0.1 * length, 0, height - 0.02),
                (0.25 * length, width / 2 * 0.88, 0.03),
                p["paint"],
            ),
            box((x + length / 2, 0.6 * width / 2, 0.7), (0.02, 0.12, 0.05), p["lamp"]),
            box((x + length / 2, -0.6 * width / 2, 0.7), (0.02, 0.12, 0.05), p["lamp"]),
            cylinder(
                (x - length / 2 - 0.1, -0.5, 0.3),
                (x - length / 2 + 0.1, -0.5, 0.3),
                0.04,
                p["exhaust"],
            ),
        ]
        for wx in (0.33 * length, -0.33 * length):
            for wy in (width / 2 - 0.1, -(width / 2 - 0.1)):
                parts.append(
                    cylinder((x + wx, wy - 0.11, 0.32), (x + wx, wy + 0.11, 0.32), 0.32, p["tyre"])
                )
        return parts

    def sound(self, p: Params, synth: Synth) -> np.ndarray:
        if not p["running"]:
            return synth.silence()
        return synth.engine(p["firing_hz"], 0.8, road=0.6 if p["moving"] else 0.0)
