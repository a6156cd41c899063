"""The whole chain on the simulated world, through the command line: teacher -> CAD -> AF ->
a bundle the node loads, exact resume of a stage, and the report's tables (tiny config)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch

from omnibind_ros.cli import main
from omnibind_ros.core.bundle import load_bundle
from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.sim import World
from omnibind_ros.training.runner import LOG_NAME
from omnibind_ros.training.train_cli import DEFAULT_CONFIG

pytestmark = pytest.mark.slow  # renders ~200 sim scenes and loads the text teacher: ~30 s

TINY = DEFAULT_CONFIG.parent / "tiny.yaml"


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    """A run directory with a config on top of tiny.yaml whose sim cache all tests share."""
    root = tmp_path_factory.mktemp("train")
    (root / "tiny.yaml").write_text(f"base: {TINY}\ncache_dir: {root / 'cache'}\n")
    return root


def _train(work: Path, *args: str) -> int:
    return main(["train", *args, "--config", str(work / "tiny.yaml")])


@pytest.fixture(scope="module")
def full_run(work: Path) -> Path:
    out = work / "full"
    assert _train(work, "all", "--out-dir", str(out)) == 0
    return out


def test_all_stages_write_a_bundle_the_node_loads(full_run: Path) -> None:
    for stage in ("teacher", "cad", "af"):
        assert (full_run / f"{stage}.omnibind").exists()
    model = load_bundle(full_run / "af.omnibind")
    assert model.labels == World(seed=0).classes
    assert model.modalities == SENSOR_MODALITIES
    _, samples = World(seed=1).sample(3)
    prediction = model.predict(samples, top_k=3)
    assert prediction.modalities == list(SENSOR_MODALITIES)
    assert len(prediction.top_k) == 3 and all(lbl in model.labels for lbl, _ in prediction.top_k)
    assert (full_run / "af.omnibind").stat().st_size < 20e6


def test_each_stage_changes_only_its_own_modules(full_run: Path) -> None:
    teacher, cad, af = (load_bundle(full_run / f"{s}.omnibind") for s in ("teacher", "cad", "af"))

    def same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
        pairs = zip(a.state_dict().values(), b.state_dict().values(), strict=True)
        return all(torch.equal(x, y) for x, y in pairs)

    assert same(teacher.encoders["image"], cad.encoders["image"])  # the teacher stays frozen
    assert not same(teacher.encoders["thermal"], cad.encoders["thermal"])
    for modality in SENSOR_MODALITIES:
        assert same(cad.encoders[modality], af.encoders[modality])  # stage II freezes encoders


def test_a_stopped_and_resumed_stage_equals_an_uninterrupted_one(work: Path, full_run: Path):
    part = work / "part"
    assert _train(work, "teacher", "--out-dir", str(part), "--stop-after", "4") == 0
    assert not (part / "teacher.omnibind").exists()  # an unfinished stage writes no bundle
    assert _train(work, "teacher", "--out-dir", str(part), "--resume") == 0
    resumed = load_bundle(part / "teacher.omnibind").encoders["image"].state_dict()
    whole = load_bundle(full_run / "teacher.omnibind").encoders["image"].state_dict()
    for name, value in whole.items():
        assert torch.equal(value, resumed[name]), name
    assert _log_without_times(part) == _log_without_times(full_run)


def _log_without_times(run: Path) -> list[dict]:
    with (run / "teacher" / LOG_NAME).open() as f:
        return [{k: v for k, v in row.items() if k != "seconds"} for row in csv.DictReader(f)]


def test_report_writes_every_table(work: Path, full_run: Path) -> None:
    out = work / "results.md"
    bundle = full_run / "af.omnibind"
    args = ["report", "--out-dir", str(full_run), "--bundle", str(bundle), "--out", str(out)]
    assert _train(work, *args) == 0
    text = out.read_text()
    for heading in ("per combination size", "CAD ablation", "Robustness", "claims, checked"):
        assert heading in text
    assert "| AF |" in text and "| Mean |" in text and "| AF w/o negatives |" in text
    assert "| MLP over all embeddings (reference) |" in text
    assert "2 seeds" in text and " ± " in text  # tiny.yaml: two runs per ablation variant
    for student in ("thermal", "event", "tactile", "audio", "lidar"):
        assert f"| {student} |" in text


def test_a_missing_previous_stage_is_a_clear_error(work: Path, capsys) -> None:
    assert _train(work, "cad", "--out-dir", str(work / "empty")) == 2
    assert "run `omnibind train teacher` first" in capsys.readouterr().err
