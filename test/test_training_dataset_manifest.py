"""manifest.jsonl and combinations.jsonl: round trips, and errors naming the line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dataset_files import write_manifest_lines

from omnibind_ros.training.dataset import (
    Combination,
    DatasetError,
    SampleRecord,
    read_combinations,
    read_manifest,
    verify_files,
    write_combinations,
    write_manifest,
)

GOOD = {"id": "s1", "label": "dog", "group": "g1", "split": "train", "files": {"image": "a.png"}}


def test_manifest_round_trip_keeps_every_field(tmp_path: Path) -> None:
    records = [
        SampleRecord("s1", "dog", "g1", "train", {"image": "i/1.png", "thermal": "t/1.npy"}),
        SampleRecord(
            "s2", "fan", "g2", "val", {"thermal": "t/2.png"}, source="flir", description="a fan",
            loader_params={"thermal": {"scale": 0.04, "offset": -273.15}},
        ),
    ]  # fmt: skip
    write_manifest(tmp_path, records)
    assert read_manifest(tmp_path) == records
    assert records[0].modalities == ("image", "thermal")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"manifest.jsonl:2: not valid JSON"),
        ('["a list"]', r":2: expected a JSON object"),
        ({k: v for k, v in GOOD.items() if k != "label"}, r":2: missing field 'label'"),
        ({**GOOD, "lable": "dog"}, r":2: unknown field 'lable'"),
        ({**GOOD, "split": "training"}, r":2: field 'split' must be train or val or test"),
        ({**GOOD, "label": "  "}, r":2: field 'label' must be a non-empty string"),
        ({**GOOD, "files": {}}, r":2: field 'files' must be a non-empty object"),
        ({**GOOD, "files": {"sonar": "x.bin"}}, r":2: field 'files' has unknown modality 'sonar'"),
        ({**GOOD, "files": {"image": "/abs/a.png"}}, r":2: field 'files.image' must be relative"),
        ({**GOOD, "loader_params": {"thermal": {}}}, r":2: .*'thermal', which has no file"),
        (GOOD, r":2: duplicate id 's1' \(also line 1\)"),
    ],
)
def test_manifest_errors_name_the_line_and_field(
    tmp_path: Path, line: dict | str, message: str
) -> None:
    path = write_manifest_lines(tmp_path, [GOOD])
    text = line if isinstance(line, str) else json.dumps(line)
    path.write_text(path.read_text() + text + "\n")
    with pytest.raises(DatasetError, match=message):
        read_manifest(tmp_path)


def test_manifest_skips_blank_lines_but_rejects_an_empty_manifest(tmp_path: Path) -> None:
    path = write_manifest_lines(tmp_path, [GOOD])
    path.write_text("\n" + path.read_text() + "\n\n")
    assert [r.id for r in read_manifest(tmp_path)] == ["s1"]
    path.write_text("\n")
    with pytest.raises(DatasetError, match="holds no samples"):
        read_manifest(tmp_path)


def test_missing_manifest_is_reported_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"manifest.jsonl: file not found"):
        read_manifest(tmp_path)


def test_verify_files_names_the_missing_file(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"")
    records = [
        SampleRecord("s1", "dog", "g", "train", {"image": "a.png"}),
        SampleRecord("s2", "dog", "g", "train", {"audio": "gone.wav"}),
    ]
    with pytest.raises(DatasetError, match=r"1 file\(s\).*s2:audio -> gone.wav"):
        verify_files(tmp_path, records)
    verify_files(tmp_path, records[:1])


def test_combinations_round_trip_against_the_manifest(tmp_path: Path) -> None:
    records = [
        SampleRecord("a", "dog", "g1", "train", {"image": "a.png"}),
        SampleRecord("b", "dog", "g2", "train", {"thermal": "b.npy", "audio": "b.wav"}),
    ]
    combination = Combination("c0", "dog", "train", {"image": "a", "thermal": "b", "audio": "b"})
    write_combinations(tmp_path, [combination])
    assert read_combinations(tmp_path, records) == [combination]
    assert combination.size == 3


@pytest.mark.parametrize(
    ("samples", "label", "message"),
    [
        ({"image": "zzz"}, "dog", r"'samples.image' names unknown sample 'zzz'"),
        ({"lidar": "a"}, "dog", r"sample 'a' has no lidar file"),
        ({"image": "a"}, "cat", r"sample 'a' is 'dog'/train, the combination 'cat'/train"),
        ({}, "dog", r"field 'samples' must be a non-empty"),
    ],
)
def test_combinations_that_contradict_the_manifest_are_rejected(
    tmp_path: Path, samples: dict, label: str, message: str
) -> None:
    records = [SampleRecord("a", "dog", "g1", "train", {"image": "a.png"})]
    write_combinations(tmp_path, [Combination("c0", label, "train", samples)])
    with pytest.raises(DatasetError, match=r"combinations.jsonl:1: " + message):
        read_combinations(tmp_path, records)
