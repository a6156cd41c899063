"""One file per raw sample, in formats every tool reads: PNG for RGB images, NPY for thermal
frames and point clouds, NPZ for event windows, 16-bit PCM WAV for audio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from scipy.io import wavfile

from omnibind_ros.sim.errors import SimConfigError
from omnibind_ros.sim.samples import AudioClip, EventWindow, pack_events

EXTENSIONS = {
    "image": ".png",
    "tactile": ".png",
    "thermal": ".npy",
    "event": ".npz",
    "audio": ".wav",
    "lidar": ".npy",
}
_PCM_SCALE = 32767.0


def write_sample(stem: Path, modality: str, raw: Any) -> Path:
    """Write ``raw`` to ``stem`` + the modality's extension; returns the path."""
    path = stem.with_suffix(EXTENSIONS[modality])
    if modality in ("image", "tactile"):
        Image.fromarray(raw).save(path)
    elif modality in ("thermal", "lidar"):
        np.save(path, np.asarray(raw, dtype=np.float32))
    elif modality == "event":
        ev = raw.events
        np.savez(
            path, x=ev["x"], y=ev["y"], t=ev["t"], p=ev["p"], width=raw.width, height=raw.height
        )
    else:
        pcm = np.round(np.clip(raw.waveform, -1.0, 1.0) * _PCM_SCALE).astype(np.int16)
        wavfile.write(path, raw.sample_rate, pcm)
    return path


def read_sample(path: Path, modality: str) -> Any:
    """Read a file written by :func:`write_sample` back into the raw sample type."""
    if modality not in EXTENSIONS:
        raise SimConfigError(f"unknown modality {modality!r}")
    if modality in ("image", "tactile"):
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    if modality in ("thermal", "lidar"):
        return np.load(path)
    if modality == "event":
        with np.load(path) as z:
            events = pack_events(z["x"], z["y"], z["t"], z["p"])
            return EventWindow(events, int(z["width"]), int(z["height"]))
    rate, pcm = wavfile.read(path)
    return AudioClip((pcm.astype(np.float32) / _PCM_SCALE), int(rate))
