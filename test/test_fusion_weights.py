"""Per-sensor fusion weights: what share of the fused embedding each token supplies."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from fusion_helpers import trained_looking_fusion

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.fusion import FUSION_KINDS, AdaptiveFusion, pack_tokens
from omnibind_ros.core.modalities import SENSOR_MODALITIES

D = 64
MAX_TOKENS = 8


def batch(rows: int, present: int):
    torch.manual_seed(1)
    tokens = F.normalize(torch.randn(rows, MAX_TOKENS, D), dim=-1)
    type_ids = torch.randint(0, len(SENSOR_MODALITIES), (rows, MAX_TOKENS))
    mask = torch.zeros(rows, MAX_TOKENS, dtype=torch.bool)
    mask[:, :present] = True
    return tokens, type_ids, mask


@pytest.mark.parametrize("kind", FUSION_KINDS)
def test_weights_are_a_distribution_over_present_tokens(kind: str) -> None:
    module = trained_looking_fusion(kind, D, MAX_TOKENS)
    tokens, type_ids, mask = batch(5, 3)
    tokens[~mask] = float("nan")  # padding content must not leak into the weights
    with torch.no_grad():
        weights = module.token_weights(tokens, type_ids, mask)
    assert torch.isfinite(weights).all()
    assert (weights[~mask] == 0).all() and (weights[mask] >= 0).all()
    torch.testing.assert_close(weights.sum(dim=1), torch.ones(5))


def test_mean_fusion_weighs_every_present_token_equally() -> None:
    module = trained_looking_fusion("mean", D, MAX_TOKENS)
    with torch.no_grad():
        weights = module.token_weights(*batch(2, 4))
    torch.testing.assert_close(weights[:, :4], torch.full((2, 4), 0.25))


def test_adaptive_weights_rebuild_the_fused_embedding_of_a_one_head_module() -> None:
    # With one head the fused vector is out_proj(sum_i w_i * value_i): the weights are exact.
    torch.manual_seed(0)
    module = AdaptiveFusion(D, MAX_TOKENS, heads=1).eval()
    tokens, type_ids, mask = batch(3, 4)
    with torch.no_grad():
        weights = module.token_weights(tokens, type_ids, mask)
        x = tokens + module.type_embedding(type_ids)
        _, w_v = module.attention.in_proj_weight.split([2 * D, D])
        values = x @ w_v.T + module.attention.in_proj_bias[2 * D :]
        mixed = (weights.unsqueeze(-1) * values).sum(dim=1)
        rebuilt = F.normalize(module.attention.out_proj(mixed), dim=-1)
        torch.testing.assert_close(rebuilt, module(tokens, type_ids, mask))


def test_adaptive_fusion_over_tokens_is_the_weighted_sum_of_the_embeddings() -> None:
    torch.manual_seed(0)
    module = AdaptiveFusion(D, MAX_TOKENS, heads=4, reliability=True, values="tokens").eval()
    tokens, type_ids, mask = batch(3, 4)
    with torch.no_grad():
        weights = module.token_weights(tokens, type_ids, mask)
        rebuilt = F.normalize((weights.unsqueeze(-1) * tokens).sum(dim=1), dim=-1)
        torch.testing.assert_close(rebuilt, module(tokens, type_ids, mask))
        # One sensor alone comes back as itself: turning the others down leaves exactly it.
        single = module(tokens, type_ids, mask & (torch.arange(MAX_TOKENS) == 0))
    torch.testing.assert_close(single, F.normalize(tokens[:, 0], dim=-1))


def test_an_unknown_kind_of_values_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="fusion values 'raw' unknown"):
        AdaptiveFusion(D, MAX_TOKENS, heads=4, values="raw")


def test_a_reliability_score_turns_a_token_down() -> None:
    torch.manual_seed(0)
    module = AdaptiveFusion(D, MAX_TOKENS, heads=4, reliability=True).eval()
    tokens, type_ids, mask = batch(1, 3)
    with torch.no_grad():
        before = module.token_weights(tokens, type_ids, mask)[0, 0]
        # Score the first token's embedding far lower than the others'.
        module.reliability[2].weight.copy_(-20 * tokens[0, 0] @ module.reliability[0].weight.T)
        module.reliability[0].bias.zero_()
        after = module.token_weights(tokens, type_ids, mask)[0, 0]
    assert after < 0.5 * before


def test_predict_reports_each_modalitys_weight() -> None:
    from fixtures_model import untrained_model

    model = untrained_model()
    rng = np.random.default_rng(0)
    samples = {
        "image": rng.integers(0, 255, (48, 64, 3), dtype=np.uint8),
        "thermal": rng.normal(30, 5, (24, 32)).astype(np.float32),
    }
    prediction = model.predict(samples)
    assert set(prediction.weights) == {"image", "thermal"}
    assert sum(prediction.weights.values()) == pytest.approx(1.0)
    single = model.predict({"image": samples["image"]})
    assert single.weights == {"image": pytest.approx(1.0)}


def test_pack_tokens_weights_follow_input_order() -> None:
    module = trained_looking_fusion("linear", D, MAX_TOKENS)
    pairs = [("image", F.normalize(torch.randn(D), dim=0)), ("audio", torch.zeros(D))]
    with torch.no_grad():
        weights = module.token_weights(*pack_tokens(pairs, MAX_TOKENS))
    # A zero embedding adds nothing to the linear fusion: all of the weight is the image's.
    torch.testing.assert_close(weights[0, :2], torch.tensor([1.0, 0.0]))


@pytest.mark.parametrize("kind", FUSION_KINDS)
def test_one_pass_gives_the_fused_embedding_and_the_weights_of_two(kind: str) -> None:
    module = trained_looking_fusion(kind, D, MAX_TOKENS)
    tokens, type_ids, mask = batch(4, 3)
    with torch.no_grad():
        fused, weights = module.fused_and_weights(tokens, type_ids, mask)
        torch.testing.assert_close(fused, module(tokens, type_ids, mask), atol=1e-6, rtol=0)
        torch.testing.assert_close(
            weights, module.token_weights(tokens, type_ids, mask), atol=1e-6, rtol=0
        )
