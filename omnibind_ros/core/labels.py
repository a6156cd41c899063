"""Label bank: an open vocabulary of text labels and their prompt embeddings.

Labels are rendered through a prompt template ("a photo of a {}") and embedded by the frozen
text teacher. Embeddings are cached per prompt, so replacing the labels at run time embeds
each new prompt once and switching back to an earlier vocabulary embeds nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import torch

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.text import TextTeacher

DEFAULT_TEMPLATE = "a photo of a {}"


def validate_labels(labels: object) -> list[str]:
    """A non-empty list of unique, non-blank strings (surrounding whitespace removed)."""
    if isinstance(labels, str) or not isinstance(labels, Sequence) or not labels:
        raise ConfigError(f"labels must be a non-empty list of strings, got {labels!r}")
    cleaned: list[str] = []
    for label in labels:
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"every label must be a non-blank string, got {label!r}")
        cleaned.append(label.strip())
    duplicates = sorted({label for label in cleaned if cleaned.count(label) > 1})
    if duplicates:
        raise ConfigError(f"labels must be unique; repeated: {', '.join(duplicates)}")
    return cleaned


def validate_template(template: object) -> str:
    if not isinstance(template, str) or template.count("{}") != 1:
        raise ConfigError(
            f"prompt template must be a string with exactly one '{{}}' for the label, "
            f"got {template!r}"
        )
    return template


class LabelBank:
    """Labels + template -> (C, D) unit text embeddings, replaceable at run time."""

    def __init__(self, teacher: TextTeacher, labels: Sequence[str], template: str) -> None:
        self._teacher = teacher
        self._prompt_cache: dict[str, torch.Tensor] = {}
        self._lock = threading.Lock()  # labels may change from another thread (ROS callback)
        # (labels, template, embeddings) replaced as one reference, so a reader never sees
        # labels and embedding rows that disagree.
        self._state = self._embed(validate_labels(labels), validate_template(template))

    @property
    def labels(self) -> list[str]:
        return list(self._state[0])

    @property
    def template(self) -> str:
        return self._state[1]

    @property
    def embeddings(self) -> torch.Tensor:
        """(C, D) float32 CPU tensor, rows in label order, unit norm. Do not modify in place."""
        return self._state[2]

    def set_labels(self, labels: Sequence[str]) -> None:
        """Replace the vocabulary; only prompts never seen before are embedded."""
        self._state = self._embed(validate_labels(labels), self._state[1])

    def set_template(self, template: str) -> None:
        self._state = self._embed(self._state[0], validate_template(template))

    def probabilities(
        self, embeddings: torch.Tensor, temperature: float
    ) -> tuple[list[str], torch.Tensor]:
        """(N, D) unit embeddings -> labels and (N, C) softmax over labels of cos / τ."""
        labels, _, label_embeddings = self._state
        logits = embeddings @ label_embeddings.to(embeddings.device).T / temperature
        return labels, logits.softmax(dim=-1)

    def probabilities_numpy(
        self, embeddings: np.ndarray, temperature: float
    ) -> tuple[list[str], np.ndarray]:
        """``probabilities`` on numpy arrays (inference: no tensors built per call)."""
        labels, _, label_embeddings = self._state
        logits = embeddings @ label_embeddings.numpy().T / temperature
        logits = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return labels, logits / logits.sum(axis=-1, keepdims=True)

    def _embed(self, labels: list[str], template: str) -> tuple[list[str], str, torch.Tensor]:
        prompts = [template.format(label) for label in labels]
        with self._lock:
            new = [p for p in dict.fromkeys(prompts) if p not in self._prompt_cache]
            if new:
                self._prompt_cache.update(zip(new, self._teacher.encode(new), strict=True))
            return labels, template, torch.stack([self._prompt_cache[p] for p in prompts])
