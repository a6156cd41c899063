"""Prompt embeddings a text teacher computed before, kept on disk by the teacher's weights.

A node's labels rarely change, yet embedding them means loading the text teacher (MiniLM via
transformers: about 250 MB and seconds of imports). With the embeddings of prompts seen
before on disk, a node starts without loading it, and loads it only for a new label.

The file is ``<cache dir>/text/<teacher key>.npz`` (prompts and float32 vectors), replaced
atomically and merged with what other processes wrote meanwhile. Only small batches are
stored (label vocabularies, not training corpora).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from omnibind_ros.paths import default_cache_dir

MAX_STORED_BATCH = 256


class PromptCache:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] | None = None

    def lookup(self, prompts: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors of those ``prompts`` that have one."""
        with self._lock:
            known = self._loaded()
            return {p: known[p] for p in prompts if p in known}

    def store(self, prompts: Sequence[str], vectors: np.ndarray) -> None:
        """Remember ``vectors`` (N, D) of ``prompts``; a failing disk only costs the cache."""
        if len(prompts) > MAX_STORED_BATCH:
            return
        with self._lock:
            merged = {**self._read(), **self._loaded()}
            merged.update(zip(prompts, np.asarray(vectors, np.float32), strict=True))
            self._vectors = merged
            # A read-only home or a full disk only means recomputing next time.
            with contextlib.suppress(OSError):
                self._write(merged)

    def _loaded(self) -> dict[str, np.ndarray]:
        if self._vectors is None:
            self._vectors = self._read()
        return self._vectors

    def _read(self) -> dict[str, np.ndarray]:
        try:
            with np.load(self._path, allow_pickle=False) as data:
                return dict(zip(data["prompts"].tolist(), data["vectors"], strict=True))
        except (OSError, KeyError, ValueError):
            return {}  # no cache yet, or a damaged one: start afresh

    def _write(self, vectors: dict[str, np.ndarray]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_name(f"{self._path.stem}.{os.getpid()}.tmp.npz")
        np.savez(
            tmp,
            prompts=np.array(list(vectors), dtype=str),
            vectors=np.stack(list(vectors.values())),
        )
        os.replace(tmp, self._path)


def minilm_prompt_cache(weights_sha256: str) -> PromptCache:
    """The prompt cache of MiniLM with these weights: the torch teacher (core/text.py) and
    the ONNX one (lean/text.py) share it, so prompts embedded by either serve both."""
    return PromptCache(default_cache_dir() / "text" / f"minilm-{weights_sha256[:16]}.npz")


def encode_through(
    cache: PromptCache | None, texts: list[str], encode: Callable[[list[str]], Any]
) -> dict[str, np.ndarray]:
    """Every one of ``texts``' vectors: from ``cache`` where it has them, the others by one
    ``encode`` call (each distinct prompt once), stored in the cache for next time."""
    known = cache.lookup(texts) if cache is not None else {}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    if missing:
        fresh = np.asarray(encode(missing), dtype=np.float32)
        if cache is not None:
            cache.store(missing, fresh)
        known.update(zip(missing, fresh, strict=True))
    return known
