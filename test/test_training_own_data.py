"""The own-data path: a config is checked against the dataset before anything trains, every
mistake is one line and exit 2, and preprocessed sets are cached by content."""

from __future__ import annotations

from pathlib import Path

import pytest
from own_data import image_audio_dataset, own_config

from omnibind_ros.cli import main
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.training import manifest_scenes
from omnibind_ros.training.config import load_config
from omnibind_ros.training.dataset.manifest import read_manifest
from omnibind_ros.training.holdout import is_reserved
from omnibind_ros.training.stage_data import fusion_scenes, student_scenes, teacher_scenes


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return image_audio_dataset(tmp_path_factory.mktemp("own"))


def _one_line_exit_2(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_a_model_with_modalities_the_dataset_lacks_stops_before_training(
    dataset: Path, tmp_path: Path, capsys
) -> None:
    config = own_config(tmp_path / "mine.yaml", dataset, restrict=False)
    err = _one_line_exit_2(capsys, ["train", "all", "--config", str(config)])
    assert "no train samples of thermal, event, tactile, lidar" in err
    assert "model: {encoders: {image: {}, audio: {}}} and cad: {students: [audio]}" in err
    assert not (tmp_path / "run" / "teacher").exists()  # nothing was trained


def test_students_without_an_encoder_are_named_in_one_line(
    dataset: Path, tmp_path: Path, capsys
) -> None:
    config = own_config(tmp_path / "mine.yaml", dataset, cad={"students": ["audio", "tactile"]})
    err = _one_line_exit_2(capsys, ["train", "cad", "--config", str(config)])
    assert "cad.students: ['tactile'] have no encoder in model.encoders" in err
    assert "set cad.students to ['audio']" in err


def test_a_dataset_without_combinations_says_how_to_build_them(
    dataset: Path, tmp_path: Path, capsys
) -> None:
    config = own_config(tmp_path / "mine.yaml", dataset.parent / "pics")
    err = _one_line_exit_2(capsys, ["train", "all", "--config", str(config)])
    assert "has no combinations.jsonl; run `omnibind dataset build`" in err


def test_a_hold_out_too_large_for_a_batch_names_the_setting(
    dataset: Path, tmp_path: Path, capsys
) -> None:
    config = own_config(tmp_path / "mine.yaml", dataset, af={"loop": {"batch_size": 400}})
    err = _one_line_exit_2(capsys, ["train", "af", "--config", str(config)])
    assert "stage II examples, fewer than af.loop.batch_size = 400" in err
    assert "data.fusion_holdout (now 0.3)" in err


def test_base_is_relative_to_the_file_that_names_it(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "shared.yaml").write_text(
        (Path(__file__).parents[1] / "omnibind_ros/training/configs/tiny.yaml")
        .read_text()
        .replace(
            "base: default.yaml",
            f"base: {Path(__file__).parents[1]}/omnibind_ros/training/configs/default.yaml",
        )
    )
    mine = tmp_path / "runs" / "mine.yaml"
    mine.parent.mkdir()
    mine.write_text("base: ../configs/shared.yaml\nseed: 5\n")
    assert load_config(mine).seed == 5
    mine.write_text("base: shared.yaml\n")
    with pytest.raises(ConfigError, match=r"relative to the directory of mine.yaml"):
        load_config(mine)


def test_stage_ii_reads_only_groups_teacher_and_students_never_saw(
    dataset: Path, tmp_path: Path
) -> None:
    config = load_config(own_config(tmp_path / "mine.yaml", dataset))
    assert config.data.holdout == 0.3  # "auto" for a dataset source
    records = {r.id: r for r in read_manifest(dataset)}
    reserved = {i for i, r in records.items() if is_reserved(r, 0.3, config.seed)}
    train = {i for i, r in records.items() if r.split == "train"}
    assert 0 < len(reserved) < len(train)
    teacher = teacher_scenes(config)
    students = student_scenes(config, "audio")
    fusion = fusion_scenes(config, ["image", "audio"])
    images = sum(1 for i in train - reserved if "image" in records[i].files)
    assert len(teacher) == images
    assert len(students) > 0 and students.present["audio"].all()
    assert len(fusion) > 0 and fusion.present["image"].any() and fusion.present["audio"].any()
    # Reading a set is deterministic, so equal inputs prove the provenance: a student input
    # never equals a reserved sample's, and every stage II input is a reserved sample's.
    reserved_audio = manifest_scenes.manifest_scene_set(
        dataset, "train", ["audio"], _params(config, "audio"),
        only=sorted(i for i in reserved if "audio" in records[i].files),
    ).inputs["audio"]  # fmt: skip
    held = {row.tobytes() for row in reserved_audio}
    assert not any(row.tobytes() in held for row in students.inputs["audio"])
    stage_two = fusion.inputs["audio"][fusion.present["audio"]]
    assert all(row.tobytes() in held for row in stage_two)


def _params(config, modality: str) -> dict:
    return {modality: config.model_config().encoders[modality].preprocess}


def test_preprocessed_sets_are_cached_by_file_content(
    dataset: Path, tmp_path: Path, monkeypatch
) -> None:
    reads = []
    real = manifest_scenes._read_scene_set
    monkeypatch.setattr(manifest_scenes, "_read_scene_set", lambda *a: reads.append(a) or real(*a))
    params = {"image": {"size": 32}}
    cache = tmp_path / "cache"
    first = manifest_scenes.manifest_scene_set(dataset, "test", ["image"], params, cache_dir=cache)
    again = manifest_scenes.manifest_scene_set(dataset, "test", ["image"], params, cache_dir=cache)
    assert len(reads) == 1 and (first.inputs["image"] == again.inputs["image"]).all()
    manifest_scenes.manifest_scene_set(dataset, "test", ["image"], {"image": {"size": 16}},
                                       cache_dir=cache)  # fmt: skip
    assert len(reads) == 2  # other preprocessing parameters: read afresh
    picture = next(p for p in sorted((dataset.parent / "pics").glob("*.png")))
    original = picture.read_bytes()
    try:
        picture.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # same size, new content
        changed = manifest_scenes.dataset_fingerprint(dataset)
    finally:
        picture.write_bytes(original)
    assert changed != manifest_scenes.dataset_fingerprint(dataset)
