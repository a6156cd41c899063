"""Model bundles: save -> load rebuilds the same model; every kind of bad file is a BundleError."""

import numpy as np
import pytest
import torch
from core_fixtures import LABELS, TINY_CLIP, raw_samples

from omnibind_ros.core.bundle import load_bundle, read_bundle, save_bundle
from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.errors import BundleError
from omnibind_ros.core.model import OmniBindModel


def perturbed(model: OmniBindModel) -> OmniBindModel:
    """Move every weight off its initial value, as training would."""
    with torch.no_grad():
        for module in (*model.encoders.values(), model.fusion):
            for tensor in module.state_dict().values():
                if tensor.is_floating_point():
                    tensor.add_(0.05 * torch.randn_like(tensor))
    return model


@pytest.fixture(scope="module")
def model() -> OmniBindModel:
    torch.manual_seed(0)
    return perturbed(OmniBindModel(ModelConfig(), LABELS))


@pytest.fixture(scope="module")
def bundle_path(model, tmp_path_factory):
    return save_bundle(model, tmp_path_factory.mktemp("bundle") / "model.omnibind")


def rewritten(bundle_path, tmp_path, edit) -> str:
    """A copy of the bundle whose payload ``edit`` changed in place."""
    payload = torch.load(bundle_path, weights_only=True)
    edit(payload)
    path = tmp_path / "edited.omnibind"
    torch.save(payload, path)
    return str(path)


def test_loaded_bundle_predicts_exactly_like_the_saved_model(model, bundle_path) -> None:
    loaded = load_bundle(bundle_path)
    assert loaded.labels == LABELS
    assert loaded.config == model.config
    for seed in range(2):
        samples = raw_samples(seed)
        expected, got = model.predict(samples, top_k=6), loaded.predict(samples, top_k=6)
        np.testing.assert_array_equal(got.fused, expected.fused)
        assert got.top_k == expected.top_k
        assert got.per_modality == expected.per_modality


def test_bundle_is_one_small_file_with_a_format_version(bundle_path) -> None:
    contents = read_bundle(bundle_path)
    assert contents.format_version == 1
    assert contents.file_size < 10_000_000
    assert set(contents.state_dicts["encoders"]) == set(contents.config.modalities)
    assert contents.state_dicts["text"] is None  # MiniLM comes from its installed package
    assert contents.text_teacher["provider"] == "minilm"


def test_runtime_label_and_template_changes_are_saved(tmp_path) -> None:
    model = OmniBindModel(ModelConfig.from_dict({"encoders": {"audio": {}}}), LABELS)
    model.set_labels(["kettle", "fan"])
    model.label_bank.set_template("the sound of a {}")
    loaded = load_bundle(save_bundle(model, tmp_path / "m.omnibind"))
    assert loaded.labels == ["kettle", "fan"]
    assert loaded.label_bank.template == "the sound of a {}"
    torch.testing.assert_close(loaded.label_bank.embeddings, model.label_bank.embeddings)


def test_per_modality_templates_are_kept_in_the_bundle(tmp_path) -> None:
    config = ModelConfig.from_dict(
        {
            "encoders": {"image": {}, "audio": {}},
            "text": {"templates": {"audio": "a {} said aloud"}},
        }
    )
    loaded = load_bundle(save_bundle(OmniBindModel(config, LABELS), tmp_path / "m.omnibind"))
    assert loaded.label_bank.templates == {"audio": "a {} said aloud"}
    assert loaded.label_bank.template_for("image") == "a photo of a {}"


def test_a_bundle_from_before_per_modality_templates_uses_its_one_template(
    bundle_path, tmp_path
) -> None:
    old = rewritten(bundle_path, tmp_path, lambda p: p["config"]["text"].pop("templates"))
    loaded = load_bundle(old)
    assert loaded.label_bank.templates == {}
    torch.testing.assert_close(
        loaded.label_bank.embeddings_for("audio"), loaded.label_bank.embeddings
    )


def test_the_shipped_bundle_loads_and_predicts_with_weights() -> None:
    from omnibind_ros.paths import default_bundle_path

    model = load_bundle(default_bundle_path())
    prediction = model.predict(raw_samples(0))
    assert len(prediction.weights) == len(model.modalities)
    assert sum(prediction.weights.values()) == pytest.approx(1.0)


def test_meta_is_stored_and_must_be_json(model, tmp_path) -> None:
    path = save_bundle(model, tmp_path / "m.omnibind", meta={"val_accuracy": 0.91})
    assert read_bundle(path).meta["val_accuracy"] == 0.91
    with pytest.raises(Exception, match="JSON"):
        save_bundle(model, tmp_path / "bad.omnibind", meta={"when": object()})
    assert not (tmp_path / "bad.omnibind").exists()


def test_open_clip_teachers_round_trip_with_their_weights_in_the_bundle(tmp_path) -> None:
    config = ModelConfig.from_dict(
        {
            "embed_dim": 32,
            "encoders": {
                "image": {"arch": {"kind": "open_clip", "clip": TINY_CLIP}},
                "thermal": {},
            },
            "text": {"provider": "open_clip", "options": {"clip": TINY_CLIP}},
        }
    )
    model = OmniBindModel(config, LABELS)
    loaded = load_bundle(save_bundle(model, tmp_path / "clip.omnibind"))
    samples = raw_samples(1)
    samples = {"image": samples["image"], "thermal": samples["thermal"]}
    np.testing.assert_array_equal(loaded.predict(samples).fused, model.predict(samples).fused)
    torch.testing.assert_close(loaded.label_bank.embeddings, model.label_bank.embeddings)


def test_missing_file_says_so(tmp_path) -> None:
    with pytest.raises(BundleError, match="no model bundle at"):
        load_bundle(tmp_path / "absent.omnibind")


def test_truncated_file_is_reported_as_corrupt(bundle_path, tmp_path) -> None:
    data = bundle_path.read_bytes()
    path = tmp_path / "half.omnibind"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError, match="corrupt or truncated"):
        load_bundle(path)


def test_random_bytes_are_reported_as_corrupt(tmp_path) -> None:
    path = tmp_path / "noise.omnibind"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(BundleError, match="corrupt or truncated") as caught:
        load_bundle(path)
    # torch's own message advises weights_only=False: unsafe for a file of unknown origin.
    assert "weights_only" not in str(caught.value)


def test_a_pickled_object_is_refused_without_advice_to_load_it_unsafely(tmp_path) -> None:
    path = tmp_path / "module.omnibind"
    torch.save(torch.nn.Linear(2, 2), path)  # a pickled class: weights_only refuses it
    with pytest.raises(BundleError, match="objects other than tensors") as caught:
        load_bundle(path)
    assert "weights_only" not in str(caught.value)


def test_a_torch_file_that_is_not_a_bundle_is_rejected(tmp_path) -> None:
    path = tmp_path / "weights.pt"
    torch.save({"state_dict": {"w": torch.zeros(3)}}, path)
    with pytest.raises(BundleError, match="not an omnibind model bundle"):
        load_bundle(path)


def test_another_format_version_is_rejected(bundle_path, tmp_path) -> None:
    path = rewritten(bundle_path, tmp_path, lambda p: p.update(format_version=2))
    with pytest.raises(BundleError, match=r"format version 2.*reads version 1"):
        load_bundle(path)


def test_weights_that_do_not_fit_the_config_are_rejected(bundle_path, tmp_path) -> None:
    def shrink_image_encoder(payload):
        payload["config"]["encoders"]["image"]["arch"]["widths"] = [8, 16, 32, 64]

    with pytest.raises(BundleError, match="encoder 'image' do not fit"):
        load_bundle(rewritten(bundle_path, tmp_path, shrink_image_encoder))


def test_missing_encoder_weights_are_rejected(bundle_path, tmp_path) -> None:
    path = rewritten(bundle_path, tmp_path, lambda p: p["state_dicts"]["encoders"].pop("lidar"))
    with pytest.raises(BundleError, match="do not match the configured modalities"):
        load_bundle(path)


def test_a_different_text_teacher_is_rejected(bundle_path, tmp_path) -> None:
    path = rewritten(bundle_path, tmp_path, lambda p: p["text_teacher"].update(weights_sha256="0"))
    with pytest.raises(BundleError, match="built with the text teacher"):
        load_bundle(path)


def test_an_invalid_config_is_rejected(bundle_path, tmp_path) -> None:
    path = rewritten(bundle_path, tmp_path, lambda p: p["config"]["fusion"].update(kind="max"))
    with pytest.raises(BundleError, match=r"invalid model config.*fusion\.kind"):
        load_bundle(path)
