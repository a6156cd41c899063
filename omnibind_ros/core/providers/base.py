"""The pretrained-provider interface: larger pretrained teachers behind the default interfaces.

A provider wraps one pretrained model (e.g. an open_clip CLIP) and hands out its towers as an
image ``Encoder`` and a ``TextTeacher``. Weights come only from local files named in the
options, or are random (architecture only, for tests): providers never download.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from omnibind_ros.core.encoders import Encoder
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.text import TextTeacher


class PretrainedProvider(ABC):
    """One pretrained model; ``load_weights=False`` builds the architecture with random weights
    (a bundle then loads its own copy of the weights over it)."""

    name: ClassVar[str]
    embed_dim: int

    @abstractmethod
    def __init__(self, options: dict[str, Any], load_weights: bool) -> None: ...

    def image_encoder(self) -> Encoder:
        raise ConfigError(f"provider {self.name!r} has no image encoder")

    def text_teacher(self) -> TextTeacher:
        raise ConfigError(f"provider {self.name!r} has no text encoder")

    def preprocess_params(self, modality: str) -> dict[str, Any]:
        """Preprocessing values this model's encoder for ``modality`` requires (e.g. size)."""
        return {}
