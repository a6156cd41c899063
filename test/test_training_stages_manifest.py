"""Training from a user's dataset directory (`data.source: {manifest: DIR}`) instead of the sim."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from omnibind_ros.cli import main
from omnibind_ros.core.bundle import load_bundle
from omnibind_ros.core.modalities import default_preprocess_params
from omnibind_ros.sim import World
from omnibind_ros.training.dataset import SampleRecord, build_dataset, write_manifest
from omnibind_ros.training.manifest_scenes import manifest_scene_set
from omnibind_ros.training.train_cli import DEFAULT_CONFIG

pytestmark = pytest.mark.slow  # trains every stage on a small directory: ~15 s

PARAMS = {m: default_preprocess_params(m) for m in ("image", "thermal")}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """Simulated scenes written as files: every scene has an image, fans have no thermal.

    Building completes each scene with a same-label partner for the modalities it lacks, so
    every combination holds a thermal frame except the fans'."""
    source = tmp_path_factory.mktemp("data") / "cams"
    (source / "image").mkdir(parents=True)
    (source / "thermal").mkdir()
    world = World(seed=0, classes=["dog", "car", "fan"])
    records = []
    for index in range(36):
        label, raw = world.sample(index, ["image", "thermal"])
        files = {"image": f"image/{index}.png"}
        Image.fromarray(raw["image"]).save(source / files["image"])
        if label != "fan":
            files["thermal"] = f"thermal/{index}.npy"
            np.save(source / files["thermal"], raw["thermal"])
        split = "test" if index >= 24 else "train"
        records.append(SampleRecord(f"s{index}", label, f"g{index}", split, files))
    write_manifest(source, records)
    out = source.parent / "built"
    build_dataset([source], out)
    return out


def test_scene_sets_read_the_manifest_with_presence_per_modality(dataset: Path) -> None:
    images = manifest_scene_set(dataset, "train", ["image"], PARAMS)
    assert len(images) == 24 and images.classes == ["car", "dog", "fan"]
    assert images.inputs["image"].shape == (24, 3, 64, 64) and images.present["image"].all()
    fans = images.labels == images.classes.index("fan")
    either = manifest_scene_set(dataset, "train", ["image", "thermal"], PARAMS)
    assert len(either) == 24
    assert (either.present["thermal"] == (either.labels != either.classes.index("fan"))).all()
    assert not either.inputs["thermal"][~either.present["thermal"]].any()  # absent rows are 0
    pairs = manifest_scene_set(dataset, "train", ["image", "thermal"], PARAMS, require_all=True)
    assert len(pairs) == 24 - fans.sum() and pairs.present["thermal"].all()


def test_all_stages_train_on_a_manifest_dataset(dataset: Path, tmp_path: Path) -> None:
    config = tmp_path / "mine.yaml"
    config.write_text(
        f"base: {DEFAULT_CONFIG.parent / 'tiny.yaml'}\n"
        f"out_dir: {tmp_path / 'run'}\n"
        f"data: {{source: {{manifest: {dataset}}}}}\n"
        "model: {encoders: {image: {}, thermal: {}}}\n"
        "teacher: {loop: {batch_size: 8}}\n"
        "cad: {students: [thermal], augment: [], loop: {batch_size: 4}}\n"
        "af: {loop: {batch_size: 8}}\n"
    )
    assert main(["train", "all", "--config", str(config)]) == 0
    model = load_bundle(tmp_path / "run" / "af.omnibind")
    assert model.labels == ["car", "dog", "fan"]
    assert model.modalities == ("image", "thermal")
