"""The modality-free dataset's manifest: ``manifest.jsonl``, one JSON object per sample.

    {"id": "kitchen-0042", "label": "kettle", "group": "scene-0042", "split": "train",
     "files": {"image": "image/0042.png", "thermal": "thermal/0042.npy"},
     "source": "sim", "description": "a steaming kettle on a stove",
     "loader_params": {"thermal": {"scale": 0.01, "offset": -273.15}}}

``files`` paths are relative to the directory holding the manifest. ``group`` names the scene:
samples sharing a group (within one source) show the same moment. ``source``, ``description``
and ``loader_params`` (per-modality options for ``loaders.load_sample``) are optional.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.training.dataset.errors import DatasetError
from omnibind_ros.training.dataset.jsonl import check_keys, iter_jsonl, text_field, write_jsonl

MANIFEST_NAME = "manifest.jsonl"
SPLITS: tuple[str, ...] = ("train", "val", "test")

_REQUIRED = ("id", "label", "group", "split", "files")
_OPTIONAL = ("source", "description", "loader_params")


@dataclass(frozen=True)
class SampleRecord:
    """One sample: a label and one file per modality it has."""

    id: str
    label: str
    group: str
    split: str
    files: dict[str, str]
    source: str | None = None
    description: str | None = None
    loader_params: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def modalities(self) -> tuple[str, ...]:
        """The sample's modalities, in the fixed SENSOR_MODALITIES order."""
        return tuple(m for m in SENSOR_MODALITIES if m in self.files)

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "group": self.group,
            "split": self.split,
            "files": dict(self.files),
        }
        if self.source is not None:
            value["source"] = self.source
        if self.description is not None:
            value["description"] = self.description
        if self.loader_params:
            value["loader_params"] = self.loader_params
        return value


def parse_record(value: dict, where: str) -> SampleRecord:
    """Validate one manifest object; ``where`` ("file:line") prefixes every error message."""
    check_keys(value, _REQUIRED, _OPTIONAL, where)
    split = text_field(value, "split", where)
    if split not in SPLITS:
        raise DatasetError(f"{where}: field 'split' must be {' or '.join(SPLITS)}, not {split!r}")
    files = _parse_files(value["files"], where)
    optional = {k: text_field(value, k, where) for k in ("source", "description") if k in value}
    return SampleRecord(
        id=text_field(value, "id", where),
        label=text_field(value, "label", where).strip(),
        group=text_field(value, "group", where),
        split=split,
        files=files,
        loader_params=_parse_loader_params(value.get("loader_params", {}), files, where),
        **optional,
    )


def _parse_files(files: object, where: str) -> dict[str, str]:
    if not isinstance(files, dict) or not files:
        raise DatasetError(f"{where}: field 'files' must be a non-empty object {{modality: path}}")
    for modality, path in files.items():
        if modality not in SENSOR_MODALITIES:
            raise DatasetError(
                f"{where}: field 'files' has unknown modality {modality!r}; "
                f"expected one of {', '.join(SENSOR_MODALITIES)}"
            )
        if not isinstance(path, str) or not path.strip():
            raise DatasetError(f"{where}: field 'files.{modality}' must be a non-empty path")
        if PurePosixPath(path).is_absolute():
            raise DatasetError(
                f"{where}: field 'files.{modality}' must be relative to the manifest's "
                f"directory, got {path!r}"
            )
    return dict(files)


def _parse_loader_params(params: object, files: dict[str, str], where: str) -> dict[str, dict]:
    if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
        raise DatasetError(f"{where}: field 'loader_params' must be {{modality: {{name: value}}}}")
    strays = sorted(set(params) - set(files))
    if strays:
        raise DatasetError(f"{where}: field 'loader_params' names {strays[0]!r}, which has no file")
    return params


def read_manifest(root: Path) -> list[SampleRecord]:
    """Read and validate ``root/manifest.jsonl``: every field, and ids unique."""
    path = Path(root) / MANIFEST_NAME
    records: list[SampleRecord] = []
    first_line: dict[str, int] = {}
    for number, value in iter_jsonl(path):
        record = parse_record(value, f"{path}:{number}")
        if record.id in first_line:
            first = first_line[record.id]
            raise DatasetError(f"{path}:{number}: duplicate id {record.id!r} (also line {first})")
        first_line[record.id] = number
        records.append(record)
    if not records:
        raise DatasetError(f"{path}: holds no samples")
    return records


def write_manifest(root: Path, records: Iterable[SampleRecord]) -> Path:
    path = Path(root) / MANIFEST_NAME
    write_jsonl(path, (record.to_json() for record in records))
    return path


def verify_files(root: Path, records: Sequence[SampleRecord]) -> None:
    """Raise DatasetError naming the missing files, so a build fails before it writes anything."""
    missing = [
        f"{record.id}:{modality} -> {path}"
        for record in records
        for modality, path in record.files.items()
        if not (Path(root) / path).is_file()
    ]
    if missing:
        shown = "; ".join(missing[:5]) + (f"; {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DatasetError(f"{root}: {len(missing)} file(s) in the manifest are missing: {shown}")
