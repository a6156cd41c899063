"""The event camera: per-pixel log-intensity change detection between finely spaced frames, the
way DVS simulators (ESIM, v2e) do it, plus background-activity noise and hot pixels.

Only what changes makes events: moving or flickering things (a walking person, a wagging tail,
fan blades, flames). Static parts of the scene are cast once per window; only moving parts are
re-cast per sub-frame. A simulator keeps its reference levels between windows, so consecutive
packets of a stream continue each other.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from omnibind_ros.sim.geometry import PinholeGrid, Solid, cast
from omnibind_ros.sim.layout import Layout
from omnibind_ros.sim.samples import EventWindow, pack_events
from omnibind_ros.sim.shading import LUMA, radiance

THRESHOLD = 0.25  # log-intensity contrast per event
_THRESHOLD_SPREAD = 0.04  # pixel-to-pixel mismatch of the threshold
_DARK = 0.002  # dark current: a floor under the log, so darkness flattens contrast
_SUBFRAME_S = 0.005  # finest sub-frame spacing
_MAX_STEP_PX = 1.5  # coarser spacing as long as no part moves farther per sub-frame
_MAX_PER_PIXEL = 8  # refractory limit per sub-frame
_BACKGROUND_HZ = {"day": 0.1, "dusk": 0.3, "night": 1.0}  # noise events per pixel per second
_HOT_PIXEL_FRACTION = 0.0005
MAX_EVENTS = 200_000  # bus bandwidth: more events in one window are dropped at random


class EventSimulator:
    """Turns the scene's brightness changes into events, window after window."""

    def __init__(self, layout: Layout, grid: PinholeGrid, rng: np.random.Generator) -> None:
        self.layout, self.grid, self.rng = layout, grid, rng
        rows, cols = grid.shape
        self.threshold = THRESHOLD * (1 + _THRESHOLD_SPREAD * rng.standard_normal((rows, cols)))
        hot = rng.random((rows, cols)) < _HOT_PIXEL_FRACTION
        self.hot_pixels = np.flatnonzero(hot)
        self.hot_rates = rng.uniform(20.0, 200.0, len(self.hot_pixels))
        self.reference = np.full((rows, cols), np.nan)  # log level of each pixel's last event

    def _sub_frames(self, t0: float, duration: float) -> tuple[np.ndarray, list[list[Solid]]]:
        """Sub-frame times and the object's parts at each. Like ESIM's adaptive sampling: as
        few sub-frames as keep every moving part within about a pixel per step (slow walkers
        need few, fan blades the most)."""
        fine = t0 + np.linspace(0.0, duration, max(2, math.ceil(duration / _SUBFRAME_S)) + 1)
        frames = [self.layout.object_solids(float(t)) for t in fine]
        path_px = sum(
            max((self._travel_px(a, b) for a, b in zip(before, after, strict=True)), default=0.0)
            for before, after in itertools.pairwise(frames)
        )
        steps = int(np.clip(math.ceil(path_px / _MAX_STEP_PX), 2, len(fine) - 1))
        keep = np.round(np.linspace(0, len(fine) - 1, steps + 1)).astype(int)
        return fine[keep], [frames[k] for k in keep]

    def _travel_px(self, a: Solid, b: Solid) -> float:
        """How far (pixels) the farthest point of a part moves from ``a`` to ``b``."""
        if a == b:
            return 0.0
        metres = math.dist(a.center, b.center) + math.dist(a.size[:3], b.size[:3])
        metres += a.radius * float(np.linalg.norm(a.matrix - b.matrix))
        if a.kind == "blades":  # turning about its own axis: the tips travel
            turn = abs((b.size[4] - a.size[4] + math.pi) % (2 * math.pi) - math.pi)
            metres += a.size[1] * turn
        depth = max(a.center[0] - self.grid.origin[0], 0.3)
        return self.grid.focal * metres / depth

    def _log_frames(self, frames: list[list[Solid]]) -> tuple[tuple[slice, slice] | None, list]:
        """The rectangle the moving parts sweep, and the log luminance inside it per sub-frame
        (None and [] when nothing moves). Parts identical in every sub-frame are cast once."""
        layout, grid = self.layout, self.grid
        unchanged = set(frames[0]).intersection(*frames[1:])
        moving = [[s for s in solids if s not in unchanged] for solids in frames]
        rect = _union(grid.block(np.asarray(s.center), s.radius) for f in moving for s in f)
        if rect is None:
            return None, []
        sub = grid.crop(*rect)
        static = layout.static + [s for s in frames[0] if s in unchanged]
        base = cast(sub, static)
        base_luma = (radiance(layout, static, base, sub.dirs) @ LUMA).reshape(sub.shape)
        logs = []
        for parts in moving:
            luma = base_luma.copy()
            hits = cast(sub, parts, first_id=len(static), into=base)
            changed = hits.solid >= len(static)
            if changed.any():
                luma[changed] = radiance(layout, static + parts, hits, sub.dirs, changed) @ LUMA
            logs.append(np.log(luma + _DARK))
        return rect, logs

    def window(self, t0: float, duration: float, stamp0_ns: int = 0) -> EventWindow:
        """Events between ``t0`` and ``t0 + duration`` seconds into the scene, stamped from
        ``stamp0_ns``."""
        rng = self.rng
        times, frames = self._sub_frames(t0, duration)
        rect, logs = self._log_frames(frames)
        columns = [self._noise(t0, duration)]
        if rect is not None:
            columns.append(self._changes(rect, times, logs))
        x, y, t, p = (np.concatenate(c) for c in zip(*columns, strict=True))
        if len(t) > MAX_EVENTS:
            keep = np.sort(rng.choice(len(t), MAX_EVENTS, replace=False))
            x, y, t, p = x[keep], y[keep], t[keep], p[keep]
        stamps = stamp0_ns + np.round((t - t0) * 1e9).astype(np.int64)
        rows, cols = self.grid.shape
        events = pack_events(x.astype(np.uint16), y.astype(np.uint16), stamps, p.astype(np.int8))
        return EventWindow(events, width=cols, height=rows)

    def _changes(self, rect: tuple[slice, slice], times: np.ndarray, logs: list[np.ndarray]):
        """Threshold crossings of the log luminance against each pixel's reference level."""
        reference = self.reference[rect]  # a view: levels persist into the next window
        threshold = self.threshold[rect]
        unset = np.isnan(reference)
        reference[unset] = (
            logs[0][unset] + self.rng.uniform(-0.5, 0.5, unset.sum()) * threshold[unset]
        )
        width = rect[1].stop - rect[1].start
        xs, ys, ts, ps = [], [], [], []
        for k in range(1, len(logs)):
            diff = logs[k] - reference
            count = np.minimum(np.floor(np.abs(diff) / threshold), _MAX_PER_PIXEL).astype(int)
            reference += np.sign(diff) * count * threshold
            pixels = np.flatnonzero(count)
            if len(pixels) == 0:
                continue
            n = count.ravel()[pixels]
            which = np.repeat(pixels, n)
            # The i-th crossing happens at i thresholds along the linear change in the sub-frame.
            nth = np.arange(len(which)) - np.repeat(np.cumsum(n) - n, n) + 1
            fraction = nth * threshold.ravel()[which] / np.abs(diff.ravel()[which])
            ts.append(times[k - 1] + (times[k] - times[k - 1]) * np.clip(fraction, 0.0, 1.0))
            xs.append(which % width + rect[1].start)
            ys.append(which // width + rect[0].start)
            ps.append(np.sign(diff.ravel()[which]))
        if not ts:
            return np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)
        return np.concatenate(xs), np.concatenate(ys), np.concatenate(ts), np.concatenate(ps)

    def _noise(self, t0: float, duration: float):
        """Background activity (more in the dark) and hot pixels."""
        rng, env = self.rng, self.layout.env
        rows, cols = self.grid.shape
        rate = _BACKGROUND_HZ[env.lighting] * env.noise
        count = rng.poisson(rate * rows * cols * duration)
        pix = rng.integers(0, rows * cols, count)
        hot_counts = rng.poisson(self.hot_rates * duration)
        pix = np.concatenate([pix, np.repeat(self.hot_pixels, hot_counts)])
        t = t0 + rng.uniform(0.0, duration, len(pix))
        p = np.where(rng.random(len(pix)) < 0.5, 1, -1)
        return pix % cols, pix // cols, t, p


def _union(regions) -> tuple[slice, slice] | None:
    """The bounding rectangle of some (rows, cols) slices, ignoring None."""
    found = [r for r in regions if r is not None]
    if not found:
        return None
    return (
        slice(min(r[0].start for r in found), max(r[0].stop for r in found)),
        slice(min(r[1].start for r in found), max(r[1].stop for r in found)),
    )
