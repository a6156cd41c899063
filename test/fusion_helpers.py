"""Fusion modules with non-trivial weights, shared by the fusion tests."""

import torch

from omnibind_ros.core.fusion import build_fusion


def trained_looking_fusion(kind: str, embed_dim: int, max_tokens: int) -> torch.nn.Module:
    """A fusion module with non-trivial weights (fresh init can hide masking bugs)."""
    torch.manual_seed(0)
    params = {"heads": 4} if kind == "adaptive" else {}
    module = build_fusion(kind, embed_dim, max_tokens, params)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    return module.eval()
