"""Fusion of any non-empty subset of modality embeddings into one unit vector (OmniBind Eq. 8).

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
  With ``reliability: true`` a small network scores each token from its own embedding and
  adds that score to every query's attention logit for it: a sensor whose embedding looks
  like a broken one (noise, blank) receives less attention from all tokens, itself included.
- ``mean``: the mean of the present embeddings; no parameters.
- ``linear``: one slot per modality type (the mean of that type's present tokens, zero when
  absent), concatenated and mapped by one linear layer — the paper's "+Linear" over
  concatenated embeddings. It starts as the type-balanced mean.

``token_weights`` says how much of the fused embedding each token supplies (non-negative,
summing to 1 over the present tokens of a row):

- ``adaptive``: the fused vector is W_o · concat_h(Σ_i w_hi · V_h x_i) + b with
  w_hi = mean over present queries j of the attention a_hji that query j pays token i, so
  token i's weight is w_i = mean over heads of w_hi: the attention it receives, averaged
  over every query and head.
- ``mean``: 1/n for each of the n present tokens.
- ``linear``: token i of type t adds W_t · x_i / n_t (W_t: its type's block of the
  projection, n_t: tokens of that type); its weight is the norm of that term over the sum
  of every token's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.fusion_inputs import check_token_count
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
        return F.normalize(self.fuse(*_sanitised(tokens, type_ids, mask), mask), dim=-1)

    def fuse(
        self, tokens: torch.Tensor, type_ids: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Unnormalised (B, D) fusion of sanitised inputs (padding tokens are zero)."""
        raise NotImplementedError

    def token_weights(
        self, tokens: torch.Tensor, type_ids: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """(B, K) share of the fused embedding each present token supplies (module docstring);
        rows sum to 1 over present tokens, padding tokens get 0."""
        return _shares(self.contributions(*_sanitised(tokens, type_ids, mask), mask), mask)

    def fused_and_weights(
        self, tokens: torch.Tensor, type_ids: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``forward`` and ``token_weights`` in one pass (what inference runs and exports)."""
        fused, raw = self.fuse_and_contributions(*_sanitised(tokens, type_ids, mask), mask)
        return F.normalize(fused, dim=-1), _shares(raw, mask)

    def contributions(
        self, tokens: torch.Tensor, type_ids: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """(B, K) non-negative, unnormalised token weights of sanitised inputs: equal here."""
        return mask.to(tokens.dtype)

    def fuse_and_contributions(
        self, tokens: torch.Tensor, type_ids: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``fuse`` and ``contributions`` of sanitised inputs; a kind whose two share work
        (AF's attention) computes it once."""
        return self.fuse(tokens, type_ids, mask), self.contributions(tokens, type_ids, mask)


def _shares(raw: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    raw = torch.where(mask, raw, torch.zeros_like(raw))
    return raw / raw.sum(dim=1, keepdim=True).clamp(min=1e-12)


def _sanitised(
    tokens: torch.Tensor, type_ids: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Padding tokens zeroed (even NaN), padding type ids 0: they cannot change the output."""
    tokens = torch.where(mask.unsqueeze(-1), tokens, torch.zeros_like(tokens))
    return tokens, torch.where(mask, type_ids, torch.zeros_like(type_ids))


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

    def contributions(self, tokens, type_ids, mask):
        _, count = type_slots(tokens, type_ids, mask)
        blocks = self.proj.weight.view(self.embed_dim, NUM_TYPES, self.embed_dim)
        # Token i's term W_t x_i / n_t, with t its type: (B, K, D).
        terms = torch.einsum("otd,bkd->bkto", blocks, tokens)
        terms = terms.gather(2, type_ids[:, :, None, None].expand(-1, -1, 1, self.embed_dim))
        per_type = count.gather(1, type_ids).clamp(min=1)
        return terms.squeeze(2).norm(dim=-1) / per_type


# What AF's attention weights sum: its value projections of the tokens (Eq. 8), or the tokens
# themselves, so a sensor turned down to zero leaves exactly the others' embeddings.
VALUE_KINDS = ("projected", "tokens")


class AdaptiveFusion(Fusion):
    kind = "adaptive"

    def __init__(
        self,
        embed_dim: int,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        heads: int = 4,
        dropout: float = 0.0,
        reliability: bool = False,
        values: str = "projected",
    ) -> None:
        super().__init__(embed_dim, max_tokens)
        if embed_dim % heads:
            raise ConfigError(f"fusion heads ({heads}) must divide embed_dim ({embed_dim})")
        if values not in VALUE_KINDS:
            raise ConfigError(f"fusion values {values!r} unknown; use one of {VALUE_KINDS}")
        self.heads = heads
        self.values = values
        self.type_embedding = nn.Embedding(NUM_TYPES, embed_dim)
        nn.init.normal_(self.type_embedding.weight, std=0.02)
        self.attention = nn.MultiheadAttention(embed_dim, heads, dropout=dropout, batch_first=True)
        # Starts at zero: the same attention as without it until training finds a use.
        self.reliability = _reliability_scorer(embed_dim) if reliability else None

    def fuse(self, tokens, type_ids, mask):
        if self.values == "tokens":
            return self.fuse_and_contributions(tokens, type_ids, mask)[0]
        attended, _ = self._attend(tokens, type_ids, mask, need_weights=False)
        return masked_mean(attended, mask)

    def contributions(self, tokens, type_ids, mask):
        return self.fuse_and_contributions(tokens, type_ids, mask)[1]

    def fuse_and_contributions(self, tokens, type_ids, mask):
        attended, attention = self._attend(tokens, type_ids, mask, need_weights=True)
        # attention: (B, queries, keys), averaged over heads; average over present queries.
        weights = masked_mean(attention, mask)
        if self.values == "tokens":
            return (weights.unsqueeze(-1) * tokens).sum(dim=1), weights
        return masked_mean(attended, mask), weights

    def _attend(self, tokens, type_ids, mask, need_weights: bool):
        x = tokens + self.type_embedding(type_ids)
        # A row with no present token would make attention softmax over nothing (NaN): let
        # such rows attend to everything; masked_mean then returns zero for them anyway.
        ignore = ~mask & mask.any(dim=1, keepdim=True)
        if self.reliability is None:
            return self.attention(x, x, x, key_padding_mask=ignore, need_weights=need_weights)
        bias = self.reliability(tokens).squeeze(-1).masked_fill(ignore, float("-inf"))
        # One additive logit per key, the same for every query and head: (B * heads, K, K).
        keys = bias[:, None, :].expand(-1, mask.shape[1], -1).repeat_interleave(self.heads, 0)
        return self.attention(x, x, x, attn_mask=keys, need_weights=need_weights)


def _reliability_scorer(embed_dim: int) -> nn.Module:
    scorer = nn.Sequential(nn.Linear(embed_dim, 64), nn.ReLU(), nn.Linear(64, 1))
    nn.init.zeros_(scorer[2].weight)
    nn.init.zeros_(scorer[2].bias)
    return scorer


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
    check_token_count(len(embeddings), max_tokens)
    first = embeddings[0][1]
    tokens = torch.zeros(1, max_tokens, first.shape[-1], dtype=first.dtype, device=first.device)
    type_ids = torch.zeros(1, max_tokens, dtype=torch.long, device=first.device)
    mask = torch.zeros(1, max_tokens, dtype=torch.bool, device=first.device)
    for slot, (modality, embedding) in enumerate(embeddings):
        tokens[0, slot] = embedding
        type_ids[0, slot] = modality_index(modality)
        mask[0, slot] = True
    return tokens, type_ids, mask
