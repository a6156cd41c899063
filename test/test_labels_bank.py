"""Label bank: labels + prompt template -> cached text embeddings, replaceable at run time."""

from collections.abc import Sequence

import numpy as np
import pytest
import torch

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.labels import LabelBank, validate_labels
from omnibind_ros.core.text import TextTeacher, shared_minilm


class CountingTeacher(TextTeacher):
    """The real MiniLM teacher, recording every batch of prompts it is asked to embed."""

    def __init__(self) -> None:
        self._inner = shared_minilm()
        self.embed_dim = self._inner.embed_dim
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        self.calls.append(list(texts))
        return self._inner.encode(texts)

    def identity(self) -> dict:
        return self._inner.identity()


@pytest.fixture
def teacher() -> CountingTeacher:
    return CountingTeacher()


def test_embeddings_are_unit_rows_of_the_templated_labels(teacher) -> None:
    bank = LabelBank(teacher, ["dog", "car", "kettle"], "a photo of a {}")
    assert bank.embeddings.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(bank.embeddings, axis=-1), 1.0, rtol=1e-6)
    assert teacher.calls == [["a photo of a dog", "a photo of a car", "a photo of a kettle"]]
    expected = shared_minilm().encode(["a photo of a car"])[0].numpy()
    np.testing.assert_allclose(bank.embeddings[1], expected, atol=1e-6)


def test_changing_labels_embeds_only_the_new_prompts_once(teacher) -> None:
    bank = LabelBank(teacher, ["dog", "car"], "a photo of a {}")
    before = bank.embeddings.copy()
    bank.set_labels(["car", "fire", "dog"])
    assert bank.labels == ["car", "fire", "dog"]
    assert teacher.calls[1:] == [["a photo of a fire"]]
    np.testing.assert_array_equal(bank.embeddings[0], before[1])
    np.testing.assert_array_equal(bank.embeddings[2], before[0])
    assert not np.allclose(bank.embeddings[1], before[0])
    bank.set_labels(["dog", "car"])  # back to a vocabulary seen before: nothing to embed
    assert len(teacher.calls) == 2
    np.testing.assert_array_equal(bank.embeddings, before)


def test_changing_the_template_re_embeds_every_label(teacher) -> None:
    bank = LabelBank(teacher, ["dog", "car"], "a photo of a {}")
    before = bank.embeddings.copy()
    bank.set_template("the sound of a {}")
    assert bank.template == "the sound of a {}"
    assert teacher.calls[-1] == ["the sound of a dog", "the sound of a car"]
    assert not np.allclose(bank.embeddings, before)


def test_probabilities_are_a_softmax_over_labels_and_rank_the_nearest_first(teacher) -> None:
    bank = LabelBank(teacher, ["dog", "car", "fire"], "a photo of a {}")
    query = shared_minilm().encode(["a photo of a puppy"])
    labels, probabilities = bank.probabilities(query.numpy(), temperature=0.07)
    assert labels == ["dog", "car", "fire"]
    np.testing.assert_allclose(probabilities.sum(axis=-1), np.ones(1), rtol=1e-6)
    assert probabilities[0].argmax() == 0
    # Against torch's softmax of the same logits (the reference).
    bank_tensor = torch.from_numpy(bank.embeddings)
    expected = ((query @ bank_tensor.T) / 0.07).softmax(dim=-1).numpy()
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)


def test_labels_are_stripped_and_validated() -> None:
    assert validate_labels([" dog ", "fire truck"]) == ["dog", "fire truck"]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([], "non-empty list"),
        ("dog", "non-empty list"),
        (["dog", ""], "non-blank"),
        (["dog", 3], "non-blank"),
        (["dog", "car", "dog"], "repeated: dog"),
    ],
)
def test_bad_labels_raise_config_error_and_keep_the_old_ones(teacher, labels, message) -> None:
    bank = LabelBank(teacher, ["dog", "car"], "a photo of a {}")
    with pytest.raises(ConfigError, match=message):
        bank.set_labels(labels)
    assert bank.labels == ["dog", "car"]
    assert bank.embeddings.shape == (2, 384)


@pytest.mark.parametrize("template", ["a photo", "{} and {}", 7])
def test_bad_template_raises_config_error(teacher, template) -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        LabelBank(teacher, ["dog"], template)
