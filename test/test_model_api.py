"""OmniBindModel: the one entry point from raw samples to labels."""

import numpy as np
import pytest
import torch
from core_fixtures import LABELS, raw_samples

from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.errors import ConfigError, InvalidSampleError
from omnibind_ros.core.inference_model import Prediction
from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.core.model import OmniBindModel


@pytest.fixture(scope="module")
def model() -> OmniBindModel:
    torch.manual_seed(0)
    return OmniBindModel(ModelConfig(), LABELS)


@pytest.fixture(scope="module")
def samples() -> dict:
    return raw_samples(seed=3)


def test_model_reports_its_modalities_labels_and_size(model) -> None:
    assert model.modalities == SENSOR_MODALITIES
    assert model.labels == LABELS
    assert model.embed_dim == 384
    assert model.input_shape("audio") == (1, 128, 100)


@pytest.mark.parametrize("modality", SENSOR_MODALITIES)
def test_encode_turns_a_raw_sample_into_a_unit_embedding(model, samples, modality) -> None:
    embedding = model.encode(modality, samples[modality])
    assert embedding.shape == (384,)
    assert embedding.dtype == np.float32
    assert np.linalg.norm(embedding) == pytest.approx(1.0, abs=1e-5)


def test_encode_batch_matches_one_at_a_time(model) -> None:
    frames = [raw_samples(seed)["thermal"] for seed in range(3)]
    batch = np.stack([model.preprocess("thermal", f) for f in frames])
    batched = model.encode_batch("thermal", batch)
    assert batched.shape == (3, 384)
    for row, frame in zip(batched, frames, strict=True):
        np.testing.assert_allclose(row, model.encode("thermal", frame), atol=1e-5)


def test_encode_batch_rejects_a_wrongly_shaped_batch(model) -> None:
    with pytest.raises(InvalidSampleError, match="expected a preprocessed batch"):
        model.encode_batch("image", np.zeros((2, 3, 32, 32), np.float32))


def test_predict_with_every_modality(model, samples) -> None:
    prediction = model.predict(samples, top_k=3)
    assert isinstance(prediction, Prediction)
    assert prediction.modalities == list(SENSOR_MODALITIES)
    assert len(prediction.top_k) == 3
    scores = [score for _, score in prediction.top_k]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert {label for label, _ in prediction.top_k} <= set(LABELS)
    assert set(prediction.per_modality) == set(SENSOR_MODALITIES)
    assert np.linalg.norm(prediction.fused) == pytest.approx(1.0, abs=1e-5)


def test_predict_top_k_agrees_with_classify_of_the_fused_embedding(model, samples) -> None:
    prediction = model.predict({"image": samples["image"], "lidar": samples["lidar"]}, top_k=6)
    assert prediction.modalities == ["image", "lidar"]
    ranked = model.classify(prediction.fused, top_k=6)
    assert [label for label, _ in ranked] == [label for label, _ in prediction.top_k]
    assert sum(score for _, score in ranked) == pytest.approx(1.0, abs=1e-5)


def test_per_modality_result_is_that_modalitys_own_top_label(model, samples) -> None:
    prediction = model.predict({"audio": samples["audio"], "event": samples["event"]})
    for modality in ("audio", "event"):
        embedding = model.encode(modality, samples[modality])
        label, score = model.classify(embedding, top_k=1, modality=modality)[0]
        assert prediction.per_modality[modality][0] == label
        assert prediction.per_modality[modality][1] == pytest.approx(score, abs=1e-6)


def test_each_modality_is_classified_against_its_own_label_prompts(model) -> None:
    bank = model.label_bank
    assert bank.template_for("audio") == "the sound of a {}"
    assert bank.template_for("image") == bank.template == "a photo of a {}"
    expected = model.text_encoder.encode([f"the sound of a {label}" for label in model.labels])
    np.testing.assert_allclose(bank.embeddings_for("audio"), expected.numpy(), atol=1e-6)
    assert not np.allclose(bank.embeddings_for("audio"), bank.embeddings)


def test_a_single_modality_prediction_fuses_to_itself_under_mean_fusion(samples) -> None:
    model = OmniBindModel(ModelConfig.from_dict({"fusion": {"kind": "mean", "params": {}}}), LABELS)
    prediction = model.predict({"tactile": samples["tactile"]})
    np.testing.assert_allclose(
        prediction.fused, model.encode("tactile", samples["tactile"]), atol=1e-6
    )


def test_fuse_accepts_two_cameras(model, samples) -> None:
    left = model.encode("image", samples["image"])
    right = model.encode("image", raw_samples(seed=9)["image"])
    fused = model.fuse([("image", left), ("image", right)])
    assert fused.shape == (384,)
    assert not np.allclose(fused, model.fuse([("image", left)]))


def test_set_labels_changes_what_predict_can_answer(samples) -> None:
    model = OmniBindModel(ModelConfig(), LABELS)
    model.set_labels(["bicycle", "door"])
    prediction = model.predict({"image": samples["image"]}, top_k=5)
    assert {label for label, _ in prediction.top_k} == {"bicycle", "door"}  # top_k capped at C


def test_unknown_or_unconfigured_modality_is_an_invalid_sample(samples) -> None:
    config = ModelConfig.from_dict({"encoders": {"image": {}, "thermal": {}}})
    model = OmniBindModel(config, LABELS)
    assert model.modalities == ("image", "thermal")
    with pytest.raises(InvalidSampleError, match="no encoder") as error:
        model.predict({"image": samples["image"], "lidar": samples["lidar"]})
    assert error.value.modality == "lidar"


def test_bad_raw_sample_raises_invalid_sample_error(model) -> None:
    with pytest.raises(InvalidSampleError) as error:
        model.predict({"thermal": np.full((120, 160), np.nan, np.float32)})
    assert error.value.modality == "thermal"


def test_predict_needs_at_least_one_sample(model) -> None:
    with pytest.raises(ValueError, match="at least one"):
        model.predict({})


def test_training_backpropagates_through_an_encoder_against_label_embeddings(samples) -> None:
    model = OmniBindModel(ModelConfig.from_dict({"encoders": {"image": {}}}), LABELS)
    batch = torch.from_numpy(model.preprocess("image", samples["image"])[None])
    encoder = model.encoders["image"].train()
    logits = encoder(batch) @ model.label_embeddings().T / model.temperature
    torch.nn.functional.cross_entropy(logits, torch.tensor([1])).backward()
    assert encoder.head.weight.grad.abs().sum() > 0


def test_embed_dim_that_disagrees_with_the_text_teacher_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="set embed_dim"):
        OmniBindModel(ModelConfig(embed_dim=256), LABELS)
