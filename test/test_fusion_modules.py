"""Fusion (OmniBind Eq. 8): any non-empty subset, and absent modalities change nothing."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from fusion_helpers import trained_looking_fusion

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.fusion import FUSION_KINDS, build_fusion, pack_tokens
from omnibind_ros.core.fusion_inputs import pack_token_arrays
from omnibind_ros.core.modalities import SENSOR_MODALITIES

D = 64
MAX_TOKENS = 8
SUBSETS = [
    subset
    for k in range(1, len(SENSOR_MODALITIES) + 1)
    for subset in itertools.combinations(SENSOR_MODALITIES, k)
]


def trained_looking(kind: str) -> torch.nn.Module:
    return trained_looking_fusion(kind, D, MAX_TOKENS)


def unit(n: int) -> torch.Tensor:
    return F.normalize(torch.randn(n, D), dim=-1)


@pytest.mark.parametrize("kind", FUSION_KINDS)
def test_every_one_of_the_63_subsets_gives_a_finite_unit_vector(kind: str) -> None:
    assert len(SUBSETS) == 63
    module = trained_looking(kind)
    embeddings = unit(len(SENSOR_MODALITIES))
    outputs = []
    with torch.no_grad():
        for subset in SUBSETS:
            pairs = [(m, embeddings[SENSOR_MODALITIES.index(m)]) for m in subset]
            fused = module(*pack_tokens(pairs, MAX_TOKENS))[0]
            assert torch.isfinite(fused).all(), subset
            torch.testing.assert_close(fused.norm(), torch.tensor(1.0))
            outputs.append(fused)
    # Different subsets fuse to different vectors: the module is not ignoring its inputs.
    assert torch.cdist(torch.stack(outputs), torch.stack(outputs)).triu(1).max() > 0.1


@pytest.mark.parametrize("kind", FUSION_KINDS)
def test_padding_content_never_changes_the_output(kind: str) -> None:
    module = trained_looking(kind)
    tokens = unit(4 * MAX_TOKENS).reshape(4, MAX_TOKENS, D)
    type_ids = torch.randint(0, len(SENSOR_MODALITIES), (4, MAX_TOKENS))
    mask = torch.tensor([[True] * k + [False] * (MAX_TOKENS - k) for k in (1, 2, 5, 8)])
    garbage_tokens = tokens.clone()
    garbage_tokens[~mask] = 1e6 * torch.randn(int((~mask).sum()), D)
    garbage_tokens[0, -1] = float("nan")
    garbage_types = torch.where(mask, type_ids, torch.randint(0, 6, type_ids.shape))
    with torch.no_grad():
        clean = module(tokens, type_ids, mask)
        dirty = module(garbage_tokens, garbage_types, mask)
    assert torch.equal(clean, dirty)


@pytest.mark.parametrize("kind", FUSION_KINDS)
def test_padded_and_unpadded_inputs_fuse_alike(kind: str) -> None:
    module = trained_looking(kind)
    pairs = [("image", unit(1)[0]), ("audio", unit(1)[0]), ("lidar", unit(1)[0])]
    with torch.no_grad():
        padded = module(*pack_tokens(pairs, MAX_TOKENS))
        exact = module(*pack_tokens(pairs, len(pairs)))
    torch.testing.assert_close(padded, exact, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("kind", FUSION_KINDS)
def test_token_order_does_not_matter(kind: str) -> None:
    module = trained_looking(kind)
    pairs = [(m, e) for m, e in zip(("image", "thermal", "event", "lidar"), unit(4), strict=True)]
    with torch.no_grad():
        forward = module(*pack_tokens(pairs, MAX_TOKENS))
        backward = module(*pack_tokens(pairs[::-1], MAX_TOKENS))
    torch.testing.assert_close(forward, backward, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("kind", FUSION_KINDS)
def test_a_modality_may_appear_twice(kind: str) -> None:
    module = trained_looking(kind)
    left, right, heat = unit(3)
    with torch.no_grad():
        two_cameras = module(
            *pack_tokens([("image", left), ("image", right), ("thermal", heat)], 8)
        )
        one_camera = module(*pack_tokens([("image", left), ("thermal", heat)], 8))
    assert torch.isfinite(two_cameras).all()
    assert not torch.allclose(two_cameras, one_camera)


def test_mean_fusion_is_the_normalised_mean() -> None:
    embeddings = unit(3)
    pairs = list(zip(("image", "audio", "tactile"), embeddings, strict=True))
    fused = build_fusion("mean", D, MAX_TOKENS, {})(*pack_tokens(pairs, MAX_TOKENS))
    torch.testing.assert_close(fused[0], F.normalize(embeddings.mean(0), dim=0))


def test_untrained_linear_fusion_averages_modality_slots() -> None:
    left, right, heat = unit(3)
    pairs = [("image", left), ("image", right), ("thermal", heat)]
    fused = build_fusion("linear", D, MAX_TOKENS, {})(*pack_tokens(pairs, MAX_TOKENS))
    expected = F.normalize((left + right) / 2 + heat, dim=0)
    torch.testing.assert_close(fused[0], expected)


def test_adaptive_fusion_learns_through_attention() -> None:
    module = build_fusion("adaptive", D, MAX_TOKENS, {"heads": 4}).train()
    fused = module(*pack_tokens([("image", unit(1)[0]), ("event", unit(1)[0])], MAX_TOKENS))
    (fused @ unit(1)[0]).sum().backward()  # any direction; a plain sum is LayerNorm-invariant
    assert module.attention.in_proj_weight.grad.abs().sum() > 0
    assert module.type_embedding.weight.grad[[0, 2]].abs().sum() > 0


def test_a_row_with_no_present_token_gives_zeros_not_nan() -> None:
    module = trained_looking("adaptive")
    mask = torch.zeros(1, MAX_TOKENS, dtype=torch.bool)
    with torch.no_grad():
        out = module(torch.randn(1, MAX_TOKENS, D), torch.zeros(1, MAX_TOKENS).long(), mask)
    assert torch.equal(out, torch.zeros(1, D))


def test_packing_rejects_empty_too_many_and_unknown_inputs() -> None:
    with pytest.raises(ValueError, match="at least one"):
        pack_tokens([], MAX_TOKENS)
    with pytest.raises(ValueError, match="at most 8"):
        pack_tokens([("image", unit(1)[0])] * 9, MAX_TOKENS)
    with pytest.raises(ValueError, match="unknown modality 'sonar'"):
        pack_tokens([("sonar", unit(1)[0])], MAX_TOKENS)


def test_bad_fusion_config_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown fusion kind"):
        build_fusion("max", D, MAX_TOKENS, {})
    with pytest.raises(ConfigError, match="must divide"):
        build_fusion("adaptive", D, MAX_TOKENS, {"heads": 5})
    with pytest.raises(ConfigError, match="bad parameters"):
        build_fusion("mean", D, MAX_TOKENS, {"heads": 4})


def test_numpy_packing_for_runners_equals_the_tensor_packing() -> None:
    pairs = list(zip(("image", "audio", "image"), unit(3), strict=True))
    expected = pack_tokens(pairs, MAX_TOKENS)
    packed = pack_token_arrays([(m, e.numpy()) for m, e in pairs], MAX_TOKENS)
    for array, tensor in zip(packed, expected, strict=True):
        assert array.dtype == tensor.numpy().dtype
        assert (array == tensor.numpy()).all()
    with pytest.raises(ValueError, match="at most 8"):
        pack_token_arrays([("image", unit(1)[0].numpy())] * 9, MAX_TOKENS)
