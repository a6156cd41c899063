"""The report's reference fusion: blind to padding and to the order sensors arrive in."""

from __future__ import annotations

import torch

from omnibind_ros.training.reference_fusion import ConcatMLPFusion

D = 16


def _inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    tokens = torch.randn(3, 8, D)
    type_ids = torch.tensor([[0, 2, 5, 0, 0, 0, 0, 0]] * 3)
    mask = torch.zeros(3, 8, dtype=torch.bool)
    mask[:, :3] = True
    mask[1, 2] = False  # the second scene has no lidar
    return tokens, type_ids, mask


def test_padding_tokens_change_nothing() -> None:
    fusion = ConcatMLPFusion(D).eval()
    tokens, type_ids, mask = _inputs()
    padded = tokens.clone()
    padded[~mask] = float("nan")
    torch.testing.assert_close(fusion(padded, type_ids, mask), fusion(tokens, type_ids, mask))
    assert torch.isfinite(fusion(padded, type_ids, mask)).all()


def test_the_order_of_the_sensors_does_not_matter() -> None:
    fusion = ConcatMLPFusion(D).eval()
    tokens, type_ids, mask = _inputs()
    order = torch.tensor([2, 0, 1, 3, 4, 5, 6, 7])
    torch.testing.assert_close(
        fusion(tokens[:, order], type_ids[:, order], mask[:, order]),
        fusion(tokens, type_ids, mask),
    )
