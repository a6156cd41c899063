"""What a dataset holds: samples per modality and split, labels, combination sizes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.training.dataset.combinations import COMBINATIONS_NAME, read_combinations
from omnibind_ros.training.dataset.manifest import SPLITS, read_manifest


@dataclass(frozen=True)
class DatasetStats:
    samples: Counter[str]  # split -> samples
    modalities: dict[str, Counter[str]]  # split -> modality -> samples having it
    labels: dict[str, Counter[str]]  # split -> label -> samples
    combination_sizes: dict[str, Counter[int]] | None  # split -> size -> count; None: no index


def dataset_stats(root: Path) -> DatasetStats:
    records = read_manifest(root)
    modalities: dict[str, Counter[str]] = {split: Counter() for split in SPLITS}
    labels: dict[str, Counter[str]] = {split: Counter() for split in SPLITS}
    for record in records:
        modalities[record.split].update(record.files.keys())
        labels[record.split][record.label] += 1
    sizes = None
    if (Path(root) / COMBINATIONS_NAME).is_file():
        sizes = {split: Counter() for split in SPLITS}
        for combination in read_combinations(root, records):
            sizes[combination.split][combination.size] += 1
    return DatasetStats(Counter(r.split for r in records), modalities, labels, sizes)


def format_stats(stats: DatasetStats) -> str:
    """A plain-text report: per-modality counts per split, labels, combination-size histogram."""
    total = sum(stats.samples.values())
    parts = [
        f"samples: {total} (" + ", ".join(f"{s} {stats.samples[s]}" for s in SPLITS) + ")",
        _rows_by_split("modality", stats.modalities, SENSOR_MODALITIES),
        _rows_by_split("label", stats.labels, sorted(set().union(*stats.labels.values()))),
    ]
    if stats.combination_sizes is None:
        parts.append(f"combinations: none ({COMBINATIONS_NAME} not found)")
    else:
        sizes = stats.combination_sizes
        count = sum(sum(c.values()) for c in sizes.values())
        keys = sorted(set().union(*sizes.values()))
        histogram = _rows_by_split("size", sizes, keys)
        parts.append(f"combinations: {count}, by size (number of modalities)\n{histogram}")
    return "\n\n".join(parts)


def _rows_by_split(title: str, per_split: dict[str, Counter], keys: Sequence) -> str:
    width = max([len(title), *(len(str(key)) for key in keys)])
    lines = [f"{title:<{width}}" + "".join(f"{s:>8}" for s in (*SPLITS, "total"))]
    for key in keys:
        counts = [per_split[split][key] for split in SPLITS]
        if any(counts):
            lines.append(f"{key!s:<{width}}" + "".join(f"{c:>8}" for c in (*counts, sum(counts))))
    return "\n".join(lines)
