"""Label-level and sample-level matching, alias maps, and building a dataset from sources."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from dataset_files import make_source

from omnibind_ros.training.dataset import (
    DatasetError,
    LabelAliases,
    SampleRecord,
    build_dataset,
    match_combinations,
    read_combinations,
    read_manifest,
)
from omnibind_ros.training.dataset.combinations import COMBINATIONS_NAME


def record(sample_id: str, label: str, source: str, *modalities: str, **extra) -> SampleRecord:
    files = {m: f"{m}/{sample_id}" for m in modalities}
    fields = {"group": sample_id, "split": "train", **extra}
    return SampleRecord(sample_id, label, files=files, source=source, **fields)


def bag_of_words(texts: list[str]) -> np.ndarray:
    """Word-count vectors: cosine similarity is the share of words two descriptions have."""
    vocabulary = sorted({word for text in texts for word in text.split()})
    return np.array([[text.split().count(word) for word in vocabulary] for text in texts], float)


def pairs(combinations: list, a: str, b: str) -> set[tuple[str, str]]:
    return {(c.samples[a], c.samples[b]) for c in combinations if a in c.samples and b in c.samples}


def test_aliases_unify_labels_ignoring_case_and_separators() -> None:
    aliases = LabelAliases({"dog": ["puppy", "domestic dog"], "cat": ["kitty"]})
    assert aliases.canonical("Puppy") == "dog"
    assert aliases.canonical("domestic_dog") == "dog"
    assert aliases.canonical(" Domestic-Dog ") == "dog"
    assert aliases.canonical("DOG") == "dog"
    assert aliases.canonical("fan") == "fan"


def test_alias_claimed_by_two_labels_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "aliases.yaml").write_text("dog: [puppy]\nwolf: [Puppy, cub]\n")
    with pytest.raises(DatasetError, match=r"aliases.yaml: 'Puppy' is claimed by both 'dog'"):
        LabelAliases.from_yaml(tmp_path / "aliases.yaml")
    (tmp_path / "aliases.yaml").write_text("- dog\n- cat\n")
    with pytest.raises(DatasetError, match=r"aliases.yaml: expected a mapping"):
        LabelAliases.from_yaml(tmp_path / "aliases.yaml")


def test_label_level_matching_completes_every_scene_with_each_modality_of_its_label() -> None:
    records = [
        record("i1", "dog", "A", "image"),
        record("i2", "dog", "A", "image"),
        record("i3", "cat", "A", "image"),
        record("t1", "dog", "B", "thermal"),
        record("t2", "cat", "B", "thermal"),
        record("t3", "fan", "B", "thermal"),
    ]
    combinations = match_combinations(records)
    by_label = Counter(c.label for c in combinations)
    # dog: i1+t1, i2+t1 (t1's own unit repeats one of them); cat: i3+t2; fan: t3 alone.
    assert by_label == {"dog": 2, "cat": 1, "fan": 1}
    assert pairs(combinations, "image", "thermal") == {("i1", "t1"), ("i2", "t1"), ("i3", "t2")}
    assert [c.samples for c in combinations if c.label == "fan"] == [{"thermal": "t3"}]
    used = {sample for c in combinations for sample in c.samples.values()}
    assert used == {r.id for r in records}


def test_label_level_partners_are_shared_out_evenly() -> None:
    images = [record(f"i{k}", "dog", "A", "image") for k in range(4)]
    thermals = [record(f"t{k}", "dog", "B", "thermal") for k in range(2)]
    combinations = match_combinations(images + thermals, seed=3)
    image_anchored = combinations[:4]  # units come in manifest order: the images first
    assert [c.samples["image"] for c in image_anchored] == ["i0", "i1", "i2", "i3"]
    assert Counter(c.samples["thermal"] for c in image_anchored) == {"t0": 2, "t1": 2}


def test_matching_never_crosses_splits() -> None:
    records = [
        record("i1", "dog", "A", "image", split="train"),
        record("t1", "dog", "B", "thermal", split="val"),
    ]
    assert sorted(c.size for c in match_combinations(records)) == [1, 1]


def test_sample_level_matching_pairs_the_same_scene_by_group() -> None:
    images = [record(f"i{g}", "dog", "A", "image", group=f"g{g}") for g in range(5)]
    thermals = [record(f"t{g}", "dog", "B", "thermal", group=f"g{g}") for g in (3, 0, 4, 1, 2)]
    matched = match_combinations(images + thermals, sample_level=True)
    assert pairs(matched, "image", "thermal") == {(f"i{g}", f"t{g}") for g in range(5)}
    assert len(matched) == 5  # each scene once: a thermal anchor finds the same image back
    label_level = match_combinations(images + thermals, seed=0)
    assert pairs(label_level, "image", "thermal") != {(f"i{g}", f"t{g}") for g in range(5)}


def test_sample_level_matching_pairs_the_most_similar_description() -> None:
    records = [
        record("i1", "dog", "A", "image", description="black dog swimming in a lake"),
        record("i2", "dog", "A", "image", description="small dog asleep on a sofa"),
        record("t1", "dog", "B", "thermal", description="dog asleep on the sofa at night"),
        record("t2", "dog", "B", "thermal", description="dog swimming in cold lake water"),
    ]
    matched = match_combinations(records, sample_level=True, embed_fn=bag_of_words)
    assert pairs(matched, "image", "thermal") == {("i1", "t2"), ("i2", "t1")}


def test_two_cameras_of_one_scene_share_its_other_modalities() -> None:
    records = [
        record("cam1", "dog", "A", "image", group="scene"),
        record("cam2", "dog", "A", "image", group="scene"),
        record("mic", "dog", "A", "audio", "thermal", group="scene"),
        record("other", "dog", "A", "audio", "thermal", group="elsewhere"),
    ]
    matched = match_combinations(records, sample_level=True)
    assert {"audio": "mic", "image": "cam1", "thermal": "mic"} in [c.samples for c in matched]
    assert {"audio": "mic", "image": "cam2", "thermal": "mic"} in [c.samples for c in matched]


def test_a_group_with_two_labels_is_an_error() -> None:
    records = [
        record("a", "dog", "A", "image", group="g"),
        record("b", "cat", "A", "audio", group="g"),
    ]
    with pytest.raises(DatasetError, match=r"sample 'b' is 'cat'/train but group 'g'"):
        match_combinations(records)


def test_build_merges_sources_with_canonical_labels_and_rebased_paths(tmp_path: Path) -> None:
    images = make_source(
        tmp_path / "cameras",
        [
            {"id": "d1", "label": "dog", "modalities": ("image",)},
            {"id": "c1", "label": "cat", "modalities": ("image",)},
        ],
    )
    sensors = make_source(
        tmp_path / "more" / "sensors",
        [
            {"id": "p1", "label": "Puppy", "modalities": ("thermal", "audio")},
            {"id": "k1", "label": "kitty", "modalities": ("lidar",)},
        ],
    )
    out = tmp_path / "built"
    aliases = LabelAliases({"dog": ["puppy"], "cat": ["kitty"]})
    built = build_dataset([images, sensors], out, aliases=aliases)

    records = read_manifest(out)
    assert records == built.records
    assert {r.id: r.label for r in records} == {
        "cameras/d1": "dog", "cameras/c1": "cat", "sensors/p1": "dog", "sensors/k1": "cat"
    }  # fmt: skip
    assert {r.source for r in records} == {"cameras", "sensors"}
    for r in records:
        for path in r.files.values():
            assert (out / path).is_file(), path
    assert read_combinations(out, records) == built.combinations
    assert [c.samples for c in built.combinations if c.label == "dog"] == [
        {"image": "cameras/d1", "thermal": "sensors/p1", "audio": "sensors/p1"}
    ]


def test_build_is_deterministic_under_a_seed(tmp_path: Path) -> None:
    source = make_source(
        tmp_path / "src",
        [
            {"id": f"s{k}", "label": "dog", "modalities": (("image",), ("audio",))[k % 2]}
            for k in range(8)
        ],
    )
    build_dataset([source], tmp_path / "one", seed=5)
    build_dataset([source], tmp_path / "two", seed=5)
    one = (tmp_path / "one" / COMBINATIONS_NAME).read_text()
    assert one == (tmp_path / "two" / COMBINATIONS_NAME).read_text()


def test_build_rejects_writing_into_a_source_and_missing_files(tmp_path: Path) -> None:
    source = make_source(tmp_path / "src", [{"id": "a", "label": "dog", "modalities": ("image",)}])
    with pytest.raises(DatasetError, match="must not be one of the sources"):
        build_dataset([source], source)
    (source / "image" / "a.png").unlink()
    with pytest.raises(DatasetError, match=r"missing: a:image -> image/a.png"):
        build_dataset([source], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_sources_with_the_same_directory_name_get_distinct_prefixes(tmp_path: Path) -> None:
    spec = [{"id": "a", "label": "dog", "modalities": ("image",)}]
    first = make_source(tmp_path / "x" / "data", spec)
    second = make_source(tmp_path / "y" / "data", spec)
    built = build_dataset([first, second], tmp_path / "out")
    assert [r.id for r in built.records] == ["data/a", "data-2/a"]
