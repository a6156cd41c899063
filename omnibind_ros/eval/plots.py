"""The report's PNG figures (matplotlib, no display needed): timeline, confusion, latency."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only: never open a window, work without a display
import matplotlib.pyplot as plt
import numpy as np

from omnibind_ros.eval.scoring import ScoredScene
from omnibind_ros.eval.truth import Truth

_DPI = 80  # small files: the sample report is committed


def timeline(
    path: Path,
    scenes: Sequence[ScoredScene],
    sensors: Sequence[str],
    truth: Truth | None,
    start_ns: int,
    end_s: float,
    hotplug: Sequence[dict[str, Any]],
) -> Path:
    """One row per sensor (filled while it was fused), the truth, and each scene's verdict."""
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(sensors) + 2.2), dpi=_DPI)
    times = np.array([s.published_s for s in scenes])
    step = float(np.median(np.diff(times))) if len(times) > 1 else 0.1
    for row, name in enumerate(sensors):
        fused = [s.published_s for s in scenes if name in s.sensors]
        ax.broken_barh([(t, step) for t in fused], (row - 0.35, 0.7), color="tab:blue")
    for event in hotplug:
        if event["sensor"] in sensors:
            row = list(sensors).index(event["sensor"])
            t = (event["time_ns"] - start_ns) / 1e9
            ax.plot(t, row, marker="^" if event["plugged"] else "v", color="black", ms=5)
    verdict_row = len(sensors)
    colors = {True: "tab:green", False: "tab:red", None: "lightgray"}
    ax.scatter(times, np.full(len(times), verdict_row), c=[colors[s.correct] for s in scenes],
               marker="|", s=120)  # fmt: skip
    truth_row = len(sensors) + 1
    if truth is not None:
        for span in truth.spans:
            begin = max(0.0, (span.start_ns - start_ns) / 1e9)
            finish = min(end_s, (span.end_ns - start_ns) / 1e9)
            if finish <= begin:
                continue
            ax.broken_barh([(begin, finish - begin)], (truth_row - 0.35, 0.7),
                           color="wheat", edgecolor="gray")  # fmt: skip
            ax.text((begin + finish) / 2, truth_row, span.label, ha="center", va="center",
                    fontsize=8, clip_on=True)  # fmt: skip
    ax.set_yticks(range(len(sensors) + 2), [*sensors, "scene correct?", "truth"])
    ax.set_xlim(0, max(end_s, times.max() if len(times) else 0.0))
    ax.set_xlabel("bag time (s)")
    ax.set_title("fused sensors (blue; ^ plugged in, v unplugged) and scene verdicts "
                 "(green right, red wrong, gray no truth)", fontsize=9)  # fmt: skip
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def confusion(path: Path, labels: Sequence[str], matrix: Sequence[Sequence[int]]) -> Path:
    counts = np.asarray(matrix, dtype=float)
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    size = 1.2 + 0.45 * len(labels)
    fig, ax = plt.subplots(figsize=(size + 1.5, size), dpi=_DPI)
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for (i, j), n in np.ndenumerate(counts):
        if n:
            ax.text(j, i, int(n), ha="center", va="center", fontsize=7,
                    color="white" if share[i, j] > 0.5 else "black")  # fmt: skip
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted (top label)")
    ax.set_ylabel("truth")
    fig.colorbar(image, ax=ax, label="share of the truth's scenes")
    return _save(fig, path)


def latency(path: Path, latency_ms: Sequence[float], compute_ms: Sequence[float]) -> Path:
    panels = [("age of the newest fused sample at publication (ms)", latency_ms)]
    if compute_ms:
        panels.append(("encode + fuse work per scene (wall ms)", compute_ms))
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3), dpi=_DPI)
    for ax, (title, values) in zip(np.atleast_1d(axes), panels, strict=True):
        ax.hist(values, bins=30, color="tab:blue")
        for q, style in ((50, "-"), (99, "--")):
            ax.axvline(np.percentile(values, q), color="black", ls=style, label=f"p{q}")
        ax.set_xlabel(title, fontsize=9)
        ax.set_ylabel("scenes")
        ax.legend(fontsize=8)
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
