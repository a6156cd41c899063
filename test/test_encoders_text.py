"""The default text teacher: the real MiniLM sentence encoder, loaded offline and frozen."""

import pytest
import torch

from omnibind_ros.core.text import MINILM_MODEL_ID, minilm_model_dir, shared_minilm


@pytest.fixture(scope="module")
def minilm():
    return shared_minilm()


def test_minilm_gives_384_d_unit_embeddings(minilm) -> None:
    out = minilm.encode(["a photo of a dog", "a photo of a kettle", "fire"])
    assert out.shape == (3, 384)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(3))


def test_open_vocabulary_puts_puppy_near_dog(minilm) -> None:
    puppy, dog, car = minilm.encode(["a photo of a puppy", "a photo of a dog", "a photo of a car"])
    assert puppy @ dog > puppy @ car + 0.2


def test_minilm_matches_sentence_transformers_reference(minilm) -> None:
    # The packaged model run the way it was trained to be used, as the ground truth.
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(minilm_model_dir()), device="cpu")
    texts = ["a photo of a bicycle", "a thermal image of a person next to a warm kettle"]
    expected = reference.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    torch.testing.assert_close(minilm.encode(texts), expected.cpu(), atol=1e-5, rtol=1e-4)


def test_minilm_is_frozen_and_its_outputs_carry_no_graph(minilm) -> None:
    out = minilm.encode(["a photo of a door"])
    assert not out.requires_grad
    # Usable inside a training graph (not an inference-mode tensor).
    student = torch.randn(1, 384, requires_grad=True)
    (student @ out.T).sum().backward()
    assert student.grad is not None


def test_minilm_identity_names_model_and_weights(minilm) -> None:
    identity = minilm.identity()
    assert identity["model"] == MINILM_MODEL_ID
    assert identity["embed_dim"] == 384
    assert len(identity["weights_sha256"]) == 64
    assert minilm.stored_module is None  # weights come from the installed package
