"""The combination index: ``combinations.jsonl`` beside the manifest, one object per line.

    {"id": "c000007", "label": "dog", "split": "train",
     "samples": {"image": "coco/000123", "audio": "esc50/dog-17"}}

Each combination names, per modality, the manifest sample that supplies it. All of them share
the combination's label and split. Stage II draws random non-empty subsets of a combination.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.training.dataset.errors import DatasetError
from omnibind_ros.training.dataset.jsonl import check_keys, iter_jsonl, text_field, write_jsonl
from omnibind_ros.training.dataset.manifest import SampleRecord

COMBINATIONS_NAME = "combinations.jsonl"


@dataclass(frozen=True)
class Combination:
    id: str
    label: str
    split: str
    samples: dict[str, str]  # modality -> sample id

    @property
    def size(self) -> int:
        return len(self.samples)

    def to_json(self) -> dict:
        ordered = {m: self.samples[m] for m in SENSOR_MODALITIES if m in self.samples}
        return {"id": self.id, "label": self.label, "split": self.split, "samples": ordered}


def write_combinations(root: Path, combinations: Iterable[Combination]) -> Path:
    path = Path(root) / COMBINATIONS_NAME
    write_jsonl(path, (combination.to_json() for combination in combinations))
    return path


def read_combinations(root: Path, records: Sequence[SampleRecord]) -> list[Combination]:
    """Read ``root/combinations.jsonl``, checking each entry against the manifest's ``records``."""
    path = Path(root) / COMBINATIONS_NAME
    by_id = {record.id: record for record in records}
    combinations = []
    for number, value in iter_jsonl(path):
        where = f"{path}:{number}"
        check_keys(value, ("id", "label", "split", "samples"), (), where)
        combination = Combination(
            id=text_field(value, "id", where),
            label=text_field(value, "label", where),
            split=text_field(value, "split", where),
            samples=value["samples"],
        )
        _check_against_manifest(combination, by_id, where)
        combinations.append(combination)
    return combinations


def _check_against_manifest(
    combination: Combination, by_id: dict[str, SampleRecord], where: str
) -> None:
    if not isinstance(combination.samples, dict) or not combination.samples:
        raise DatasetError(f"{where}: field 'samples' must be a non-empty {{modality: sample id}}")
    for modality, sample_id in combination.samples.items():
        record = by_id.get(sample_id)
        if record is None:
            raise DatasetError(f"{where}: 'samples.{modality}' names unknown sample {sample_id!r}")
        if modality not in record.files:
            raise DatasetError(f"{where}: sample {sample_id!r} has no {modality} file")
        if (record.label, record.split) != (combination.label, combination.split):
            raise DatasetError(
                f"{where}: sample {sample_id!r} is {record.label!r}/{record.split}, "
                f"the combination {combination.label!r}/{combination.split}"
            )
