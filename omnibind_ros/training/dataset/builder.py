"""Build a modality-free dataset from source datasets that each hold only some modalities.

The output directory gets a merged ``manifest.jsonl`` (ids prefixed by the source's directory
name, labels made canonical, file paths relative to the output directory so the data is not
copied) and ``combinations.jsonl`` (see ``matching``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from omnibind_ros.training.dataset.aliases import LabelAliases
from omnibind_ros.training.dataset.combinations import Combination, write_combinations
from omnibind_ros.training.dataset.errors import DatasetError
from omnibind_ros.training.dataset.manifest import (
    SampleRecord,
    read_manifest,
    verify_files,
    write_manifest,
)
from omnibind_ros.training.dataset.matching import EmbedFn, match_combinations


@dataclass(frozen=True)
class BuiltDataset:
    root: Path
    records: list[SampleRecord]
    combinations: list[Combination]


def _source_names(sources: Sequence[Path]) -> list[str]:
    """Directory names, made unique (``sim``, ``sim-2``) so prefixed ids never collide."""
    names: list[str] = []
    for source in sources:
        base = source.name or "source"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}-{suffix}", suffix + 1
        names.append(name)
    return names


def merge_sources(
    sources: Sequence[Path], out: Path, aliases: LabelAliases | None = None
) -> list[SampleRecord]:
    """All sources' samples as seen from ``out``: prefixed ids, canonical labels, re-based paths."""
    out = Path(out).resolve()
    resolved = [Path(source).resolve() for source in sources]
    if not resolved:
        raise DatasetError("no source dataset given")
    if out in resolved:
        raise DatasetError(f"{out}: the output directory must not be one of the sources")
    merged: list[SampleRecord] = []
    for source, name in zip(resolved, _source_names(resolved), strict=True):
        records = read_manifest(source)
        verify_files(source, records)
        merged += [
            dataclasses.replace(
                record,
                id=f"{name}/{record.id}",
                label=aliases.canonical(record.label) if aliases else record.label,
                source=record.source or name,
                files={m: os.path.relpath(source / p, out) for m, p in record.files.items()},
            )
            for record in records
        ]
    return merged


def build_dataset(
    sources: Sequence[Path],
    out: Path,
    *,
    aliases: LabelAliases | None = None,
    sample_level: bool = False,
    embed_fn: EmbedFn | None = None,
    seed: int = 0,
) -> BuiltDataset:
    """Merge ``sources`` into ``out`` and write its manifest and combination index."""
    records = merge_sources(sources, out, aliases)
    combinations = match_combinations(
        records, sample_level=sample_level, embed_fn=embed_fn, seed=seed
    )
    write_manifest(out, records)
    write_combinations(out, combinations)
    return BuiltDataset(Path(out), records, combinations)
