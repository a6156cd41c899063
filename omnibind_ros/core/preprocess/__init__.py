"""Raw sensor samples -> fixed-shape float32 encoder inputs, one module per modality.

``preprocess(modality, raw, params)`` checks the raw sample (bad input raises
InvalidSampleError naming the modality and the problem) and returns a C-contiguous float32
array of shape ``input_shape(modality, params)``; the same input gives the same bytes.
``params`` may override part of the modality's defaults (``default_preprocess_params``);
unknown or ill-typed parameters raise ConfigError.

| modality        | output                 | module     |
|-----------------|------------------------|------------|
| image, tactile  | (3, size, size)        | image.py   |
| thermal         | (1, size, size)        | thermal.py |
| event           | (2*time_bins, size, size) | event.py |
| audio           | (1, n_mels, frames)    | audio.py   |
| lidar           | (num_points, 3)        | lidar.py   |

Text has no array preprocessing: the text encoder tokenises strings itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from omnibind_ros.core.errors import ConfigError, InvalidSampleError
from omnibind_ros.core.modalities import SENSOR_MODALITIES, TEXT
from omnibind_ros.core.preprocess import audio, event, image, lidar, thermal
from omnibind_ros.core.preprocess.params import resolve_params

__all__ = ["check_sample", "input_shape", "preprocess"]

# Each module offers shape(modality, params), which also checks the parameters,
# check(modality, raw), which checks the raw-sample contract, and preprocess(modality, raw,
# params).
_MODULES: dict[str, ModuleType] = {
    "image": image,
    "thermal": thermal,
    "event": event,
    "tactile": image,
    "audio": audio,
    "lidar": lidar,
}


def preprocess(modality: str, raw: Any, params: Mapping[str, Any] | None = None) -> np.ndarray:
    """One raw sample of ``modality`` -> its encoder input (see the module docstring)."""
    module, resolved = _module_and_params(modality, params)
    module.shape(modality, resolved)
    out = np.ascontiguousarray(module.preprocess(modality, raw, resolved), dtype=np.float32)
    # The encoders' promise: finite inputs. A NaN here would make every label score NaN.
    if not np.isfinite(out).all():
        raise InvalidSampleError(modality, "preprocessing produced NaN or Inf")
    return out


def check_sample(modality: str, raw: Any) -> None:
    """Check ``raw`` against the raw-sample contract of ``modality`` (dtype, shape, values
    where the modality promises them) without preprocessing it; raises InvalidSampleError.

    Cheap (one pass over the data at most): the node runs it on every message as it arrives,
    so every bad message is counted even when a newer one supersedes it before encoding.
    """
    module, _ = _module_and_params(modality, None)
    module.check(modality, raw)


def input_shape(modality: str, params: Mapping[str, Any] | None = None) -> tuple[int, ...]:
    """Shape of ``preprocess``'s output for ``modality`` under ``params``."""
    module, resolved = _module_and_params(modality, params)
    return module.shape(modality, resolved)


def _module_and_params(
    modality: str, params: Mapping[str, Any] | None
) -> tuple[ModuleType, dict[str, Any]]:
    if modality == TEXT:
        raise ConfigError("text has no array preprocessing: the text encoder tokenises strings")
    module = _MODULES.get(modality)
    if module is None:
        raise ConfigError(
            f"unknown modality {modality!r}; expected one of {', '.join(SENSOR_MODALITIES)}"
        )
    return module, resolve_params(modality, params)
