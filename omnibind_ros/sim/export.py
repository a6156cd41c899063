"""Dataset export: a directory with ``manifest.jsonl`` (one JSON object per scene) and one file
per sample, with a count per modality so teacher data can be abundant and student data scarce.

Scene ``i`` carries modality ``m`` when ``i < counts[m]``: the scarce modalities are always
paired with the abundant ones on the same scenes (same ``group``). The format is documented in
docs/dataset_format.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

from omnibind_ros.sim import seeding
from omnibind_ros.sim.dataset_files import read_sample, write_sample
from omnibind_ros.sim.errors import SimConfigError
from omnibind_ros.sim.samples import SENSOR_MODALITIES
from omnibind_ros.sim.world import World, check_modalities

FORMAT_VERSION = 1
MANIFEST = "manifest.jsonl"
INFO = "dataset.json"
SPLITS = ("train", "val", "test")


def parse_counts(text: str) -> dict[str, int]:
    """``"image=20000,thermal=300"`` -> {"image": 20000, "thermal": 300}."""
    counts = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            raise SimConfigError(f"per-modality count {item!r}: expected MODALITY=COUNT")
        counts[name.strip()] = int(value)
    check_modalities(list(counts))
    return counts


def split_of(seed: int, index: int, fractions: tuple[float, float, float]) -> str:
    """A scene's split, fixed by (seed, index): re-exporting more scenes never moves one."""
    u = seeding.rng_for(seed, seeding.SPLIT, index).random()
    edges = (fractions[0], fractions[0] + fractions[1])
    return SPLITS[0] if u < edges[0] else SPLITS[1] if u < edges[1] else SPLITS[2]


def export_dataset(
    world: World,
    out_dir: str | Path,
    scenes: int | None = None,
    per_modality: Mapping[str, int] | None = None,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    start_index: int = 0,
    progress: bool = True,
) -> Path:
    """Render and write scenes ``start_index`` ... ; returns the manifest's path.

    ``scenes`` defaults to the largest count; a modality without a count gets every scene.
    The manifest is written last (renamed into place), so an interrupted export leaves none.
    """
    counts = dict(per_modality or {})
    check_modalities(list(counts))
    total = scenes if scenes is not None else max(counts.values(), default=0)
    if total <= 0 or any(c < 0 or c > total for c in counts.values()):
        raise SimConfigError(f"scenes={total} and counts {counts}: need 0 <= count <= scenes > 0")
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1.0) > 1e-6:
        raise SimConfigError(f"split fractions {fractions}: expected three numbers summing to 1")
    counts = {m: counts.get(m, total) for m in SENSOR_MODALITIES}
    root = Path(out_dir)
    if (root / MANIFEST).exists():
        raise SimConfigError(f"{root / MANIFEST} exists: export into a new directory")
    for modality in SENSOR_MODALITIES:
        if counts[modality]:
            (root / modality).mkdir(parents=True, exist_ok=True)
    rows = []
    for offset in tqdm(range(total), desc="scenes", unit="scene", disable=not progress):
        index = start_index + offset
        wanted = [m for m in SENSOR_MODALITIES if offset < counts[m]]
        if not wanted:
            continue
        label, raw = world.sample(index, wanted)
        sample_id = f"{index:07d}"
        files = {
            m: write_sample(root / m / sample_id, m, raw[m]).relative_to(root).as_posix()
            for m in wanted
        }
        rows.append(
            {
                "id": sample_id,
                "label": label,
                "group": f"scene-{sample_id}",
                "split": split_of(world.seed, index, fractions),
                "files": files,
            }
        )
    info = {
        "format_version": FORMAT_VERSION,
        "seed": world.seed,
        "classes": world.classes,
        "start_index": start_index,
        "scenes": total,
        "counts": counts,
        "rig": asdict(world.rig),
    }
    (root / INFO).write_text(json.dumps(info, indent=2) + "\n")
    partial = root / (MANIFEST + ".partial")
    partial.write_text("".join(json.dumps(row) + "\n" for row in rows))
    os.replace(partial, root / MANIFEST)
    return root / MANIFEST


def read_manifest(root: str | Path) -> list[dict[str, Any]]:
    """The manifest's rows, in order."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise SimConfigError(f"{path}: no manifest (not an exported dataset?)")
    with path.open() as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_row(
    root: str | Path, row: Mapping[str, Any], modalities: Iterable[str] | None = None
) -> dict[str, Any]:
    """The raw samples of one manifest row (all its modalities, or those asked for)."""
    wanted = row["files"] if modalities is None else list(modalities)
    missing = [m for m in wanted if m not in row["files"]]
    if missing:
        raise SimConfigError(f"sample {row['id']}: no {missing} in this dataset")
    return {m: read_sample(Path(root) / row["files"][m], m) for m in wanted}
