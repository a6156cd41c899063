"""open_clip provider: a CLIP's image and text towers as the image and text teachers.

Options (exactly one of ``model`` / ``clip``):
- ``model``: an open_clip built-in architecture name, e.g. "ViT-B-32";
- ``clip``: an architecture dict for ``open_clip.CustomTextCLIP`` (embed_dim, vision_cfg,
  text_cfg), e.g. a tiny random model for tests;
- ``pretrained``: path of a local weights file (an open_clip / OpenAI CLIP checkpoint). Only
  existing local files are accepted, never a pretrained tag: nothing is ever downloaded.
  Without it the weights are random.

The towers are built as CustomTextCLIP (``.visual`` and ``.text`` are separate modules), so
each teacher owns exactly its tower's weights.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from omnibind_ros.core.encoders import Encoder
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.providers.base import PretrainedProvider
from omnibind_ros.core.providers.torchvision_compat import ensure_torchvision_importable
from omnibind_ros.core.text import TextTeacher

OPTION_KEYS = ("model", "clip", "pretrained")


class OpenClipProvider(PretrainedProvider):
    name = "open_clip"

    def __init__(self, options: dict[str, Any], load_weights: bool) -> None:
        unknown = sorted(set(options) - set(OPTION_KEYS))
        if unknown:
            raise ConfigError(
                f"open_clip: unknown option(s) {', '.join(unknown)}; "
                f"known: {', '.join(OPTION_KEYS)}"
            )
        if ("model" in options) == ("clip" in options):
            raise ConfigError("open_clip: give exactly one of 'model' (a name) or 'clip' (an arch)")
        pretrained = options.get("pretrained")
        if load_weights and pretrained is not None and not Path(pretrained).is_file():
            raise ConfigError(
                f"open_clip: 'pretrained' must be an existing local weights file, got "
                f"{pretrained!r} (weights are never downloaded)"
            )
        ensure_torchvision_importable()  # open_clip imports torchvision
        import open_clip

        architecture = {k: options[k] for k in ("model", "clip") if k in options}
        self._identity = {"provider": self.name, **architecture}
        # An absolute path can never be mistaken for a pretrained tag (which would download).
        weights = str(Path(pretrained).resolve()) if load_weights and pretrained else None
        if "clip" in options:
            arch = dict(options["clip"])
            _refuse_downloading_towers(arch, "clip")
        else:
            arch = _named_arch(open_clip, options["model"])
        try:
            if "clip" in options:
                model = open_clip.CustomTextCLIP(**arch)
                if weights is not None:
                    open_clip.load_checkpoint(model, weights)
            else:
                model = open_clip.create_model(
                    options["model"],
                    pretrained=weights,
                    force_custom_text=True,
                    pretrained_image=False,
                    pretrained_text=False,
                )
        except (RuntimeError, TypeError, ValueError, KeyError, OSError) as error:
            source = f"weights {weights}" if weights else "architecture"
            raise ConfigError(f"open_clip: cannot build from {source}: {error}") from error
        self._model = model.eval().requires_grad_(False)
        self.embed_dim = int(arch["embed_dim"])
        self._image_size = _square_size(model.visual.image_size)
        preprocess_cfg = getattr(model.visual, "preprocess_cfg", {})
        self._mean = list(preprocess_cfg.get("mean", open_clip.OPENAI_DATASET_MEAN))
        self._std = list(preprocess_cfg.get("std", open_clip.OPENAI_DATASET_STD))
        self._tokenizer = open_clip.SimpleTokenizer(context_length=model.text.context_length)

    def image_encoder(self) -> Encoder:
        # CLIP's visual tower already ends in its projection to embed_dim.
        return Encoder(self._model.visual, nn.Identity(), self.embed_dim)

    def text_teacher(self) -> TextTeacher:
        return OpenClipTextTeacher(
            self._model.text, self._tokenizer, self.embed_dim, self._identity
        )

    def preprocess_params(self, modality: str) -> dict[str, Any]:
        if modality != "image":
            return {}
        return {"size": self._image_size, "mean": self._mean, "std": self._std}


class OpenClipTextTeacher(TextTeacher):
    """CLIP's text transformer with its BPE tokenizer (vocabulary ships with open_clip)."""

    def __init__(self, tower: nn.Module, tokenizer: Any, embed_dim: int, identity: dict) -> None:
        self._tower = tower
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()
        self._identity = dict(identity, embed_dim=embed_dim)
        self.embed_dim = embed_dim

    @torch.no_grad()  # not inference_mode: training uses label embeddings inside autograd
    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        with self._tokenizer_lock:
            tokens = self._tokenizer(list(texts))
        device = next(self._tower.parameters()).device
        return F.normalize(self._tower(tokens.to(device)), dim=-1).float().cpu()

    def identity(self) -> dict:
        return dict(self._identity)

    @property
    def stored_module(self) -> nn.Module:
        # Random or user-supplied weights: the bundle must carry them to rebuild this teacher.
        return self._tower


def _named_arch(open_clip: Any, name: object) -> dict[str, Any]:
    if not isinstance(name, str) or ":" in name:
        raise ConfigError(
            f"open_clip: 'model' must be a built-in architecture name (no hf-hub:/local-dir: "
            f"schema), got {name!r}"
        )
    arch = open_clip.get_model_config(name)
    if arch is None:
        raise ConfigError(
            f"open_clip: unknown model {name!r}; see open_clip.list_models() for the names"
        )
    _refuse_downloading_towers(arch, name)
    return arch


def _refuse_downloading_towers(arch: dict[str, Any], what: str) -> None:
    # Hugging Face text towers and tokenizers would be fetched from the hub.
    hub_keys = [k for k in arch.get("text_cfg", {}) if str(k).startswith("hf_")]
    if hub_keys:
        raise ConfigError(
            f"open_clip: {what} uses a Hugging Face text tower ({', '.join(hub_keys)}), which "
            f"would be downloaded; use a model with open_clip's own text transformer"
        )


def _square_size(size: int | Sequence[int]) -> int:
    if isinstance(size, int):
        return size
    if len(size) != 2 or size[0] != size[1]:
        raise ConfigError(f"open_clip: only square image inputs are supported, model takes {size}")
    return int(size[0])
