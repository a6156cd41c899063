"""The open_clip provider: CLIP towers as image and text teachers, local weights only."""

import pytest
import torch
from core_fixtures import TINY_CLIP

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.providers.registry import ProviderPool


@pytest.fixture(scope="module")
def provider():
    return ProviderPool(load_weights=True).get("open_clip", {"clip": TINY_CLIP})


def test_tiny_random_clip_gives_unit_image_embeddings_of_its_size(provider) -> None:
    encoder = provider.image_encoder().eval()
    with torch.no_grad():
        out = encoder(torch.randn(3, 3, 64, 64))
    assert provider.embed_dim == 32
    assert out.shape == (3, 32)
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(3))


def test_tiny_random_clip_gives_unit_text_embeddings_of_its_size(provider) -> None:
    teacher = provider.text_teacher()
    out = teacher.encode(["a photo of a dog", "a photo of a car"])
    assert out.shape == (2, 32)
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(2))
    assert not torch.allclose(out[0], out[1])  # the BPE tokenizer tells the prompts apart


def test_provider_states_the_image_preprocessing_its_model_needs(provider) -> None:
    params = provider.preprocess_params("image")
    assert params["size"] == 64
    assert len(params["mean"]) == len(params["std"]) == 3


def test_towers_of_one_model_are_built_once_per_pool() -> None:
    pool = ProviderPool(load_weights=True)
    assert pool.get("open_clip", {"clip": TINY_CLIP}) is pool.get("open_clip", {"clip": TINY_CLIP})


def test_weights_load_from_a_local_checkpoint_file(provider, tmp_path) -> None:
    image, text = provider.image_encoder().eval(), provider.text_teacher()
    checkpoint = {f"visual.{k}": v for k, v in image.backbone.state_dict().items()}
    checkpoint |= {f"text.{k}": v for k, v in text.stored_module.state_dict().items()}
    checkpoint["logit_scale"] = torch.tensor(4.6)
    path = tmp_path / "tiny_clip.pt"
    torch.save({"state_dict": checkpoint}, path)

    loaded = ProviderPool(load_weights=True).get(
        "open_clip", {"clip": TINY_CLIP, "pretrained": str(path)}
    )
    pixels = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(loaded.image_encoder().eval()(pixels), image(pixels))
    torch.testing.assert_close(
        loaded.text_teacher().encode(["a kettle"]), text.encode(["a kettle"])
    )


def test_a_built_in_architecture_builds_with_random_weights_and_states_its_input() -> None:
    provider = ProviderPool(load_weights=True).get("open_clip", {"model": "RN50"})
    assert provider.embed_dim == 1024
    assert provider.preprocess_params("image")["size"] == 224
    assert provider.text_teacher().encode(["a photo of a dog"]).shape == (1, 1024)


@pytest.mark.parametrize("pretrained", ["openai", "/nonexistent/ViT-B-32.pt"])
def test_anything_but_an_existing_local_file_is_refused(pretrained: str) -> None:
    with pytest.raises(ConfigError, match="never downloaded"):
        ProviderPool(load_weights=True).get(
            "open_clip", {"model": "ViT-B-32", "pretrained": pretrained}
        )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"model": "hf-hub:timm/ViT-B-16-SigLIP"}, "built-in architecture name"),
        ({"model": "no-such-model"}, "unknown model"),
        ({"clip": TINY_CLIP, "model": "ViT-B-32"}, "exactly one"),
        ({"clip": TINY_CLIP, "weights": "x.pt"}, "unknown option"),
    ],
)
def test_bad_options_raise_config_error(options: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ProviderPool(load_weights=True).get("open_clip", options)


def test_hugging_face_text_towers_are_refused_since_they_would_download() -> None:
    with pytest.raises(ConfigError, match="Hugging Face"):
        ProviderPool(load_weights=True).get("open_clip", {"model": "ViT-B-16-SigLIP"})


def test_clip_image_tower_exports_to_onnx_and_onnxruntime_matches_torch(tmp_path) -> None:
    import numpy as np
    import onnxruntime

    from omnibind_ros.runtime.onnx_export import export_encoder_onnx

    # Two heads (width 128 / head width 64): an even head count is what sends a frozen
    # nn.MultiheadAttention down torch's fused fast path, as in ViT-B/32.
    clip = {**TINY_CLIP, "vision_cfg": {**TINY_CLIP["vision_cfg"], "width": 128}}
    provider = ProviderPool(load_weights=True).get("open_clip", {"clip": clip})
    encoder = provider.image_encoder().eval()
    path = export_encoder_onnx(encoder, (3, 64, 64), tmp_path / "image.onnx")
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = encoder(images).numpy()
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(["embedding"], {"input": images.numpy()})
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert torch.backends.mha.get_fastpath_enabled()  # restored for torch inference
