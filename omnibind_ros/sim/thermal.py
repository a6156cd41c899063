"""The thermal camera: surface temperatures through fog (long-wave infrared passes it far
better than light), optics blur, temporal and column noise; HxW float32 degrees Celsius.

Darkness changes nothing here: that is why robots carry one.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from omnibind_ros.sim.geometry import PinholeGrid
from omnibind_ros.sim.layout import Layout
from omnibind_ros.sim.shading import solid_lookup

MEASURABLE_C = (-40.0, 400.0)  # the camera saturates outside this range (e.g. flames)
_NETD = 0.08  # noise-equivalent temperature difference, kelvin
_COLUMN_NOISE = 0.15  # uncorrected fixed-pattern noise between columns, kelvin
_BLUR_PX = 0.8


def render_thermal(layout: Layout, grid: PinholeGrid, rng: np.random.Generator, t: float = 0.0):
    """One thermal frame at ``t`` seconds into the scene: HxW float32 degrees Celsius."""
    env = layout.env
    solids, hits = layout.cast(grid, t)
    mat_of, _ = solid_lookup(solids)
    hit = hits.solid >= 0
    temp = np.full(hits.depth.shape, env.sky_c)
    temp[hit] = layout.props["temperature_c"][mat_of[hits.solid[hit]]]
    if env.fog > 0:
        transmission = np.where(hit, np.exp(-env.beta_thermal * np.where(hit, hits.depth, 0)), 0.3)
        temp = temp * transmission + env.air_c * (1.0 - transmission)
    temp = ndimage.gaussian_filter(temp, _BLUR_PX)
    noise = env.noise
    temp += _NETD * noise * rng.standard_normal(temp.shape)
    temp += _COLUMN_NOISE * noise * rng.standard_normal((1, temp.shape[1]))
    return np.clip(temp, *MEASURABLE_C).astype(np.float32)
