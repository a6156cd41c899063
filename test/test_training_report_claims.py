"""The report's verdicts: a CAD term only "helps" when its gain stands out of the seed noise."""

from __future__ import annotations

import pytest

from omnibind_ros.training.report_markdown import _helps, _paired_gain, _verdict


def _runs(base: list[float], variant: list[float]) -> dict[str, dict[str, list[float]]]:
    """Two students with the same per-seed accuracies."""
    return {s: {"con": base, "cross": variant} for s in ("thermal", "audio")}


def test_the_gain_pairs_runs_of_the_same_seed() -> None:
    # Seed-to-seed spread is large, the paired gain is a steady +0.02.
    gain, error = _paired_gain(_runs([0.50, 0.60, 0.40], [0.52, 0.62, 0.42]), "con", "cross")
    assert gain == pytest.approx(0.02) and error == pytest.approx(0.0, abs=1e-12)
    assert _helps(_runs([0.50, 0.60, 0.40], [0.52, 0.62, 0.42]), "con", "cross")


def test_a_gain_within_the_seed_noise_does_not_help() -> None:
    runs = _runs([0.50, 0.50, 0.50], [0.53, 0.47, 0.51])
    gain, error = _paired_gain(runs, "con", "cross")
    assert gain == pytest.approx(0.0033, abs=1e-4) and error > gain
    assert not _helps(runs, "con", "cross")


def test_one_seed_gives_no_verdict() -> None:
    assert _helps(_runs([0.50], [0.51]), "con", "cross") is None
    assert _helps(_runs([0.50], [0.49]), "con", "cross") is None
    assert "not enough seeds" in _verdict(None)


def _results(seeds: int):
    from omnibind_ros.training.fusion_eval import SubsetScores
    from omnibind_ros.training.report import ReportResults

    # image (0) strong, audio (1) weak; AF loses to the image on image+audio.
    af = SubsetScores({(0,): 0.95, (1,): 0.60, (0, 1): 0.93}, single=[0.95, 0.60])
    other = SubsetScores({(0,): 0.95, (1,): 0.60, (0, 1): 0.96}, single=[0.95, 0.60])
    fusions = {"AF": af, "Linear": other, "Mean": other, "AF w/o negatives": other}
    per_seed = [0.6 + 0.01 * i for i in range(seeds)]
    variants = ("L_con", "L_con + L_cross", "L_con + L_self", "L_con + L_cross + L_self")
    return ReportResults(
        modalities=("image", "audio"),
        test_scenes=100,
        fusion_scores=fusions,
        cad_ablation={"audio": {v: per_seed for v in variants}},
        cad_full_accuracy={"audio": 0.6},
        student_reference={"audio": 0.7},
        robustness={m: {n: 0.8 for n in fusions} for m in ("image", "audio")},
        clean={n: 0.93 for n in fusions},
        timings={"all": 10.0},
        noised_subsets={"image": {(0, 1): 0.55}, "audio": {(0, 1): 0.94}},
        data_lines=["train: samples 80 audio, 90 image; combinations 170 audio+image"],
    )


def test_a_dataset_report_describes_that_data_and_shows_the_worst_cases(tmp_path) -> None:
    from omnibind_ros.training.config import parse_config, read_yaml
    from omnibind_ros.training.report_markdown import render_markdown
    from omnibind_ros.training.train_cli import DEFAULT_CONFIG

    raw = read_yaml(DEFAULT_CONFIG.parent / "tiny.yaml")
    raw["data"] = {"source": {"manifest": str(tmp_path / "digits")}}
    raw["model"] = {"encoders": {"image": {}, "audio": {}}}
    raw["cad"].update(students=["audio"], augment=["audio"])
    raw["report"]["cad_ablation_seeds"] = 1
    config = parse_config(raw)
    bundle = tmp_path / "b.omnibind"
    bundle.write_bytes(b"x")
    text = render_markdown(_results(1), config, bundle, "omnibind train report", "mine.yaml")
    for simulator_wording in ("simulat", "world seed", "make model", "63", "6, 15"):
        assert simulator_wording not in text
    assert f"the test split of `{tmp_path / 'digits'}`" in text
    assert "train: samples 80 audio, 90 image; combinations 170 audio+image" in text
    assert "the 2 sensors give 2 and 1 combinations" in text
    assert "1 of 1 short; worst image+audio: -2.00 points" in text
    # image noised: AF 55 against the clean audio alone (AF over audio) 60: 5 points below.
    assert "1 of 2 below; worst image noised in image+audio: -5.00 points" in text
    # The student (60) below its logistic-regression reference (70) is named.
    assert "(1 of 1 below; audio 60.00 vs 70.00)" in text
    assert text.count("not enough seeds") == 3
    assert "omnibind train all --config mine.yaml" in text
