"""Analytic solids, sensor ray grids and ray casting: one 3-D scene for every line-of-sight sensor.

The camera, thermal camera, event camera and lidar all cast rays into the same solids, so their
views agree. The intersections are written out by hand because no library here casts rays
against analytic primitives: open3d's RaycastingScene takes triangle meshes only, and
re-tessellating the moving parts for every event-camera sub-frame costs more than intersecting
the dozen boxes, cylinders, ellipsoids and planar shapes a scene is made of.

World frame (ROS REP 103): x forward from the sensors, y left, z up, ground at z = 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

EPS = 1e-6


def rotation(yaw: float = 0.0, pitch: float = 0.0) -> np.ndarray:
    """Rz(yaw) @ Ry(pitch), radians."""
    cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    return rz @ ry


def _axis_rotation(axis: np.ndarray) -> np.ndarray:
    """A rotation whose local z is ``axis`` (unit). Plain floats: np.cross on 3-vectors costs
    more than the arithmetic, and solids are rebuilt for every event-camera sub-frame."""
    ax, ay, az = float(axis[0]), float(axis[1]), float(axis[2])
    # x = (1, 0, 0) cross axis, or (0, 1, 0) cross axis when axis is close to x.
    x = (0.0, -az, ay) if abs(ax) < 0.9 else (az, 0.0, -ax)
    norm = math.sqrt(x[0] ** 2 + x[1] ** 2 + x[2] ** 2)
    xx, xy, xz = x[0] / norm, x[1] / norm, x[2] / norm
    yx, yy, yz = ay * xz - az * xy, az * xx - ax * xz, ax * xy - ay * xx
    return np.array([[xx, yx, ax], [xy, yy, ay], [xz, yz, az]])


@dataclass(frozen=True)
class Solid:
    """One primitive in a frame (object or world); hashable so unchanged parts can be reused.

    size per kind: box half extents (3); cylinder (radius, half length) along local z;
    ellipsoid radii (3); plane (); annulus (r_in, r_out) in local z = 0; blades
    (r_in, r_out, count, duty, phase): ``count`` sectors, each ``duty`` of its pitch.
    """

    kind: str
    center: tuple[float, float, float]
    rotation: tuple[float, ...]  # 3x3 row-major, local -> frame
    size: tuple[float, ...]
    material: int
    glow: float = 1.0  # emission multiplier (flicker of flames)

    @cached_property
    def matrix(self) -> np.ndarray:
        return np.array(self.rotation).reshape(3, 3)

    @cached_property
    def radius(self) -> float:
        """Radius of a bounding sphere around ``center``."""
        if self.kind == "box":
            return math.sqrt(sum(h * h for h in self.size))
        if self.kind == "cylinder":
            return math.hypot(self.size[0], self.size[1])
        if self.kind == "ellipsoid":
            return max(self.size)
        if self.kind == "plane":
            return math.inf
        return self.size[1]  # annulus, blades: outer radius

    def placed(self, rot: np.ndarray, offset: np.ndarray) -> Solid:
        """This solid moved by ``frame = rot @ local + offset``."""
        center = rot @ np.asarray(self.center) + offset
        return Solid(
            self.kind,
            _vec(center),
            tuple((rot @ self.matrix).ravel().tolist()),
            self.size,
            self.material,
            self.glow,
        )


def _vec(v: np.ndarray) -> tuple[float, float, float]:
    return (float(v[0]), float(v[1]), float(v[2]))


def _make(kind: str, center, rot: np.ndarray, size, material: int, glow: float = 1.0) -> Solid:
    return Solid(
        kind,
        _vec(np.asarray(center, dtype=float)),
        tuple(rot.ravel().tolist()),
        tuple(float(s) for s in size),
        material,
        glow,
    )


def box(center, half, material: int, yaw: float = 0.0, pitch: float = 0.0) -> Solid:
    return _make("box", center, rotation(yaw, pitch), half, material)


def cylinder(p0, p1, radius: float, material: int) -> Solid:
    """A capped cylinder from point ``p0`` to point ``p1``."""
    p0, p1 = np.asarray(p0, dtype=float), np.asarray(p1, dtype=float)
    axis = p1 - p0
    length = float(np.linalg.norm(axis))
    rot = _axis_rotation(axis / length)
    return _make("cylinder", (p0 + p1) / 2, rot, (radius, length / 2), material)


def ellipsoid(
    center, radii, material: int, yaw: float = 0.0, pitch: float = 0.0, glow: float = 1.0
) -> Solid:
    return _make("ellipsoid", center, rotation(yaw, pitch), radii, material, glow)


def plane(point, normal, material: int) -> Solid:
    """An infinite two-sided plane through ``point``."""
    normal = np.asarray(normal, dtype=float)
    return _make("plane", point, _axis_rotation(normal / np.linalg.norm(normal)), (), material)


def annulus(center, normal, r_in: float, r_out: float, material: int) -> Solid:
    """A flat ring (a tyre, a fan guard) facing ``normal``."""
    normal = np.asarray(normal, dtype=float)
    rot = _axis_rotation(normal / np.linalg.norm(normal))
    return _make("annulus", center, rot, (r_in, r_out), material)


def blades(
    center, normal, r_in: float, r_out: float, count: int, duty: float, phase: float, material: int
) -> Solid:
    """``count`` flat sectors around ``normal`` (fan blades, wheel spokes), turned by ``phase``."""
    normal = np.asarray(normal, dtype=float)
    rot = _axis_rotation(normal / np.linalg.norm(normal))
    return _make("blades", center, rot, (r_in, r_out, count, duty, phase % (2 * math.pi)), material)


# --- intersections in the solid's local frame: o (3,), d (n, 3) -> t (n,), normal (n, 3) -------


def _hit_box(o: np.ndarray, d: np.ndarray, half: np.ndarray):
    """Slab test, one axis at a time: 1-D operations beat reductions over a length-3 axis."""
    n = len(d)
    t_in, t_out = np.full(n, -np.inf), np.full(n, np.inf)
    axis = np.zeros(n, dtype=np.intp)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(3):
            inv = 1.0 / d[:, k]
            a, b = (-half[k] - o[k]) * inv, (half[k] - o[k]) * inv
            near = np.minimum(a, b)
            entered_later = near > t_in
            t_in = np.where(entered_later, near, t_in)
            axis[entered_later] = k
            t_out = np.minimum(t_out, np.maximum(a, b))
    hit = (t_out >= t_in) & (t_out > EPS)
    t = np.where(hit, np.where(t_in > EPS, t_in, t_out), np.inf)
    rows = np.arange(n)
    normal = np.zeros_like(d)
    normal[rows, axis] = -np.sign(d[rows, axis])
    return t, normal


def _hit_cylinder(o: np.ndarray, d: np.ndarray, radius: float, half_length: float):
    a = d[:, 0] ** 2 + d[:, 1] ** 2
    b = 2.0 * (o[0] * d[:, 0] + o[1] * d[:, 1])
    c = o[0] ** 2 + o[1] ** 2 - radius * radius
    disc = b * b - 4.0 * a * c
    with np.errstate(divide="ignore", invalid="ignore"):
        t_side = (-b - np.sqrt(np.maximum(disc, 0.0))) / (2.0 * a)
        z = o[2] + t_side * d[:, 2]
        side = (disc >= 0) & (a > 1e-12) & (np.abs(z) <= half_length) & (t_side > EPS)
        cap_z = -np.sign(d[:, 2]) * half_length
        t_cap = (cap_z - o[2]) / d[:, 2]
        cx, cy = o[0] + t_cap * d[:, 0], o[1] + t_cap * d[:, 1]
        cap = (t_cap > EPS) & (cx * cx + cy * cy <= radius * radius)
    t_side = np.where(side, t_side, np.inf)
    t_cap = np.where(cap, t_cap, np.inf)
    use_cap = t_cap < t_side
    t = np.minimum(t_side, t_cap)
    p = o + np.where(np.isfinite(t), t, 0.0)[:, None] * d
    normal = np.column_stack([p[:, 0] / radius, p[:, 1] / radius, np.zeros(len(d))])
    normal[use_cap] = 0.0
    normal[use_cap, 2] = -np.sign(d[use_cap, 2])
    return t, normal


def _hit_ellipsoid(o: np.ndarray, d: np.ndarray, radii: np.ndarray):
    os_, ds = o / radii, d / radii
    a = np.einsum("ij,ij->i", ds, ds)
    b = 2.0 * ds @ os_
    c = os_ @ os_ - 1.0
    disc = b * b - 4.0 * a * c
    sq = np.sqrt(np.maximum(disc, 0.0))
    t0, t1 = (-b - sq) / (2.0 * a), (-b + sq) / (2.0 * a)
    t = np.where(t0 > EPS, t0, t1)
    t = np.where((disc >= 0) & (t > EPS), t, np.inf)
    p = o + np.where(np.isfinite(t), t, 0.0)[:, None] * d
    normal = p / (radii * radii)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    return t, normal


def _hit_planar(o: np.ndarray, d: np.ndarray, kind: str, size: tuple[float, ...]):
    with np.errstate(divide="ignore", invalid="ignore"):
        t = -o[2] / d[:, 2]
    ok = np.isfinite(t) & (t > EPS)
    if kind != "plane":
        px, py = o[0] + t * d[:, 0], o[1] + t * d[:, 1]
        r2 = px * px + py * py
        ok &= (r2 >= size[0] ** 2) & (r2 <= size[1] ** 2)
        if kind == "blades":
            count, duty, phase = size[2], size[3], size[4]
            pitch = 2.0 * math.pi / count
            ok &= np.mod(np.arctan2(py, px) - phase, pitch) < duty * pitch
    t = np.where(ok, t, np.inf)
    normal = np.zeros_like(d)
    normal[:, 2] = -np.sign(d[:, 2])
    return t, normal


def intersect(solid: Solid, origin: np.ndarray, dirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distances along unit ``dirs`` (n, 3) from ``origin`` to ``solid`` (inf: miss), and the
    surface normals in the frame of the rays, facing the rays."""
    rot = solid.matrix
    o = (origin - np.asarray(solid.center)) @ rot
    d = dirs @ rot
    if solid.kind == "box":
        t, n = _hit_box(o, d, np.asarray(solid.size))
    elif solid.kind == "cylinder":
        t, n = _hit_cylinder(o, d, *solid.size)
    elif solid.kind == "ellipsoid":
        t, n = _hit_ellipsoid(o, d, np.asarray(solid.size))
    else:
        t, n = _hit_planar(o, d, solid.kind, solid.size)
    return t, n @ rot.T


# --- sensors as grids of rays ------------------------------------------------------------------


class RayGrid:
    """Unit ray directions (rows, cols, 3) from one origin; the block of rays a sphere covers."""

    origin: np.ndarray
    dirs: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.dirs.shape[0], self.dirs.shape[1]

    def block(self, center: np.ndarray, radius: float) -> tuple[slice, slice] | None:
        raise NotImplementedError

    def crop(self, rows: slice, cols: slice) -> RayGrid:
        return CroppedGrid(self, rows, cols)


class CroppedGrid(RayGrid):
    """The rays of ``parent`` inside a rectangle of it."""

    def __init__(self, parent: RayGrid, rows: slice, cols: slice) -> None:
        self.parent, self.rows, self.cols = parent, rows, cols
        self.origin = parent.origin
        self.dirs = parent.dirs[rows, cols]

    def block(self, center: np.ndarray, radius: float) -> tuple[slice, slice] | None:
        region = self.parent.block(center, radius)
        if region is None:
            return None
        r0, r1 = max(region[0].start, self.rows.start), min(region[0].stop, self.rows.stop)
        c0, c1 = max(region[1].start, self.cols.start), min(region[1].stop, self.cols.stop)
        if r0 >= r1 or c0 >= c1:
            return None
        return (
            slice(r0 - self.rows.start, r1 - self.rows.start),
            slice(c0 - self.cols.start, c1 - self.cols.start),
        )


class PinholeGrid(RayGrid):
    """A camera looking along +x from ``mount_height`` metres: one ray per pixel centre."""

    def __init__(self, width: int, height: int, hfov_deg: float, mount_height: float) -> None:
        self.origin = np.array([0.0, 0.0, mount_height])
        self.focal = (width / 2) / math.tan(math.radians(hfov_deg) / 2)
        self.cx, self.cy = width / 2, height / 2
        u = np.arange(width) + 0.5
        v = np.arange(height) + 0.5
        dirs = np.empty((height, width, 3))
        dirs[..., 0] = self.focal
        dirs[..., 1] = (self.cx - u)[None, :]
        dirs[..., 2] = (self.cy - v)[:, None]
        self.dirs = dirs / np.linalg.norm(dirs, axis=2, keepdims=True)

    def block(self, center: np.ndarray, radius: float) -> tuple[slice, slice] | None:
        rows, cols = self.shape
        rel = np.asarray(center) - self.origin
        if not math.isfinite(radius) or rel[0] <= radius * 1.01:
            return (slice(0, rows), slice(0, cols)) if rel[0] + radius > 0 else None
        # Conservative bound of a sphere's projection:
        # |p_y/p_x - c_y/c_x| <= r (1 + |c_y|/c_x) / (c_x - r), likewise for z.
        depth = rel[0] - radius
        mu = self.focal * radius * (1 + abs(rel[1]) / rel[0]) / depth
        mv = self.focal * radius * (1 + abs(rel[2]) / rel[0]) / depth
        uc, vc = self.cx - self.focal * rel[1] / rel[0], self.cy - self.focal * rel[2] / rel[0]
        u0, u1 = max(int(uc - mu), 0), min(int(uc + mu) + 2, cols)
        v0, v1 = max(int(vc - mv), 0), min(int(vc + mv) + 2, rows)
        if u0 >= u1 or v0 >= v1:
            return None
        return slice(v0, v1), slice(u0, u1)


class SpinningGrid(RayGrid):
    """A lidar sector: ``beams`` elevations (top first) by ``steps`` azimuths (left first)."""

    def __init__(
        self,
        beams: int,
        steps: int,
        vfov_deg: tuple[float, float],
        hfov_deg: float,
        mount_height: float,
    ) -> None:
        self.origin = np.array([0.0, 0.0, mount_height])
        self.elevation = np.radians(np.linspace(vfov_deg[1], vfov_deg[0], beams))
        half = math.radians(hfov_deg) / 2
        self.azimuth = np.linspace(half, -half, steps)
        el, az = np.meshgrid(self.elevation, self.azimuth, indexing="ij")
        self.dirs = np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], -1)

    def block(self, center: np.ndarray, radius: float) -> tuple[slice, slice] | None:
        rows, cols = self.shape
        rel = np.asarray(center) - self.origin
        dist = float(np.linalg.norm(rel))
        if not math.isfinite(radius) or dist <= radius:
            return slice(0, rows), slice(0, cols)
        alpha = math.asin(radius / dist)
        el_c = math.asin(rel[2] / dist)
        # elevation and azimuth are descending: index ranges via the negated arrays.
        r0 = int(np.searchsorted(-self.elevation, -(el_c + alpha)))
        r1 = int(np.searchsorted(-self.elevation, -(el_c - alpha), side="right"))
        horizontal = math.hypot(rel[0], rel[1])
        if horizontal <= radius:
            c0, c1 = 0, cols
        else:
            beta, az_c = math.asin(radius / horizontal), math.atan2(rel[1], rel[0])
            c0 = int(np.searchsorted(-self.azimuth, -(az_c + beta)))
            c1 = int(np.searchsorted(-self.azimuth, -(az_c - beta), side="right"))
        if r0 >= r1 or c0 >= c1:
            return None
        return slice(r0, r1), slice(c0, c1)


@dataclass
class Hits:
    """Nearest surface per ray: distance (inf: none), solid id (-1: none), normal facing the ray."""

    depth: np.ndarray
    solid: np.ndarray
    normal: np.ndarray

    def copy(self) -> Hits:
        return Hits(self.depth.copy(), self.solid.copy(), self.normal.copy())


def empty_hits(grid: RayGrid) -> Hits:
    rows, cols = grid.shape
    return Hits(
        np.full((rows, cols), np.inf),
        np.full((rows, cols), -1, np.int32),
        np.zeros((rows, cols, 3)),
    )


def cast(grid: RayGrid, solids: list[Solid], first_id: int = 0, into: Hits | None = None) -> Hits:
    """Nearest hit of every ray among ``solids`` (ids ``first_id`` + position), drawn over
    ``into`` (a depth buffer of other solids, left unchanged) when given."""
    hits = empty_hits(grid) if into is None else into.copy()
    for offset, solid in enumerate(solids):
        region = grid.block(np.asarray(solid.center), solid.radius)
        if region is None:
            continue
        dirs = grid.dirs[region]
        shape = dirs.shape[:2]
        t, normal = intersect(solid, grid.origin, dirs.reshape(-1, 3))
        depth = hits.depth[region]
        closer = t.reshape(shape) < depth
        if not closer.any():
            continue
        depth[closer] = t.reshape(shape)[closer]
        hits.solid[region][closer] = first_id + offset
        hits.normal[region][closer] = normal.reshape(*shape, 3)[closer]
    return hits
