"""The lidar: range returns of a sector of beams with range noise, dropout on dark, glancing or
glassy surfaces, fog extinction and fog backscatter; Nx4 float32 (x, y, z, intensity)."""

from __future__ import annotations

import numpy as np

from omnibind_ros.sim.geometry import SpinningGrid
from omnibind_ros.sim.layout import Layout
from omnibind_ros.sim.shading import solid_lookup

MAX_RANGE_M = 60.0
_RANGE_NOISE_M = 0.015
_DROPOUT = 0.02
_DETECTION_FLOOR = 0.004  # echo strength at which detection probability is 1 - 1/e
_BACKSCATTER = 0.08  # fraction of rays with a fog echo at fog density 1


def render_lidar(
    layout: Layout,
    grid: SpinningGrid,
    rng: np.random.Generator,
    t: float = 0.0,
    organized: bool = False,
) -> np.ndarray:
    """One sweep at ``t`` seconds into the scene. Rays without a return are dropped, or kept as
    NaN rows when ``organized`` (beam-major order, like an organised driver output)."""
    env, props = layout.env, layout.props
    transparent = props["lidar_transparent"] > 0
    solids, hits = layout.cast(grid, t, keep=lambda s: not transparent[s.material])  # no flames
    mat_of, _ = solid_lookup(solids)
    depth = hits.depth.ravel()
    sid = hits.solid.ravel()
    dirs = grid.dirs.reshape(-1, 3)
    hit = (sid >= 0) & (depth < MAX_RANGE_M)
    m = mat_of[np.where(hit, sid, 0)]
    cosine = np.abs(np.einsum("ij,ij->i", hits.normal.reshape(-1, 3), dirs))
    extinction = np.exp(-2.0 * env.beta_lidar * np.where(hit, depth, 0.0))
    echo = props["reflectivity"][m] * cosine * extinction / np.maximum(depth / 10.0, 1.0) ** 2
    detect = props["lidar_return"][m] * (1.0 - np.exp(-echo / _DETECTION_FLOOR))
    detect *= 1.0 - min(_DROPOUT * env.noise, 0.5)
    returned = hit & (rng.random(len(depth)) < detect)
    ranges = depth + _RANGE_NOISE_M * env.noise * rng.standard_normal(len(depth))
    intensity = props["reflectivity"][m] * cosine * extinction
    if env.fog > 0:
        # Droplets close to the sensor echo back: weak points in front of everything else.
        fog_echo = rng.random(len(depth)) < _BACKSCATTER * env.fog
        fog_range = rng.uniform(0.5, 1.0 / max(env.beta_lidar, 1e-3), len(depth))
        fog_echo &= ~returned | (fog_range < ranges)
        ranges = np.where(fog_echo, fog_range, ranges)
        intensity = np.where(fog_echo, rng.uniform(0.0, 0.05, len(depth)), intensity)
        returned |= fog_echo
    intensity = np.clip(intensity + 0.01 * env.noise * rng.standard_normal(len(depth)), 0, 1)
    ranges = np.where(returned, ranges, 0.0)
    points = np.column_stack([grid.origin + dirs * ranges[:, None], intensity]).astype(np.float32)
    if organized:
        points[~returned] = np.nan
        return points
    return points[returned]
