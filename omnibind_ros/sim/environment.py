"""The physical environment of one scene, derived from its conditions: light, air, sky, fog."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from omnibind_ros.sim.conditions import Conditions

# Illuminance relative to an overcast day, and the cap of the camera's auto-exposure gain keep
# night images dark and noisy, as on a real uncooled CMOS camera without infrared lighting.
_LIGHT_LEVEL = {"day": (0.7, 1.3), "dusk": (0.08, 0.25), "night": (0.002, 0.008)}
_AIR_TEMPERATURE_C = {"day": (16.0, 32.0), "dusk": (10.0, 22.0), "night": (2.0, 15.0)}
_SUN_ELEVATION_DEG = {"day": (30.0, 70.0), "dusk": (2.0, 10.0), "night": (-30.0, -10.0)}
_LIGHT_TINT = {"day": (1.0, 0.98, 0.95), "dusk": (1.0, 0.62, 0.35), "night": (0.55, 0.65, 1.0)}
_SKY_RGB = {"day": (0.35, 0.55, 0.95), "dusk": (0.9, 0.45, 0.25), "night": (0.05, 0.07, 0.15)}

# Extinction per metre at fog density 1 (about 10 m visibility in the visible band); long-wave
# infrared passes fog far better, a 905 nm lidar slightly better than the eye.
BETA_VISIBLE = 0.3
BETA_THERMAL = 0.04
BETA_LIDAR = 0.22


@dataclass(frozen=True, eq=False)
class Environment:
    lighting: str
    light: float  # illuminance scale, 1 = overcast day
    sun_dir: np.ndarray  # unit vector towards the sun (below the horizon at night)
    sun_rgb: np.ndarray  # direct light, linear RGB
    ambient_rgb: np.ndarray  # sky light, linear RGB
    sky_rgb: np.ndarray  # radiance of the sky at the horizon, linear RGB
    indoor: bool  # a back wall closes the view (no sky)
    air_c: float  # air temperature
    sky_c: float  # radiative temperature of the sky (cold when clear)
    ground_c: float
    fog: float
    noise: float

    @property
    def beta_visible(self) -> float:
        return self.fog * BETA_VISIBLE

    @property
    def beta_thermal(self) -> float:
        return self.fog * BETA_THERMAL

    @property
    def beta_lidar(self) -> float:
        return self.fog * BETA_LIDAR

    @property
    def fog_rgb(self) -> np.ndarray:
        return 0.8 * (self.ambient_rgb + 0.3 * self.sun_rgb)


def make_environment(conditions: Conditions, rng: np.random.Generator) -> Environment:
    lighting = conditions.lighting
    light = float(rng.uniform(*_LIGHT_LEVEL[lighting]))
    tint = np.array(_LIGHT_TINT[lighting])
    elevation = math.radians(rng.uniform(*_SUN_ELEVATION_DEG[lighting]))
    azimuth = rng.uniform(-math.pi, math.pi)
    sun_dir = np.array(
        [
            math.cos(elevation) * math.cos(azimuth),
            math.cos(elevation) * math.sin(azimuth),
            math.sin(elevation),
        ]
    )
    overcast = rng.uniform(0.0, 1.0)  # clouds soften the sun and warm the radiative sky
    sun = 0.0 if lighting == "night" else light * (1.0 - 0.7 * overcast)
    air = float(rng.uniform(*_AIR_TEMPERATURE_C[lighting]))
    ground_offset = {
        "day": rng.uniform(1.0, 8.0) * (1 - overcast),
        "dusk": rng.uniform(-1, 2),
        "night": rng.uniform(-3.0, 0.0),
    }[lighting]
    return Environment(
        lighting=lighting,
        light=light,
        sun_dir=sun_dir,
        sun_rgb=sun * tint,
        ambient_rgb=light * (0.3 + 0.3 * overcast) * tint,
        sky_rgb=light * np.array(_SKY_RGB[lighting]) * (1.0 + 0.6 * overcast),
        indoor=bool(rng.random() < 0.4),
        air_c=air,
        sky_c=air - float(rng.uniform(5.0, 30.0)) * (1.0 - 0.8 * overcast),
        ground_c=air + float(ground_offset),
        fog=conditions.fog,
        noise=conditions.noise,
    )
