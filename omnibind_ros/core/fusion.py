"""Fusion of any non-empty subset of modality embeddings into one unit vector (method.md Eq. 8).

Every module takes a padded set of tokens and returns (B, D) unit vectors::

    forward(tokens: (B, K, D) float, type_ids: (B, K) long, mask: (B, K) bool) -> (B, D)

``type_ids`` are positions in SENSOR_MODALITIES; ``mask`` is True for present tokens. A
modality may appear more than once (two cameras). Padding tokens are zeroed on entry, so
whatever they hold (even NaN) cannot change the output, and a fixed ``max_tokens`` with a
mask lets one ONNX graph serve every subset.

- ``adaptive`` (AF): modality-type embedding + one self-attention layer over the present
  tokens, then the mean of its outputs over present tokens, as Eq. 8 reads. That mean is a
  weighted sum of the tokens' value projections whose weights come from how the tokens
  attend to each other, so the module can turn one sensor down when the others disagree
  with it. (A residual + LayerNorm around the attention would rescale every token to the
  same norm and trained to ~2.5 points less robustness to a broken sensor on validation.)
- ``mean``: the mean of the present embeddings; no parameters.
- ``linear``: one slot per modality type (the mean of that type's present tokens, zero when
  absent), concatenated and mapped by one linear layer — the paper's "+Linear" over
  concatenated embeddings. It starts as the type-balanced mean.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.modalities import SENSOR_MODALITIES, modality_index

NUM_TYPES = len(SENSOR_MODALITIES)
DEFAULT_MAX_TOKENS = 8


class Fusion(nn.Module):
    """Base: input sanitising and masked mean shared by every fusion kind."""

    kind: str = ""

    def __init__(self, embed_dim: int, max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        super().__init__()
        self.embed_dim = embed_dim
        self.max_tokens = max_tokens

    def forward(
        self, tokens: torch.Tensor, type_ids: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        present = mask.unsqueeze(-1)
        tokens = torch.where(present, tokens, torch.zeros_like(tokens))
        type_ids = torch.where(mask, type_ids, torch.zeros_like(type_ids))
        return F.normalize(self.fuse(tokens, type_ids, mask), dim=-1)

    def fuse(
        self, tokens: torch.Tensor, type_ids: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Unnormalised (B, D) fusion of sanitised inputs (padding tokens are zero)."""
        raise NotImplementedError


def masked_mean(tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over present tokens; zero for a row with none (normalising zero stays zero)."""
    present = mask.unsqueeze(-1)
    total = torch.where(present, tokens, torch.zeros_like(tokens)).sum(dim=1)
    return total / present.sum(dim=1).clamp(min=1).to(tokens.dtype)


def type_slots(
    tokens: torch.Tensor, type_ids: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """One slot per modality type: (B, T, D) mean of that type's present tokens (zero when
    none) and (B, T) how many tokens each type has."""
    # One-hot matmul instead of scatter: the same graph exports cleanly to ONNX.
    membership = F.one_hot(type_ids, NUM_TYPES).to(tokens.dtype) * mask.unsqueeze(-1)
    count = membership.sum(dim=1)
    return (membership.transpose(1, 2) @ tokens) / count.clamp(min=1).unsqueeze(-1), count


class MeanFusion(Fusion):
    kind = "mean"

    def fuse(self, tokens, type_ids, mask):
        return masked_mean(tokens, mask)


class LinearFusion(Fusion):
    kind = "linear"

    def __init__(self, embed_dim: int, max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        super().__init__(embed_dim, max_tokens)
        self.proj = nn.Linear(NUM_TYPES * embed_dim, embed_dim)
        with torch.no_grad():  # sum of the slots: the type-balanced mean up to scale
            self.proj.weight.copy_(torch.eye(embed_dim).repeat(1, NUM_TYPES))
            self.proj.bias.zero_()

    def fuse(self, tokens, type_ids, mask):
        slots, _ = type_slots(tokens, type_ids, mask)
        return self.proj(slots.flatten(1))


class AdaptiveFusion(Fusion):
    kind = "adaptive"

    def __init__(
        self,
        embed_dim: int,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        heads: int = 4,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(embed_dim, max_tokens)
        if embed_dim % heads:
            raise ConfigError(f"fusion heads ({heads}) must divide embed_dim ({embed_dim})")
        self.type_embedding = nn.Embedding(NUM_TYPES, embed_dim)
        nn.init.normal_(self.type_embedding.weight, std=0.02)
        self.attention = nn.MultiheadAttention(embed_dim, heads, dropout=dropout, batch_first=True)

    def fuse(self, tokens, type_ids, mask):
        x = tokens + self.type_embedding(type_ids)
        # A row with no present token would make attention softmax over nothing (NaN): let
        # such rows attend to everything; masked_mean then returns zero for them anyway.
        ignore = ~mask & mask.any(dim=1, keepdim=True)
        attended, _ = self.attention(x, x, x, key_padding_mask=ignore, need_weights=False)
        return masked_mean(attended, mask)


FUSION_KINDS: dict[str, type[Fusion]] = {
    cls.kind: cls for cls in (AdaptiveFusion, MeanFusion, LinearFusion)
}


def build_fusion(kind: str, embed_dim: int, max_tokens: int, params: dict) -> Fusion:
    """A randomly initialised fusion module; ``params`` are extra keyword arguments (heads, ...)."""
    if kind not in FUSION_KINDS:
        raise ConfigError(
            f"unknown fusion kind {kind!r}; expected one of {', '.join(FUSION_KINDS)}"
        )
    try:
        return FUSION_KINDS[kind](embed_dim, max_tokens, **params)
    except TypeError as error:
        raise ConfigError(f"fusion {kind!r}: bad parameters {params}: {error}") from None


def pack_tokens(
    embeddings: list[tuple[str, torch.Tensor]], max_tokens: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(modality, (D,) embedding) pairs -> padded (1, max_tokens, ...) tokens, type ids, mask."""
    _check_token_count(len(embeddings), max_tokens)
    first = embeddings[0][1]
    tokens = torch.zeros(1, max_tokens, first.shape[-1], dtype=first.dtype, device=first.device)
    type_ids = torch.zeros(1, max_tokens, dtype=torch.long, device=first.device)
    mask = torch.zeros(1, max_tokens, dtype=torch.bool, device=first.device)
    for slot, (modality, embedding) in enumerate(embeddings):
        tokens[0, slot] = embedding
        type_ids[0, slot] = modality_index(modality)
        mask[0, slot] = True
    return tokens, type_ids, mask


def pack_token_arrays(
    embeddings: Sequence[tuple[str, np.ndarray]], max_tokens: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``pack_tokens`` for inference runners: numpy in and out (float32, int64, bool), a
    fraction of the cost of building small tensors."""
    _check_token_count(len(embeddings), max_tokens)
    tokens = np.zeros((1, max_tokens, len(embeddings[0][1])), dtype=np.float32)
    type_ids = np.zeros((1, max_tokens), dtype=np.int64)
    mask = np.zeros((1, max_tokens), dtype=bool)
    for slot, (modality, embedding) in enumerate(embeddings):
        tokens[0, slot] = embedding
        type_ids[0, slot] = modality_index(modality)
    mask[0, : len(embeddings)] = True
    return tokens, type_ids, mask


def _check_token_count(count: int, max_tokens: int) -> None:
    if not count:
        raise ValueError("fusion needs at least one embedding")
    if count > max_tokens:
        raise ValueError(f"fusion takes at most {max_tokens} embeddings, got {count}")


def export_fusion_onnx(
    module: Fusion, path: str | Path, max_tokens: int | None = None, opset: int = 17
) -> Path:
    """Export with inputs tokens (B, K, D), type_ids (B, K) int64, mask (B, K) bool, K fixed."""
    max_tokens = max_tokens or module.max_tokens
    path = Path(path)
    example = (
        torch.randn(2, max_tokens, module.embed_dim),
        torch.zeros(2, max_tokens, dtype=torch.long),
        torch.ones(2, max_tokens, dtype=torch.bool),
    )
    was_training = module.training
    module.eval()
    try:
        with warnings.catch_warnings():
            # MultiheadAttention's shape assertions trip the tracer's "tensor to Python bool"
            # warning, and the legacy exporter warns that it is legacy; neither affects the graph
            # (tests compare onnxruntime with torch at batch sizes other than the example's).
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(
                module,
                example,
                str(path),
                input_names=["tokens", "type_ids", "mask"],
                output_names=["fused"],
                dynamic_axes={
                    name: {0: "batch"} for name in ("tokens", "type_ids", "mask", "fused")
                },
                opset_version=opset,
                dynamo=False,
            )
    finally:
        module.train(was_training)
    _restore_unused_inputs(path, max_tokens, module.embed_dim)
    return path


def _restore_unused_inputs(path: Path, max_tokens: int, embed_dim: int) -> None:
    """The exporter drops inputs a graph never reads (``mean`` ignores type_ids); put them back
    so every fusion graph has the same three inputs and runtimes can feed any of them alike."""
    import onnx

    model = onnx.load(str(path))
    declared = {i.name for i in model.graph.input}
    specs = {
        "tokens": (onnx.TensorProto.FLOAT, ["batch", max_tokens, embed_dim]),
        "type_ids": (onnx.TensorProto.INT64, ["batch", max_tokens]),
        "mask": (onnx.TensorProto.BOOL, ["batch", max_tokens]),
    }
    missing = [name for name in specs if name not in declared]
    if not missing:
        return
    for name in missing:
        model.graph.input.append(onnx.helper.make_tensor_value_info(name, *specs[name]))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
