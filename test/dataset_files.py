"""Writers of tiny on-disk datasets for the training dataset tests (common real file formats)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import open3d as o3d
from PIL import Image
from scipy.io import wavfile


def write_image(path: Path, pixels: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


def write_wav(path: Path, rate: int, data: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wavfile.write(path, rate, data)
    return path


def write_cloud(path: Path, points: np.ndarray, intensity: np.ndarray | None = None) -> Path:
    """A .ply or .pcd written by open3d, with an intensity field when given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cloud = o3d.t.geometry.PointCloud()
    cloud.point.positions = o3d.core.Tensor(points.astype(np.float32))
    if intensity is not None:
        cloud.point.intensity = o3d.core.Tensor(intensity.astype(np.float32).reshape(-1, 1))
    assert o3d.t.io.write_point_cloud(str(path), cloud)
    return path


def write_events(path: Path, count: int, width: int, height: int, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        x=rng.integers(0, width, count).astype(np.uint16),
        y=rng.integers(0, height, count).astype(np.uint16),
        t=np.sort(rng.integers(0, 50_000_000, count)).astype(np.int64),
        p=rng.choice(np.array([-1, 1], dtype=np.int8), count),
        width=width,
        height=height,
    )
    return path


def write_manifest_lines(root: Path, entries: list[dict]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / "manifest.jsonl"
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    return path


def write_sample_files(root: Path, sample_id: str, modalities: tuple[str, ...], seed: int) -> dict:
    """One real file per modality for ``sample_id``; returns the manifest's ``files`` entry."""
    rng = np.random.default_rng(seed)
    files = {}
    for modality in modalities:
        if modality in ("image", "tactile"):
            pixels = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
            path = write_image(root / modality / f"{sample_id}.png", pixels)
        elif modality == "thermal":
            path = root / "thermal" / f"{sample_id}.npy"
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, (20 + 15 * rng.random((24, 32))).astype(np.float32))
        elif modality == "event":
            path = write_events(root / "event" / f"{sample_id}.npz", 500, 32, 24, seed)
        elif modality == "audio":
            tone = 0.5 * np.sin(np.linspace(0, 400 * np.pi, 16000)) * (1 + rng.random())
            path = write_wav(
                root / "audio" / f"{sample_id}.wav", 16000, (tone * 16000).astype(np.int16)
            )
        else:
            points = rng.normal(size=(300, 3))
            path = write_cloud(root / "lidar" / f"{sample_id}.pcd", points, rng.random(300))
        files[modality] = path.relative_to(root).as_posix()
    return files


def make_source(root: Path, samples: list[dict]) -> Path:
    """A source dataset: ``samples`` hold id, label, modalities and optional manifest fields."""
    entries = []
    for index, sample in enumerate(samples):
        sample = dict(sample)
        modalities = sample.pop("modalities")
        entry = {"group": sample["id"], "split": "train", **sample}
        entry["files"] = write_sample_files(root, sample["id"], modalities, seed=index)
        entries.append(entry)
    write_manifest_lines(root, entries)
    return root
