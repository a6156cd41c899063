"""OmniBindModel: every encoder, the fusion module and the label bank behind one entry point.

    model.predict({"image": rgb, "thermal": celsius}) -> Prediction

Inference methods take raw samples or numpy arrays and return numpy; encoders and fusion run
through ``model.runner`` (the torch modules by default; ``omnibind_ros.runtime`` swaps in
onnxruntime or TensorRT). Training reaches the modules directly: ``encoders``
(nn.ModuleDict, one per sensor modality), ``fusion``, ``text_encoder`` and ``label_bank``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from omnibind_ros.core.config import EncoderConfig, ModelConfig, TextConfig
from omnibind_ros.core.encoders import Encoder, build_compact_encoder
from omnibind_ros.core.errors import ConfigError, InvalidSampleError
from omnibind_ros.core.fusion import Fusion, build_fusion, pack_token_arrays
from omnibind_ros.core.labels import LabelBank
from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.core.preprocess import input_shape, preprocess
from omnibind_ros.core.preprocess.params import resolve_params
from omnibind_ros.core.providers.registry import PROVIDERS, ProviderPool
from omnibind_ros.core.text import TextTeacher, shared_minilm


@dataclass
class Prediction:
    """What the model makes of one set of samples."""

    top_k: list[tuple[str, float]]  # (label, probability), best first, from the fused embedding
    per_modality: dict[str, tuple[str, float]]  # modality -> its own top (label, probability)
    fused: np.ndarray  # (D,) unit vector
    modalities: list[str]  # the modalities that were used, in SENSOR_MODALITIES order
    # modality -> its share of the fused embedding (Fusion.token_weights; they sum to 1)
    weights: dict[str, float]


class InferenceRunner(Protocol):
    """Runs the model's encoders and fusion on preprocessed arrays (numpy in, numpy out)."""

    name: str

    def encode(self, modality: str, batch: np.ndarray) -> np.ndarray:
        """(B, *input_shape) float32 -> (B, D) unit embeddings."""

    def fuse(
        self, tokens: np.ndarray, type_ids: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(B, K, D), (B, K) int64, (B, K) bool -> (B, D) fused unit embeddings and (B, K)
        token weights (``Fusion.fused_and_weights``)."""


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


class OmniBindModel:
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
        self._input_shapes = {
            m: input_shape(m, config.encoders[m].preprocess) for m in config.modalities
        }
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

    # -- properties of the contract ------------------------------------------------------------

    @property
    def labels(self) -> list[str]:
        return self.label_bank.labels

    def set_labels(self, labels: Sequence[str]) -> None:
        """Replace the label vocabulary; new prompts are embedded once."""
        self.label_bank.set_labels(labels)

    def reembed_labels(self) -> None:
        """Embed the labels afresh, dropping cached prompts: needed after the text teacher's
        weights change (a bundle loading its stored text tower)."""
        bank = self.label_bank
        self.label_bank = LabelBank(self.text_encoder, self.labels, bank.template, bank.templates)

    @property
    def modalities(self) -> tuple[str, ...]:
        """Sensor modalities this model has encoders for."""
        return self.config.modalities

    @property
    def embed_dim(self) -> int:
        return self.config.embed_dim

    @property
    def temperature(self) -> float:
        return self.config.temperature

    def input_shape(self, modality: str) -> tuple[int, ...]:
        """Shape of one preprocessed sample of ``modality`` (no batch axis)."""
        self._require(modality)
        return self._input_shapes[modality]

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

    # -- inference -------------------------------------------------------------------------------

    def preprocess(self, modality: str, raw: Any) -> np.ndarray:
        self._require(modality)
        return preprocess(modality, raw, self.config.encoders[modality].preprocess)

    def encode(self, modality: str, raw: Any) -> np.ndarray:
        """One raw sample -> (D,) unit embedding."""
        return self.encode_batch(modality, self.preprocess(modality, raw)[None])[0]

    def encode_batch(self, modality: str, batch: np.ndarray) -> np.ndarray:
        """(B, *input_shape) preprocessed inputs -> (B, D) unit embeddings."""
        expected = self.input_shape(modality)
        if batch.ndim != len(expected) + 1 or tuple(batch.shape[1:]) != expected:
            raise InvalidSampleError(
                modality,
                f"expected a preprocessed batch of shape (B, {expected}), got {batch.shape}",
            )
        return self.runner.encode(modality, np.ascontiguousarray(batch, dtype=np.float32))

    def classify(
        self, embedding: np.ndarray, top_k: int = 5, modality: str | None = None
    ) -> list[tuple[str, float]]:
        """Labels ranked by softmax over labels of cos / τ, best first; against ``modality``'s
        label prompts for one sensor's own embedding (None: a fused or image embedding)."""
        labels, probabilities = self._probabilities(
            np.asarray(embedding, np.float32)[None], modality
        )
        return _ranked(labels, probabilities[0], top_k)

    def rank(
        self,
        embeddings: np.ndarray,
        top_k: int = 5,
        modalities: Sequence[str | None] | None = None,
    ) -> list[list[tuple[str, float]]]:
        """``classify`` for each row of (N, D) embeddings (row i against ``modalities[i]``'s
        prompts), in one pass over one label snapshot."""
        labels, probabilities = self._probabilities(np.asarray(embeddings, np.float32), modalities)
        return [_ranked(labels, row, top_k) for row in probabilities]

    def fuse(self, embeddings: Sequence[tuple[str, np.ndarray]]) -> np.ndarray:
        """(modality, (D,) embedding) pairs -> (D,) fused unit embedding; a modality may repeat."""
        return self.fuse_with_weights(embeddings)[0]

    def fuse_with_weights(
        self, embeddings: Sequence[tuple[str, np.ndarray]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`fuse` and the (n,) share of the fused embedding each of the n inputs supplies
        (non-negative, summing to 1; ``core.fusion`` defines it per fusion kind), from one run
        of the fusion graph."""
        packed = pack_token_arrays(embeddings, self.config.fusion.max_tokens)
        fused, weights = self.runner.fuse(*packed)
        return fused[0], weights[0, : len(embeddings)]

    def predict(self, samples: Mapping[str, Any], top_k: int = 5) -> Prediction:
        """Encode every sample, fuse them, and rank labels for the fused and each single one."""
        if not samples:
            raise ValueError("predict needs at least one sample")
        for modality in samples:
            self._require(modality)
        used = [m for m in SENSOR_MODALITIES if m in samples]
        embeddings = [self.encode(m, samples[m]) for m in used]
        pairs = list(zip(used, embeddings, strict=True))
        fused, weights = self.fuse_with_weights(pairs)
        # One pass over one label snapshot, so every score refers to the same vocabulary; each
        # sensor's own embedding against its modality's prompts.
        labels, probabilities = self._probabilities(np.stack([*embeddings, fused]), [*used, None])
        per_modality = {m: _ranked(labels, probabilities[i], 1)[0] for i, m in enumerate(used)}
        return Prediction(
            top_k=_ranked(labels, probabilities[-1], top_k),
            per_modality=per_modality,
            fused=fused,
            modalities=used,
            weights={m: float(w) for m, w in zip(used, weights, strict=True)},
        )

    def _probabilities(
        self, embeddings: np.ndarray, modality: str | Sequence[str | None] | None = None
    ) -> tuple[list[str], np.ndarray]:
        if embeddings.ndim != 2 or embeddings.shape[1] != self.embed_dim:
            raise ValueError(
                f"expected {self.embed_dim}-d embeddings, got shape {embeddings.shape}"
            )
        return self.label_bank.probabilities(embeddings, self.temperature, modality)

    def _require(self, modality: str) -> None:
        if modality not in self.config.encoders:
            raise InvalidSampleError(
                modality, f"this model has no encoder for it; it has {', '.join(self.modalities)}"
            )


def _ranked(labels: list[str], probabilities: np.ndarray, top_k: int) -> list[tuple[str, float]]:
    order = np.argsort(-probabilities, kind="stable")[: max(1, top_k)]
    return [(labels[i], float(probabilities[i])) for i in order]


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
