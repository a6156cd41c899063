"""The real-data benchmark's source writers, on generated recordings named like FSDD's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from benchmark_modules import load_benchmark_module
from dataset_files import write_wav

from omnibind_ros.training.dataset import build_dataset, read_manifest


def _sources():
    return load_benchmark_module("real_data_sources")


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fsdd") / "recordings"
    rng = np.random.default_rng(0)
    for digit in range(10):
        for speaker in ("ann", "bob"):
            for number in range(6):
                tone = rng.normal(0, 3000, 2000).astype(np.int16)
                write_wav(root / f"{digit}_{speaker}_{number}.wav", 8000, tone)
    return root.parent


@pytest.mark.parametrize("scheme", ["standard", "speaker"])
def test_both_splits_are_label_matched_by_the_product_builder(
    recordings: Path, tmp_path: Path, scheme: str
) -> None:
    sources = _sources()
    files = sources.fsdd_recordings(recordings)
    assert len(files) == 120
    images = sources.write_digit_images(tmp_path / "digits")
    audio = sources.write_fsdd_source(tmp_path / "fsdd", files, scheme, speaker="bob")
    records = read_manifest(audio)
    test = [r for r in records if r.split == "test"]
    if scheme == "standard":  # FSDD's own: recordings 0-4 of every speaker
        assert {int(r.id.rsplit("_", 1)[1]) for r in test} == {0, 1, 2, 3, 4}
        assert len(test) == 100
    else:
        assert {r.description for r in test} == {"speaker bob"} and len(test) == 60
    assert {r.label for r in records} == set(sources.DIGIT_WORDS)
    digit_records = read_manifest(images)
    assert len(digit_records) == 1797  # sklearn's bundled scans, one PNG each
    assert sum(r.split == "test" for r in digit_records) == 360
    built = build_dataset([images, audio], tmp_path / "built")
    assert all(set(c.samples) == {"image", "audio"} for c in built.combinations)


def test_a_directory_without_fsdd_recordings_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no FSDD recordings"):
        _sources().fsdd_recordings(tmp_path)
