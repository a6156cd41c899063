"""Label bank: an open vocabulary of text labels and their prompt embeddings.

Labels are rendered through a prompt template ("a photo of a {}") and embedded by the frozen
text teacher. That template serves the image teacher and the fused embedding; a modality may
have its own ("the sound of a {}"): its student is distilled against, and its own embedding
classified against, those prompts. Embeddings are cached per prompt, so replacing the labels
at run time embeds each new prompt once and switching back to an earlier vocabulary embeds
nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from omnibind_ros.core.errors import ConfigError

if TYPE_CHECKING:
    from omnibind_ros.core.text import TextTeacher

DEFAULT_TEMPLATE = "a photo of a {}"
# What each student modality's label prompts say; models saved before these existed use
# DEFAULT_TEMPLATE everywhere (their bundles store no per-modality templates).
DEFAULT_MODALITY_TEMPLATES = {
    "thermal": "a thermal image of a {}",
    "event": "an event camera image of a {}",
    "tactile": "the tactile imprint of a {}",
    "audio": "the sound of a {}",
    "lidar": "a lidar point cloud of a {}",
}


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


def validate_templates(templates: object) -> dict[str, str]:
    """Per-modality templates: ``{modality: template}``, each like ``validate_template``."""
    if not isinstance(templates, Mapping):
        raise ConfigError(f"templates must be a mapping {{modality: template}}, got {templates!r}")
    return {str(m): validate_template(t) for m, t in templates.items()}


@dataclass(frozen=True)
class _BankState:
    labels: list[str]
    template: str
    templates: dict[str, str]
    banks: dict[str, np.ndarray]  # template -> (C, D) float32


class LabelBank:
    """Labels + templates -> (C, D) unit text embeddings, replaceable at run time.

    Numpy throughout, so the lean runtime scores labels without torch; ``teacher`` is any
    object whose ``encode(prompts)`` returns (N, D) unit rows (a torch or numpy array).
    """

    def __init__(
        self,
        teacher: TextTeacher,
        labels: Sequence[str],
        template: str,
        templates: Mapping[str, str] | None = None,
    ) -> None:
        self._teacher = teacher
        self._prompt_cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # labels may change from another thread (ROS callback)
        # Labels, templates and embeddings replaced as one reference, so a reader never sees
        # labels and embedding rows that disagree.
        self._state = self._embed(
            validate_labels(labels),
            validate_template(template),
            validate_templates(templates or {}),
        )

    @property
    def labels(self) -> list[str]:
        return list(self._state.labels)

    @property
    def template(self) -> str:
        return self._state.template

    @property
    def templates(self) -> dict[str, str]:
        """The modalities with a template of their own."""
        return dict(self._state.templates)

    def template_for(self, modality: str | None) -> str:
        """The template of ``modality``'s label prompts (None: the fused embedding's)."""
        return self._state.templates.get(modality, self._state.template)

    @property
    def embeddings(self) -> np.ndarray:
        """(C, D) float32 embeddings of the main template (image teacher, fused embedding),
        rows in label order, unit norm. Do not modify in place."""
        return self._state.banks[self._state.template]

    def embeddings_for(self, modality: str | None) -> np.ndarray:
        """(C, D) label embeddings with ``modality``'s template (None: :attr:`embeddings`)."""
        state = self._state
        return state.banks[state.templates.get(modality, state.template)]

    def set_labels(self, labels: Sequence[str]) -> None:
        """Replace the vocabulary; only prompts never seen before are embedded."""
        state = self._state
        self._state = self._embed(validate_labels(labels), state.template, state.templates)

    def set_template(self, template: str) -> None:
        state = self._state
        self._state = self._embed(state.labels, validate_template(template), state.templates)

    def probabilities(
        self,
        embeddings: np.ndarray,
        temperature: float,
        modality: str | Sequence[str | None] | None = None,
    ) -> tuple[list[str], np.ndarray]:
        """(N, D) unit embeddings -> labels and (N, C) softmax over labels of cos / τ, against
        ``modality``'s prompts (None: the main template's), or one modality per row. One
        snapshot of the labels serves every row. Numpy: inference builds no tensor per call."""
        state = self._state
        forms = _row_templates(state, modality, len(embeddings))
        banks = np.stack([state.banks[form] for form in forms])
        logits = np.einsum("nd,ncd->nc", embeddings, banks) / temperature
        logits = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return state.labels, logits / logits.sum(axis=-1, keepdims=True)

    def _embed(self, labels: list[str], template: str, templates: dict[str, str]) -> _BankState:
        banks = {}
        with self._lock:
            for form in dict.fromkeys([template, *templates.values()]):
                prompts = [form.format(label) for label in labels]
                new = [p for p in dict.fromkeys(prompts) if p not in self._prompt_cache]
                if new:
                    vectors = np.asarray(self._teacher.encode(new), dtype=np.float32)
                    self._prompt_cache.update(zip(new, vectors, strict=True))
                banks[form] = np.stack([self._prompt_cache[p] for p in prompts])
        return _BankState(labels, template, templates, banks)


def _row_templates(
    state: _BankState, modality: str | Sequence[str | None] | None, rows: int
) -> list[str]:
    """The prompt template each of ``rows`` embeddings is scored against: its modality's, or
    the main template for None (a fused or image embedding)."""
    per_row = [modality] * rows if modality is None or isinstance(modality, str) else modality
    if len(per_row) != rows:
        raise ValueError(f"{len(per_row)} modalities for {rows} embeddings")
    return [state.templates.get(m, state.template) for m in per_row]
