"""The hand-written ray casting: distances, normals, hollow and bladed shapes, and culling."""

import math

import numpy as np
import pytest

from omnibind_ros.sim.geometry import (
    PinholeGrid,
    SpinningGrid,
    annulus,
    blades,
    box,
    cast,
    cylinder,
    ellipsoid,
    intersect,
    plane,
)

FORWARD = np.array([[1.0, 0.0, 0.0]])
ORIGIN = np.array([0.0, 0.0, 1.0])


@pytest.mark.parametrize(
    ("solid", "distance"),
    [
        (box((5.0, 0.0, 1.0), (0.5, 1.0, 1.0), 0), 4.5),
        (box((5.0, 0.0, 1.0), (0.5, 1.0, 1.0), 0, yaw=math.pi / 4), 5.0 - 0.5 * math.sqrt(2)),
        (cylinder((4.0, 0.0, 0.0), (4.0, 0.0, 2.0), 0.3, 0), 3.7),
        (cylinder((3.0, 0.0, 1.0), (6.0, 0.0, 1.0), 0.3, 0), 3.0),  # along the ray: the cap
        (ellipsoid((6.0, 0.0, 1.0), (1.0, 2.0, 3.0), 0), 5.0),
        (plane((7.0, 0.0, 0.0), (1.0, 0.0, 0.0), 0), 7.0),
        (annulus((2.0, 0.0, 1.3), (1.0, 0.0, 0.0), 0.2, 0.5, 0), 2.0),
    ],
)
def test_a_ray_hits_each_solid_at_its_surface_with_a_normal_facing_back(solid, distance) -> None:
    t, normal = intersect(solid, ORIGIN, FORWARD)
    assert t[0] == pytest.approx(distance)
    assert normal[0] @ FORWARD[0] < 0
    assert np.linalg.norm(normal[0]) == pytest.approx(1.0)


def test_rays_miss_what_is_beside_behind_or_inside_a_hole() -> None:
    assert np.isinf(intersect(box((5.0, 3.0, 1.0), (0.5, 1.0, 1.0), 0), ORIGIN, FORWARD)[0][0])
    assert np.isinf(intersect(box((-5.0, 0.0, 1.0), (0.5, 1.0, 1.0), 0), ORIGIN, FORWARD)[0][0])
    ring = annulus((2.0, 0.0, 1.0), (1.0, 0.0, 0.0), 0.2, 0.5, 0)  # centred: the ray goes through
    assert np.isinf(intersect(ring, ORIGIN, FORWARD)[0][0])


def test_blades_cover_their_duty_share_of_the_disc() -> None:
    fan = blades((3.0, 0.0, 1.0), (1.0, 0.0, 0.0), 0.0, 1.0, 4, 0.3, 0.0, 0)
    rng = np.random.default_rng(0)
    radius, angle = np.sqrt(rng.uniform(0, 0.81, 20000)), rng.uniform(0, 2 * np.pi, 20000)
    targets = np.column_stack(
        [np.full(20000, 3.0), radius * np.cos(angle), 1 + radius * np.sin(angle)]
    )
    dirs = targets - ORIGIN
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    hit = np.isfinite(intersect(fan, ORIGIN, dirs)[0])
    assert hit.mean() == pytest.approx(0.3, abs=0.02)


@pytest.mark.parametrize(
    "grid",
    [PinholeGrid(64, 48, 60.0, 1.0), SpinningGrid(16, 90, (-25.0, 10.0), 120.0, 1.2)],
)
def test_culling_to_each_solids_block_changes_no_hit(grid) -> None:
    rng = np.random.default_rng(1)
    solids = [plane((0, 0, 0), (0, 0, 1), 0)]
    for i in range(25):
        centre = (rng.uniform(1.5, 12), rng.uniform(-6, 6), rng.uniform(0.1, 2.5))
        kind = i % 3
        if kind == 0:
            solids.append(box(centre, rng.uniform(0.1, 0.8, 3), i, yaw=rng.uniform(0, 3)))
        elif kind == 1:
            solids.append(ellipsoid(centre, rng.uniform(0.1, 0.8, 3), i, yaw=rng.uniform(0, 3)))
        else:
            solids.append(cylinder(centre, np.add(centre, rng.normal(0, 0.6, 3)), 0.2, i))
    culled = cast(grid, solids)
    rays = grid.dirs.reshape(-1, 3)
    depths = np.stack([intersect(s, grid.origin, rays)[0] for s in solids])
    assert np.array_equal(
        culled.solid.ravel(), np.where(np.isfinite(depths.min(0)), depths.argmin(0), -1)
    )
    assert np.allclose(culled.depth.ravel(), depths.min(0))
