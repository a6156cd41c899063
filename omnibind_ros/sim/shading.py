"""Visible-light radiance along camera rays: Lambert shading under sun and sky, glowing
surfaces, sky, and fog. Shared by the RGB camera and the event camera."""

from __future__ import annotations

import numpy as np

from omnibind_ros.sim.geometry import Hits, Solid
from omnibind_ros.sim.layout import Layout

LUMA = np.array([0.2126, 0.7152, 0.0722])  # Rec. 709 weights of linear RGB


def solid_lookup(solids: list[Solid]) -> tuple[np.ndarray, np.ndarray]:
    """Material id and glow of each solid, indexed by solid id."""
    return (
        np.array([s.material for s in solids], dtype=np.int64),
        np.array([s.glow for s in solids]),
    )


def radiance(
    layout: Layout,
    solids: list[Solid],
    hits: Hits,
    dirs: np.ndarray,
    mask: np.ndarray | None = None,
    texture: np.ndarray | None = None,
) -> np.ndarray:
    """Linear RGB radiance (k, 3) of the rays selected by ``mask`` (all when None);
    ``texture`` is a zero-mean noise field per ray that modulates textured materials."""
    env, props = layout.env, layout.props
    mat_of, glow_of = solid_lookup(solids)

    def pick(a: np.ndarray) -> np.ndarray:
        return a.reshape(-1, *a.shape[2:]) if mask is None else a[mask]

    sid, normal, d = pick(hits.solid), pick(hits.normal), pick(dirs)
    # Per-solid tables with one extra row at the end, which solid id -1 (sky) indexes.
    albedo = np.vstack([props["albedo"][mat_of], np.zeros((1, 3))])[sid]
    emission = np.vstack([props["emission"][mat_of] * glow_of[:, None], np.zeros((1, 3))])[sid]
    if texture is not None:
        strength = np.append(props["texture"][mat_of], 0.0)[sid]
        albedo *= np.clip(1.0 + strength * pick(texture), 0.0, 2.0)[:, None]
    lambert = np.clip(normal @ env.sun_dir, 0.0, None)
    out = albedo * (env.ambient_rgb + lambert[:, None] * env.sun_rgb) + emission
    sky = sid < 0
    # Sky: a little brighter towards the horizon.
    out[sky] = env.sky_rgb * (1.0 - 0.4 * np.clip(d[sky, 2:3], 0, 1))
    if env.fog > 0:
        depth = np.where(sky, 0.0, pick(hits.depth))
        transmission = np.where(sky, 0.0, np.exp(-env.beta_visible * depth))[:, None]
        out = out * transmission + env.fog_rgb * (1.0 - transmission)
    return out
