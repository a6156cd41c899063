"""The RGB camera: radiance through auto-exposure with a gain limit, shot and read noise,
lens blur and sRGB encoding to HxWx3 uint8."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from omnibind_ros.sim.geometry import PinholeGrid
from omnibind_ros.sim.layout import Layout
from omnibind_ros.sim.shading import LUMA, radiance

_TARGET = 0.18  # mean linear level auto-exposure aims for
_MAX_GAIN = 4.0  # beyond this the image stays dark: the camera fails at night
_PHOTONS = 3000.0  # photons per unit radiance per pixel: sets shot noise
_READ_NOISE = 0.002


def texture_field(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Zero-mean surface texture: coarse blotches plus fine grain."""
    coarse = rng.standard_normal((shape[0] // 4 + 2, shape[1] // 4 + 2))
    coarse = ndimage.zoom(coarse, 4, order=1)[: shape[0], : shape[1]]
    return 0.7 * coarse + 0.5 * rng.standard_normal(shape)


def render_image(layout: Layout, grid: PinholeGrid, rng: np.random.Generator, t: float = 0.0):
    """One RGB frame at ``t`` seconds into the scene: HxWx3 uint8."""
    solids, hits = layout.cast(grid, t)
    rows, cols = grid.shape
    light = radiance(layout, solids, hits, grid.dirs, texture=texture_field(rng, (rows, cols)))
    light = light.reshape(rows, cols, 3)
    noise = layout.env.noise
    gain = float(np.clip(_TARGET / max(float(np.mean(light @ LUMA)), 1e-6), 0.25, _MAX_GAIN))
    shot = np.sqrt(np.maximum(light, 0.0) / _PHOTONS) * rng.standard_normal(light.shape)
    read = _READ_NOISE * noise * rng.standard_normal(light.shape)
    signal = gain * (light + noise * shot + read)
    signal = ndimage.gaussian_filter(signal, sigma=(0.5, 0.5, 0.0))
    encoded = np.clip(signal, 0.0, 1.0) ** (1 / 2.2)
    return np.round(encoded * 255).astype(np.uint8)
