"""Dataset export: manifest plus per-sample files, with per-modality counts, read back exactly."""

import json
from collections import Counter

import numpy as np
import pytest

from omnibind_ros.cli import main
from omnibind_ros.sim import SENSOR_MODALITIES, SimConfigError, World
from omnibind_ros.sim.export import (
    export_dataset,
    load_row,
    parse_counts,
    read_manifest,
    split_of,
)

COUNTS = {"image": 12, "thermal": 4, "event": 3, "tactile": 3, "audio": 3, "lidar": 3}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim") / "dataset"
    export_dataset(World(seed=2), root, per_modality=COUNTS, progress=False)
    return root


def test_manifest_rows_have_the_documented_fields_and_per_modality_counts(dataset) -> None:
    rows = read_manifest(dataset)
    assert len(rows) == 12
    for row in rows:
        assert set(row) == {"id", "label", "group", "split", "files"}
        assert row["split"] in ("train", "val", "test")
        assert row["group"] == f"scene-{row['id']}"
    for modality, count in COUNTS.items():
        assert sum(modality in row["files"] for row in rows) == count
    # Scarce modalities sit on the first scenes, paired with the abundant image.
    assert all(set(rows[i]["files"]) == set(SENSOR_MODALITIES) for i in range(3))
    info = json.loads((dataset / "dataset.json").read_text())
    assert info["seed"] == 2 and info["counts"]["thermal"] == 4


def test_files_read_back_as_the_worlds_raw_samples(dataset) -> None:
    world = World(seed=2)
    row = read_manifest(dataset)[0]
    raw = load_row(dataset, row)
    label, expected = world.sample(int(row["id"]))
    assert row["label"] == label
    assert np.array_equal(raw["image"], expected["image"])
    assert np.array_equal(raw["tactile"], expected["tactile"])
    assert np.array_equal(raw["thermal"], expected["thermal"])
    assert np.array_equal(raw["lidar"], expected["lidar"])
    assert np.array_equal(raw["event"].events, expected["event"].events)
    assert (raw["event"].width, raw["event"].height) == (128, 128)
    assert raw["audio"].sample_rate == 16000
    assert np.abs(raw["audio"].waveform - expected["audio"].waveform).max() <= 1 / 32767 + 1e-7
    for modality, path in row["files"].items():
        assert (dataset / path).suffix == {
            "image": ".png",
            "tactile": ".png",
            "thermal": ".npy",
            "event": ".npz",
            "audio": ".wav",
            "lidar": ".npy",
        }[modality]


def test_a_row_without_a_modality_says_so(dataset) -> None:
    image_only = read_manifest(dataset)[-1]
    with pytest.raises(SimConfigError, match="thermal"):
        load_row(dataset, image_only, ["thermal"])


def test_exporting_into_an_existing_dataset_is_refused(dataset) -> None:
    with pytest.raises(SimConfigError, match="exists"):
        export_dataset(World(seed=2), dataset, scenes=2, progress=False)


def test_splits_are_fixed_per_scene_whatever_the_export_size(dataset, tmp_path) -> None:
    small = tmp_path / "small"
    export_dataset(World(seed=2), small, scenes=4, per_modality={"audio": 0}, progress=False)
    rows = read_manifest(small)
    assert [r["split"] for r in rows] == [r["split"] for r in read_manifest(dataset)[:4]]
    assert all("audio" not in r["files"] and "lidar" in r["files"] for r in rows)


def test_split_fractions_are_honoured() -> None:
    splits = Counter(split_of(0, index, (0.7, 0.2, 0.1)) for index in range(3000))
    assert abs(splits["train"] / 3000 - 0.7) < 0.03
    assert abs(splits["val"] / 3000 - 0.2) < 0.03
    assert abs(splits["test"] / 3000 - 0.1) < 0.03


@pytest.mark.parametrize("text", ["image", "image=abc", "sonar=3", "image=-1"])
def test_bad_per_modality_counts_are_rejected(text) -> None:
    with pytest.raises(SimConfigError):
        parse_counts(text)


def test_counts_larger_than_the_scene_count_are_rejected(tmp_path) -> None:
    with pytest.raises(SimConfigError, match="count"):
        export_dataset(World(), tmp_path / "x", scenes=2, per_modality={"image": 5}, progress=False)


def test_cli_export_writes_a_dataset_and_reports_bad_counts(tmp_path, capsys) -> None:
    out = tmp_path / "cli"
    assert (
        main(["sim", "export", str(out), "--per-modality", "image=3,lidar=1", "--seed", "4"]) == 0
    )
    rows = read_manifest(out)
    assert len(rows) == 3 and sum("lidar" in r["files"] for r in rows) == 1
    assert main(["sim", "export", str(tmp_path / "bad"), "--per-modality", "sonar=1"]) == 2
    assert "sonar" in capsys.readouterr().out
