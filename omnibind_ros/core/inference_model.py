"""What every loaded model answers, in numpy and without torch: preprocess, encode, fuse, rank.

``InferenceModel`` holds a ``ModelSpec`` (the shapes and constants inference needs), a label
bank and an ``InferenceRunner`` that runs the encoder and fusion graphs. ``OmniBindModel``
(core/model.py) adds the torch modules that training changes; the lean runtime
(``omnibind_ros.lean``) builds one from ONNX graphs alone, so a CPU node never imports torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from omnibind_ros.core.errors import InvalidSampleError
from omnibind_ros.core.fusion_inputs import pack_token_arrays
from omnibind_ros.core.labels import LabelBank
from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.core.preprocess import preprocess


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


@dataclass(frozen=True)
class ModelSpec:
    """The constants inference needs, JSON-able (the lean export stores it)."""

    modalities: tuple[str, ...]
    embed_dim: int
    temperature: float
    max_tokens: int  # fusion inputs per scene
    preprocess: dict[str, dict[str, Any]]  # modality -> its preprocessing parameters
    input_shapes: dict[str, tuple[int, ...]]  # modality -> one preprocessed sample's shape

    def to_dict(self) -> dict[str, Any]:
        return {
            "modalities": list(self.modalities),
            "embed_dim": self.embed_dim,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "preprocess": self.preprocess,
            "input_shapes": {m: list(s) for m, s in self.input_shapes.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSpec:
        return cls(
            modalities=tuple(data["modalities"]),
            embed_dim=int(data["embed_dim"]),
            temperature=float(data["temperature"]),
            max_tokens=int(data["max_tokens"]),
            preprocess={m: dict(p) for m, p in data["preprocess"].items()},
            input_shapes={m: tuple(s) for m, s in data["input_shapes"].items()},
        )


class InferenceModel:
    """Encoders, fusion and labels behind one entry point, run through ``runner``."""

    spec: ModelSpec
    label_bank: LabelBank
    runner: InferenceRunner

    # -- properties of the contract ------------------------------------------------------------

    @property
    def labels(self) -> list[str]:
        return self.label_bank.labels

    def set_labels(self, labels: Sequence[str]) -> None:
        """Replace the label vocabulary; new prompts are embedded once."""
        self.label_bank.set_labels(labels)

    @property
    def modalities(self) -> tuple[str, ...]:
        """Sensor modalities this model has encoders for."""
        return self.spec.modalities

    @property
    def embed_dim(self) -> int:
        return self.spec.embed_dim

    @property
    def temperature(self) -> float:
        return self.spec.temperature

    def input_shape(self, modality: str) -> tuple[int, ...]:
        """Shape of one preprocessed sample of ``modality`` (no batch axis)."""
        self._require(modality)
        return self.spec.input_shapes[modality]

    def preprocess_params(self, modality: str) -> dict[str, Any]:
        """The preprocessing parameters ``modality``'s encoder was trained with."""
        self._require(modality)
        return dict(self.spec.preprocess[modality])

    # -- inference -------------------------------------------------------------------------------

    def preprocess(self, modality: str, raw: Any) -> np.ndarray:
        self._require(modality)
        return preprocess(modality, raw, self.spec.preprocess[modality])

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
        packed = pack_token_arrays(embeddings, self.spec.max_tokens)
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
        if modality not in self.spec.modalities:
            raise InvalidSampleError(
                modality, f"this model has no encoder for it; it has {', '.join(self.modalities)}"
            )


def _ranked(labels: list[str], probabilities: np.ndarray, top_k: int) -> list[tuple[str, float]]:
    order = np.argsort(-probabilities, kind="stable")[: max(1, top_k)]
    return [(labels[i], float(probabilities[i])) for i in order]
