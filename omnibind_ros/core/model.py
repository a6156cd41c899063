"""OmniBindModel: every encoder, the fusion module and the label bank behind one entry point.

    model.predict({"image": rgb, "thermal": celsius}) -> Prediction

Inference methods take raw samples or numpy arrays and return numpy; encoders and fusion run
through ``model.runner`` (the torch modules by default; ``omnibind_ros.runtime`` swaps in
onnxruntime or TensorRT). Training reaches the modules directly: ``encoders``
(nn.ModuleDict, one per sensor modality), ``fusion``, ``text_encoder`` and ``label_bank``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from omnibind_ros.core.config import EncoderConfig, ModelConfig, TextConfig
from omnibind_ros.core.encoders import Encoder, build_compact_encoder
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.fusion import Fusion, build_fusion
from omnibind_ros.core.inference_model import InferenceModel, InferenceRunner, ModelSpec
from omnibind_ros.core.labels import LabelBank
from omnibind_ros.core.preprocess import input_shape
from omnibind_ros.core.preprocess.params import resolve_params
from omnibind_ros.core.providers.registry import PROVIDERS, ProviderPool
from omnibind_ros.core.text import TextTeacher, shared_minilm


class TorchRunner:
    """The model's own torch modules, on the model's device."""

    name = "torch"

    def __init__(self, model: OmniBindModel) -> None:
        self._model = model

    def encode(self, modality: str, batch: np.ndarray) -> np.ndarray:
        model = self._model
        with torch.inference_mode():
            inputs = torch.as_tensor(batch, device=model.device)
            return model.encoders[modality](inputs).cpu().numpy()

    def fuse(
        self, tokens: np.ndarray, type_ids: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        model = self._model
        with torch.inference_mode():
            packed = (torch.as_tensor(a, device=model.device) for a in (tokens, type_ids, mask))
            fused, weights = model.fusion.fused_and_weights(*packed)
            return fused.cpu().numpy(), weights.cpu().numpy()


class OmniBindModel(InferenceModel):
    """Built from a ModelConfig with random encoder/fusion weights (training starts here);
    ``core.bundle.load_bundle`` builds one and loads trained weights into it.

    ``load_pretrained=False`` skips pretrained provider weight files (a bundle brings its own).
    """

    def __init__(
        self, config: ModelConfig, labels: Sequence[str], *, load_pretrained: bool = True
    ) -> None:
        config.validate()
        self.config = config
        pool = ProviderPool(load_weights=load_pretrained)
        self.text_encoder = _build_text_teacher(config.text, pool)
        if self.text_encoder.embed_dim != config.embed_dim:
            raise ConfigError(
                f"embed_dim is {config.embed_dim} but the {config.text.provider} text teacher "
                f"gives {self.text_encoder.embed_dim}-d embeddings; set embed_dim to match"
            )
        self.encoders = nn.ModuleDict(
            {
                m: _build_encoder(m, config.encoders[m], config.embed_dim, pool)
                for m in config.modalities
            }
        )
        # Built once: it is read on every encode, and training swaps only the fusion's kind and
        # parameters, never the token count, the preprocessing or the temperature.
        self.spec = ModelSpec(
            modalities=config.modalities,
            embed_dim=config.embed_dim,
            temperature=config.temperature,
            max_tokens=config.fusion.max_tokens,
            preprocess={m: config.encoders[m].preprocess for m in config.modalities},
            input_shapes={
                m: input_shape(m, config.encoders[m].preprocess) for m in config.modalities
            },
        )
        self.fusion: Fusion = build_fusion(
            config.fusion.kind, config.embed_dim, config.fusion.max_tokens, config.fusion.params
        )
        self.label_bank = LabelBank(
            self.text_encoder, labels, config.text.template, config.text.templates
        )
        self.device = torch.device("cpu")
        # What runs encoders and fusion at inference; runtime/ swaps in onnxruntime or TensorRT.
        self.runner: InferenceRunner = TorchRunner(self)
        self.eval()

    def reembed_labels(self) -> None:
        """Embed the labels afresh, dropping cached prompts: needed after the text teacher's
        weights change (a bundle loading its stored text tower)."""
        bank = self.label_bank
        self.label_bank = LabelBank(self.text_encoder, self.labels, bank.template, bank.templates)

    def label_embeddings(self, modality: str | None = None) -> torch.Tensor:
        """(C, D) label prompt embeddings (``modality``'s template; None: the main one) as a
        tensor, for training objectives."""
        return torch.from_numpy(self.label_bank.embeddings_for(modality))

    # -- device and mode -------------------------------------------------------------------------

    def to(self, device: str | torch.device) -> OmniBindModel:
        """Move encoders and fusion (the text teacher stays on CPU: it runs on label changes)."""
        self.device = torch.device(device)
        self.encoders.to(self.device)
        self.fusion.to(self.device)
        return self

    def eval(self) -> OmniBindModel:
        self.encoders.eval()
        self.fusion.eval()
        return self


def _build_text_teacher(text: TextConfig, pool: ProviderPool) -> TextTeacher:
    if text.provider == "minilm":
        return shared_minilm()
    return pool.get(text.provider, text.options).text_teacher()


def _build_encoder(
    modality: str, encoder: EncoderConfig, embed_dim: int, pool: ProviderPool
) -> Encoder:
    kind = encoder.arch["kind"]
    if kind not in PROVIDERS:
        shape = input_shape(modality, encoder.preprocess)
        return build_compact_encoder(encoder.arch, shape, embed_dim)
    if modality != "image":
        raise ConfigError(f"encoders.{modality}: provider {kind!r} only supplies an image encoder")
    provider = pool.get(kind, {k: v for k, v in encoder.arch.items() if k != "kind"})
    preprocess_params = resolve_params(modality, encoder.preprocess)
    for key, required in provider.preprocess_params(modality).items():
        if preprocess_params[key] != required:
            raise ConfigError(
                f"encoders.{modality}.preprocess.{key} is {preprocess_params[key]!r} but the "
                f"{kind} model needs {required!r}; set it in the config"
            )
    if provider.embed_dim != embed_dim:
        raise ConfigError(
            f"embed_dim is {embed_dim} but the {kind} image encoder gives {provider.embed_dim}-d "
            f"embeddings; set embed_dim to match"
        )
    return provider.image_encoder()
