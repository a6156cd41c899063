"""Packing (modality, embedding) pairs into the fusion graph's fixed-size inputs (numpy only:
the lean runtime packs them without torch)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from omnibind_ros.core.modalities import modality_index


def pack_token_arrays(
    embeddings: Sequence[tuple[str, np.ndarray]], max_tokens: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(modality, (D,) embedding) pairs -> padded (1, max_tokens, ...) tokens, type ids and
    mask (float32, int64, bool), the inputs of every fusion graph and module."""
    check_token_count(len(embeddings), max_tokens)
    tokens = np.zeros((1, max_tokens, len(embeddings[0][1])), dtype=np.float32)
    type_ids = np.zeros((1, max_tokens), dtype=np.int64)
    mask = np.zeros((1, max_tokens), dtype=bool)
    for slot, (modality, embedding) in enumerate(embeddings):
        tokens[0, slot] = embedding
        type_ids[0, slot] = modality_index(modality)
    mask[0, : len(embeddings)] = True
    return tokens, type_ids, mask


def check_token_count(count: int, max_tokens: int) -> None:
    if not count:
        raise ValueError("fusion needs at least one embedding")
    if count > max_tokens:
        raise ValueError(f"fusion takes at most {max_tokens} embeddings, got {count}")
