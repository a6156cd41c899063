"""`omnibind dataset build|stats` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from dataset_files import make_source

from omnibind_ros.cli import main
from omnibind_ros.training.dataset import read_combinations, read_manifest


@pytest.fixture()
def sources(tmp_path: Path) -> tuple[Path, Path, Path]:
    cameras = make_source(
        tmp_path / "cameras",
        [
            {"id": "d1", "label": "dog", "modalities": ("image",)},
            {"id": "d2", "label": "dog", "modalities": ("image",), "split": "val"},
            {"id": "c1", "label": "car", "modalities": ("image",)},
        ],
    )
    microphones = make_source(
        tmp_path / "microphones",
        [
            {"id": "bark", "label": "puppy", "modalities": ("audio",)},
            {"id": "engine", "label": "automobile", "modalities": ("audio", "thermal")},
        ],
    )
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("dog: [puppy]\ncar: [automobile]\n")
    return cameras, microphones, aliases


def test_build_writes_the_dataset_and_prints_its_statistics(
    sources: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cameras, microphones, aliases = sources
    out = tmp_path / "built"
    argv = ["dataset", "build", "--source", str(cameras), "--source", str(microphones),
            "--aliases", str(aliases), "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "wrote 5 samples, 3 combinations" in printed
    records = read_manifest(out)
    assert len(read_combinations(out, records)) == 3
    rows = [line.split() for line in printed.splitlines()]
    # Columns: train, val, test, total.
    assert ["modality", "train", "val", "test", "total"] in rows
    assert ["image", "2", "1", "0", "3"] in rows
    assert ["audio", "2", "0", "0", "2"] in rows
    assert ["dog", "2", "1", "0", "3"] in rows
    # Combination sizes: car (image, audio, thermal), dog train (image, audio), dog val (image).
    assert ["1", "0", "1", "0", "1"] in rows
    assert ["2", "1", "0", "0", "1"] in rows
    assert ["3", "1", "0", "0", "1"] in rows


def test_stats_of_a_dataset_without_combinations_reports_only_samples(
    sources: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    cameras, _, _ = sources
    assert main(["dataset", "stats", str(cameras)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("samples: 3 (train 2, val 1, test 0)")
    assert "combinations: none (combinations.jsonl not found)" in printed


def test_dataset_errors_are_printed_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dataset", "stats", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("omnibind dataset: error: ") and "manifest.jsonl: file not found" in err
    assert "Traceback" not in err


def test_sample_level_build_pairs_descriptions_with_the_text_teacher(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cameras = make_source(
        tmp_path / "cameras",
        [
            {"id": "swim", "label": "dog", "modalities": ("image",),
             "description": "a black dog swimming across a lake"},
            {"id": "nap", "label": "dog", "modalities": ("image",),
             "description": "a puppy sleeping on a sofa"},
        ],
    )  # fmt: skip
    thermal = make_source(
        tmp_path / "thermal",
        [
            {"id": "warm", "label": "dog", "modalities": ("thermal",),
             "description": "a dog dozing on the couch at night"},
            {"id": "wet", "label": "dog", "modalities": ("thermal",),
             "description": "a wet dog paddling in cold water"},
        ],
    )  # fmt: skip
    out = tmp_path / "built"
    argv = ["dataset", "build", "--source", str(cameras), "--source", str(thermal),
            "--out", str(out), "--sample-level"]  # fmt: skip
    assert main(argv) == 0
    combinations = read_combinations(out, read_manifest(out))
    assert {(c.samples["image"], c.samples["thermal"]) for c in combinations} == {
        ("cameras/swim", "thermal/wet"),
        ("cameras/nap", "thermal/warm"),
    }
