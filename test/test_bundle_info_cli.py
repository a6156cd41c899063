"""`omnibind info BUNDLE` prints what a bundle holds."""

import json

import pytest
import torch

from omnibind_ros.cli import main
from omnibind_ros.core.bundle import save_bundle
from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.paths import default_bundle_path

LABELS = ["person", "dog", "fire"]


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory):
    torch.manual_seed(0)
    config = ModelConfig.from_dict(
        {"encoders": {"image": {}, "lidar": {}}, "fusion": {"kind": "linear", "params": {}}}
    )
    model = OmniBindModel(config, LABELS)
    model.label_bank.set_template("a scene with a {}")
    return save_bundle(model, tmp_path_factory.mktemp("info") / "small.omnibind")


def test_info_prints_every_part_of_the_bundle(bundle_path, capsys) -> None:
    assert main(["info", str(bundle_path)]) == 0
    out = capsys.readouterr().out
    assert "format version  1" in out
    assert "embed dim       384" in out
    assert "image    kind=conv, widths=[16, 32, 64, 128]" in out
    assert "lidar    kind=pointnet" in out
    assert "input 3x64x64" in out and "input 1024x3" in out
    assert '"num_points": 1024' in out  # preprocessing parameters
    assert "fusion          linear" in out
    assert "text teacher    minilm" in out and "all-MiniLM-L6-v2" in out
    assert "'a scene with a {}'" in out
    assert "labels (3)" in out and "person, dog, fire" in out
    assert f"{bundle_path.stat().st_size / 1e6:.2f} MB" in out


def test_info_json_reports_parameter_counts(bundle_path, capsys) -> None:
    assert main(["info", "--json", str(bundle_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["encoders"]) == {"image", "lidar"}
    image = summary["encoders"]["image"]
    # conv stages (3*16 + 16*32 + 32*64 + 64*128) * 9, BatchNorm (4 values per channel + a
    # step counter per layer) and the 128 -> 384 head.
    assert image["weights"] == 97_200 + 4 * 240 + 4 + 128 * 384 + 384
    assert summary["fusion"]["weights"] == 6 * 384 * 384 + 384
    assert summary["labels"] == LABELS


def test_info_on_a_missing_bundle_fails_with_the_reason(tmp_path, capsys) -> None:
    assert main(["info", str(tmp_path / "nope.omnibind")]) == 1
    assert "no model bundle at" in capsys.readouterr().err


def test_info_defaults_to_the_shipped_bundle(capsys) -> None:
    code = main(["info"])
    if default_bundle_path().is_file():
        assert code == 0
        assert "format version" in capsys.readouterr().out
    else:
        assert code == 1
        assert str(default_bundle_path()) in capsys.readouterr().err
