"""A contact sheet of the world: one row per class, one column per sensor (camera, thermal,
event frame, tactile, spectrogram, lidar seen from the side), so a person can see it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from scipy import signal

from omnibind_ros.sim.conditions import Conditions
from omnibind_ros.sim.objects import MODELS
from omnibind_ros.sim.samples import AudioClip, EventWindow
from omnibind_ros.sim.world import World

COLUMNS = (
    "camera",
    "thermal (°C)",
    "events (50 ms)",
    "tactile",
    "microphone (kHz)",
    "lidar (front, by range)",
)
CLEAR_DAY = {"lighting": "day", "fog": 0.0, "occlusion": 0.0, "noise": 1.0}
_NEAR = 0.3  # clear-day sheets show each class at 30 % of its distance range: big enough to see


def first_index_of(world: World, label: str) -> int:
    """The first scene index of a class (every block of len(classes) indices holds each once)."""
    return next(i for i in range(len(world.classes)) if world.scene(i).label == label)


def event_frame(window: EventWindow) -> np.ndarray:
    """ON events red, OFF events blue, on white."""
    frame = np.ones((window.height, window.width, 3))
    ev = window.events
    on = ev["p"] > 0
    counts_on = np.zeros((window.height, window.width))
    counts_off = np.zeros((window.height, window.width))
    np.add.at(counts_on, (ev["y"][on], ev["x"][on]), 1)
    np.add.at(counts_off, (ev["y"][~on], ev["x"][~on]), 1)
    frame[..., 1] -= np.clip((counts_on + counts_off) / 3, 0, 1)
    frame[..., 0] -= np.clip(counts_off / 3, 0, 1)
    frame[..., 2] -= np.clip(counts_on / 3, 0, 1)
    return np.clip(frame, 0, 1)


def spectrogram_db(clip: AudioClip) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    freqs, times, power = signal.spectrogram(
        clip.waveform, clip.sample_rate, nperseg=512, noverlap=384
    )
    return freqs, times, 10 * np.log10(power + 1e-12)


def write_contact_sheet(path: str | Path, seed: int = 0, clear_day: bool = True) -> Path:
    """Render one scene per class and write the sheet as a PNG; returns the path. With
    ``clear_day`` every scene is shown in daylight, without fog or occluder, fairly near;
    otherwise under the conditions drawn for it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    world = World(seed)
    rows = len(world.classes)
    fig, axes = plt.subplots(
        rows, len(COLUMNS), figsize=(2.1 * len(COLUMNS), 2.0 * rows), squeeze=False
    )
    for row, label in enumerate(world.classes):
        index = first_index_of(world, label)
        conditions = None
        if clear_day:
            near, far = MODELS[label].distance_m
            conditions = {**CLEAR_DAY, "distance_m": near + _NEAR * (far - near)}
        _, raw = world.sample(index, conditions=conditions)
        scene = world.scene(index, conditions)
        _draw_row(axes[row], raw)
        axes[row][0].set_ylabel(f"{label}\n{_describe(scene.conditions)}", fontsize=8)
    for col, title in enumerate(COLUMNS):
        axes[0][col].set_title(title, fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _describe(c: Conditions) -> str:
    return f"{c.lighting}, {c.distance_m:.1f} m"


def _draw_row(axes, raw: dict[str, Any]) -> None:
    axes[0].imshow(raw["image"])
    thermal = raw["thermal"]
    shown = axes[1].imshow(
        thermal,
        cmap="inferno",
        vmin=float(np.percentile(thermal, 1)),
        vmax=float(min(thermal.max(), 150.0)),
    )
    axes[1].figure.colorbar(shown, ax=axes[1], fraction=0.046, pad=0.02).ax.tick_params(labelsize=6)
    axes[2].imshow(event_frame(raw["event"]))
    axes[2].text(2, 10, f"{len(raw['event'].events)} ev", fontsize=7)
    axes[3].imshow(raw["tactile"])
    freqs, times, db = spectrogram_db(raw["audio"])
    axes[4].pcolormesh(
        times, freqs / 1000, db, cmap="magma", vmin=db.max() - 60, vmax=db.max(), shading="auto"
    )
    axes[4].set_yscale("log")
    axes[4].set_ylim(0.04, 8)
    # The lidar seen from the sensor: left is left, near points bright.
    points = raw["lidar"]
    near = points[points[:, 0] < 15]
    distance = np.hypot(near[:, 0], near[:, 1])
    axes[5].scatter(-near[:, 1], near[:, 2], s=0.6, c=distance, cmap="viridis_r", vmin=0, vmax=15)
    axes[5].set_xlim(-6, 6)
    axes[5].set_ylim(-0.1, 3.0)
    axes[5].set_facecolor("black")
    for i, ax in enumerate(axes):
        if i in (4, 5):
            ax.tick_params(labelsize=6)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
