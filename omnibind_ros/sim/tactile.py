"""A GelSight-like tactile pad: the touched material's micro-relief pressed into an elastomer,
lit from three sides by red, green and blue lights, with a grid of markers that slide under
shear; HxWx3 uint8.

Texture is all the pad sees: fur, fabric, wood, char, metal, rubber, ribbed plastic, glass. It
cannot tell a wooden door from a wooden chair, and darkness does not matter to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from omnibind_ros.sim.errors import SimConfigError

MATERIALS = (
    "fabric",
    "leather",
    "fur",
    "wood",
    "charred_wood",
    "painted_metal",
    "brushed_metal",
    "rubber",
    "plastic_ribs",
    "glass",
)
_GEL_RGB = np.array([0.42, 0.46, 0.52])
_LIGHT_ELEVATION = math.radians(60.0)
_LIGHT_AZIMUTH = np.radians([90.0, 210.0, 330.0])  # red, green, blue LEDs
_MARKER_PITCH = 8  # pixels at 64 px, scaled with the pad size


@dataclass(frozen=True)
class TouchSurface:
    """The relief under the pad for one contact (fixed while the same spot is touched)."""

    material: str
    relief: np.ndarray  # (S, S) heights, about unit amplitude
    curvature: float  # how domed the touched surface is
    softness: float  # gel smoothing in pixels (fur is soft)


def _coords(size: int, angle: float) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:size, 0:size].astype(float)
    return x * math.cos(angle) + y * math.sin(angle), -x * math.sin(angle) + y * math.cos(angle)


def _streaks(rng: np.random.Generator, size: int, along: float, across: float, angle: float):
    """Noise stretched along one direction (fur strands, brushing marks)."""
    field = ndimage.gaussian_filter(rng.standard_normal((size, size)), (across, along), mode="wrap")
    field = ndimage.rotate(field, math.degrees(angle), reshape=False, mode="wrap")
    return field / (np.std(field) + 1e-9)


def _blotches(rng: np.random.Generator, size: int, sigma: float) -> np.ndarray:
    field = ndimage.gaussian_filter(rng.standard_normal((size, size)), sigma, mode="wrap")
    return field / (np.std(field) + 1e-9)


def _cracks(rng: np.random.Generator, size: int) -> np.ndarray:
    """Cell edges of random seeds: the crazing of charred wood."""
    seeds = rng.uniform(0, size, (int(rng.integers(8, 20)), 2))
    grid = np.indices((size, size)).reshape(2, -1).T
    dist, _ = cKDTree(seeds).query(grid, k=2)
    edge = (dist[:, 1] - dist[:, 0]).reshape(size, size)
    return -np.exp(-edge / 1.2)


def make_surface(material: str, rng: np.random.Generator, size: int) -> TouchSurface:
    """Draw the relief of one touch of ``material``."""
    if material not in MATERIALS:
        raise SimConfigError(f"tactile material {material!r}: expected one of {MATERIALS}")
    scale = size / 64.0
    angle = rng.uniform(0, math.pi)
    u, v = _coords(size, angle)
    softness = 1.0
    if material == "fabric":
        p = rng.uniform(4.0, 7.0) * scale
        relief = np.sqrt(np.abs(np.sin(np.pi * u / p) * np.sin(np.pi * v / p))) * 0.8
        relief += 0.1 * rng.standard_normal((size, size))
    elif material == "leather":
        relief = 0.35 * _blotches(rng, size, 2.5 * scale) + 0.1 * rng.standard_normal((size, size))
    elif material == "fur":
        # Hairs pile up and flatten under the pad: a dense mat of fine, aligned strands.
        relief = 0.5 * np.tanh(1.5 * _streaks(rng, size, 4.0 * scale, 0.5, angle))
        softness = 0.8
    elif material in ("wood", "charred_wood"):
        p = rng.uniform(3.0, 8.0) * scale
        warp = 3.0 * _blotches(rng, size, 8.0 * scale)
        relief = 0.4 * np.sin(2 * np.pi * (u + warp) / p)
        if material == "charred_wood":
            relief = (
                0.5 * relief + 1.0 * _cracks(rng, size) + 0.15 * rng.standard_normal((size, size))
            )
    elif material == "painted_metal":
        relief = 0.12 * _blotches(rng, size, 3.0 * scale)
    elif material == "brushed_metal":
        relief = 0.18 * _streaks(rng, size, 12.0 * scale, 0.4, angle)
    elif material == "rubber":
        p, groove = rng.uniform(8.0, 14.0) * scale, rng.uniform(1.5, 3.0) * scale
        relief = 0.8 * ((np.mod(u, p) > groove) & (np.mod(v, p * 1.5) > groove)).astype(float)
    elif material == "plastic_ribs":
        p = rng.uniform(5.0, 10.0) * scale
        relief = 0.6 * np.sin(np.pi * u / p) ** 2
    else:  # glass: smooth, sometimes an edge of the pane
        relief = np.zeros((size, size))
        if rng.random() < 0.3:
            relief = -0.8 * (u > rng.uniform(0.3, 0.8) * size * abs(math.cos(angle)))
    return TouchSurface(material, relief, float(rng.uniform(0.0, 3.0)), softness)


def imprint(
    surface: TouchSurface,
    press: float,
    shear: np.ndarray,
    rng: np.random.Generator,
    noise: float = 1.0,
) -> np.ndarray:
    """The pad's image while pressed ``press`` (0..1) into ``surface`` with ``shear`` (pixels)."""
    size = surface.relief.shape[0]
    y, x = np.mgrid[0:size, 0:size].astype(float)
    r2 = ((x - size / 2) ** 2 + (y - size / 2) ** 2) / size**2
    height = surface.relief - surface.curvature * r2 * 4.0
    depth = 0.3 + 1.5 * float(np.clip(press, 0.0, 1.0))
    penetration = np.clip(height - (height.max() - depth), 0.0, None)
    penetration = ndimage.gaussian_filter(penetration, surface.softness * size / 64.0)
    gy, gx = np.gradient(penetration * 1.5)
    normal = np.stack([-gx, -gy, np.ones_like(gx)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    lights = np.stack(
        [
            np.cos(_LIGHT_AZIMUTH) * math.cos(_LIGHT_ELEVATION),
            np.sin(_LIGHT_AZIMUTH) * math.cos(_LIGHT_ELEVATION),
            np.full(3, math.sin(_LIGHT_ELEVATION)),
        ],
        axis=-1,
    )
    shading = normal @ lights.T - math.sin(_LIGHT_ELEVATION)  # 0 where the gel is flat
    vignette = 1.0 - 0.6 * r2
    rgb = (_GEL_RGB + 2.0 * shading) * vignette[..., None]
    # Markers printed on the gel move with it under shear, where it is in contact.
    contact = ndimage.gaussian_filter((penetration > 0.02).astype(float), 4.0 * size / 64.0)
    pitch = _MARKER_PITCH * size / 64.0
    mx = np.mod(x - shear[0] * contact, pitch) - pitch / 2
    my = np.mod(y - shear[1] * contact, pitch) - pitch / 2
    dots = np.exp(-(mx**2 + my**2) / (2 * (0.8 * size / 64.0) ** 2))
    rgb *= 1.0 - 0.75 * dots[..., None]
    rgb += 0.012 * noise * rng.standard_normal(rgb.shape)
    return np.round(np.clip(rgb, 0.0, 1.0) * 255).astype(np.uint8)
