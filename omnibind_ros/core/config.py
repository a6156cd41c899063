"""The model configuration: what a bundle needs to rebuild every module before loading weights.

Plain dataclasses with ``to_dict`` / ``from_dict`` (JSON-able, stored in bundles, written in
training YAML). ``from_dict`` fills what is missing with the shipped defaults, rejects unknown
keys, and raises ConfigError with the path of the value to fix.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from omnibind_ros.core.encoders import COMPACT_ARCHITECTURES, DEFAULT_ARCHITECTURES
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.fusion import DEFAULT_MAX_TOKENS, FUSION_KINDS
from omnibind_ros.core.labels import (
    DEFAULT_MODALITY_TEMPLATES,
    DEFAULT_TEMPLATE,
    validate_template,
    validate_templates,
)
from omnibind_ros.core.modalities import SENSOR_MODALITIES, default_preprocess_params
from omnibind_ros.core.preprocess import input_shape
from omnibind_ros.core.providers.registry import PROVIDERS

DEFAULT_EMBED_DIM = 384  # the MiniLM text teacher's space
DEFAULT_TEMPERATURE = 0.07  # CLIP's
TEXT_PROVIDERS = ("minilm", *PROVIDERS)


@dataclass
class EncoderConfig:
    """One sensor encoder: its architecture and its preprocessing parameters."""

    arch: dict[str, Any]
    preprocess: dict[str, Any]

    @classmethod
    def default(cls, modality: str) -> EncoderConfig:
        return cls(
            copy.deepcopy(DEFAULT_ARCHITECTURES[modality]), default_preprocess_params(modality)
        )


@dataclass
class TextConfig:
    """The frozen text teacher and how labels become prompts."""

    provider: str = "minilm"
    template: str = DEFAULT_TEMPLATE  # image teacher and fused embedding
    # Student modalities with prompts of their own ("the sound of a {}"); the others use
    # ``template``.
    templates: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MODALITY_TEMPLATES))
    options: dict[str, Any] = field(default_factory=dict)  # provider options (open_clip: model)


@dataclass
class FusionConfig:
    kind: str = "adaptive"
    max_tokens: int = DEFAULT_MAX_TOKENS
    # A bundle stores its own params, so bundles from before "reliability" keep their form.
    params: dict[str, Any] = field(default_factory=lambda: {"heads": 4, "reliability": True})


def _default_encoders() -> dict[str, EncoderConfig]:
    return {m: EncoderConfig.default(m) for m in SENSOR_MODALITIES}


@dataclass
class ModelConfig:
    embed_dim: int = DEFAULT_EMBED_DIM
    encoders: dict[str, EncoderConfig] = field(default_factory=_default_encoders)
    text: TextConfig = field(default_factory=TextConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)
    temperature: float = DEFAULT_TEMPERATURE

    def __post_init__(self) -> None:
        self.validate()

    @property
    def modalities(self) -> tuple[str, ...]:
        """Configured sensor modalities, in SENSOR_MODALITIES order."""
        return tuple(m for m in SENSOR_MODALITIES if m in self.encoders)

    def validate(self) -> None:
        _check_positive_int(self.embed_dim, "embed_dim")
        if not isinstance(self.temperature, (int, float)) or not (
            math.isfinite(self.temperature) and self.temperature > 0
        ):
            raise ConfigError(f"temperature must be a positive number, got {self.temperature!r}")
        if not self.encoders:
            raise ConfigError("encoders: configure at least one sensor modality")
        for modality, encoder in self.encoders.items():
            if modality not in SENSOR_MODALITIES:
                raise ConfigError(
                    f"encoders: unknown modality {modality!r}; expected some of "
                    f"{', '.join(SENSOR_MODALITIES)}"
                )
            kind = encoder.arch.get("kind") if isinstance(encoder.arch, dict) else None
            if kind not in COMPACT_ARCHITECTURES and kind not in PROVIDERS:
                known = ", ".join([*COMPACT_ARCHITECTURES, *PROVIDERS])
                raise ConfigError(f"encoders.{modality}.arch.kind: {kind!r} is not one of {known}")
            if not isinstance(encoder.preprocess, dict):
                raise ConfigError(f"encoders.{modality}.preprocess must be a mapping")
            try:
                input_shape(modality, encoder.preprocess)  # checks every preprocessing parameter
            except ConfigError as error:
                raise ConfigError(f"encoders.{modality}.preprocess: {error}") from None
        if self.text.provider not in TEXT_PROVIDERS:
            raise ConfigError(
                f"text.provider: {self.text.provider!r} is not one of {', '.join(TEXT_PROVIDERS)}"
            )
        if self.text.provider == "minilm" and self.text.options:
            raise ConfigError("text.options: the minilm text teacher takes no options")
        validate_template(self.text.template)
        for modality in validate_templates(self.text.templates):
            if modality not in SENSOR_MODALITIES:
                raise ConfigError(
                    f"text.templates: unknown modality {modality!r}; expected some of "
                    f"{', '.join(SENSOR_MODALITIES)}"
                )
        if self.fusion.kind not in FUSION_KINDS:
            raise ConfigError(
                f"fusion.kind: {self.fusion.kind!r} is not one of {', '.join(FUSION_KINDS)}"
            )
        _check_positive_int(self.fusion.max_tokens, "fusion.max_tokens")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # deep copies: the caller may modify the result

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Build and validate; missing values take the defaults (preprocessing per key)."""
        data = _mapping(data, "model config", set(cls.__dataclass_fields__))
        kwargs: dict[str, Any] = {k: data[k] for k in ("embed_dim", "temperature") if k in data}
        if "encoders" in data:
            kwargs["encoders"] = {
                modality: _encoder_from_dict(modality, raw)
                for modality, raw in _mapping(data["encoders"], "encoders", None).items()
            }
        text = _mapping(data.get("text", {}), "text", set(TextConfig.__dataclass_fields__))
        fusion = _mapping(data.get("fusion", {}), "fusion", set(FusionConfig.__dataclass_fields__))
        return cls(
            text=TextConfig(**copy.deepcopy(text)),
            fusion=FusionConfig(**copy.deepcopy(fusion)),
            **kwargs,
        )


def _encoder_from_dict(modality: str, raw: object) -> EncoderConfig:
    """An encoder entry over the modality's defaults: preprocessing keys merge one by one."""
    where = f"encoders.{modality}"
    if modality not in SENSOR_MODALITIES:
        raise ConfigError(
            f"{where}: unknown modality; expected some of {', '.join(SENSOR_MODALITIES)}"
        )
    raw = _mapping(raw, where, {"arch", "preprocess"})
    encoder = EncoderConfig.default(modality)
    if "arch" in raw:
        encoder.arch = copy.deepcopy(_mapping(raw["arch"], f"{where}.arch", None))
    encoder.preprocess.update(
        copy.deepcopy(_mapping(raw.get("preprocess", {}), f"{where}.preprocess", None))
    )
    return encoder


def _mapping(value: object, where: str, allowed: set[str] | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping, got {type(value).__name__}")
    if allowed is not None:
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(map(str, unknown))}; "
                f"expected some of {', '.join(sorted(allowed))}"
            )
    return value


def _check_positive_int(value: object, where: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{where} must be a positive integer, got {value!r}")
