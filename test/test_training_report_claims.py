"""The report's verdicts: a CAD term only "helps" when its gain stands out of the seed noise."""

from __future__ import annotations

import pytest

from training.report_markdown import _helps, _paired_gain


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


def test_one_seed_has_no_error_estimate_and_any_gain_counts() -> None:
    assert _helps(_runs([0.50], [0.51]), "con", "cross")
    assert not _helps(_runs([0.50], [0.49]), "con", "cross")
