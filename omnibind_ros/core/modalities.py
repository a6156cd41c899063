"""The modalities the product knows: role, raw sample type, default preprocessing parameters."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from enum import Enum
from typing import Any

from omnibind_ros.core.errors import ConfigError


class Role(str, Enum):
    TEACHER = "teacher"  # frozen, data-abundant (image, text)
    STUDENT = "student"  # distilled into the teachers' space (stage I, CAD)


# Sensor modalities, in the fixed order used for fusion type ids and ONNX inputs.
SENSOR_MODALITIES: tuple[str, ...] = ("image", "thermal", "event", "tactile", "audio", "lidar")
TEXT = "text"
ALL_MODALITIES: tuple[str, ...] = (*SENSOR_MODALITIES, TEXT)

# CLIP's RGB statistics: the image teacher is CLIP-style, so its inputs must match them.
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


@dataclass(frozen=True)
class ModalitySpec:
    """What a modality is: its role, the raw sample it takes and how that is preprocessed.

    ``preprocess_params`` are plain JSON-able values (model bundles store them); read them
    through ``default_preprocess_params``, which hands out a copy.
    """

    name: str
    role: Role
    raw_sample: str
    preprocess_params: dict[str, Any]


# "size" is the square side the compact default encoders take (64 px keeps them at a few ms
# on one CPU core); larger pretrained encoders (open_clip, 224 px) use the same code with
# a larger size. "fit": "crop" keeps the aspect ratio and cuts the longer side (CLIP's
# convention), "stretch" squeezes the whole frame in.
MODALITY_SPECS: dict[str, ModalitySpec] = {
    spec.name: spec
    for spec in (
        ModalitySpec(
            "image",
            Role.TEACHER,
            "HxWx3 uint8 RGB ndarray",
            {"size": 64, "fit": "crop", "mean": CLIP_MEAN, "std": CLIP_STD},
        ),
        ModalitySpec("text", Role.TEACHER, "str", {}),
        ModalitySpec(
            "thermal",
            Role.STUDENT,
            "HxW float32 ndarray, degrees Celsius (NaN marks dead pixels)",
            # A fixed range, not the frame's min/max, so "hot" reads the same in every frame.
            {"size": 64, "fit": "crop", "t_min_c": -20.0, "t_max_c": 120.0},
        ),
        ModalitySpec(
            "event",
            Role.STUDENT,
            "EventSample: structured array x:u16 y:u16 t:i64(ns) p:i8, plus width, height",
            # Channels = 2 polarities x time_bins over the newest window_ms of the packet.
            {"size": 64, "fit": "crop", "window_ms": 50.0, "time_bins": 1},
        ),
        ModalitySpec(
            "tactile",
            Role.STUDENT,
            "HxWx3 uint8 RGB ndarray (GelSight/DIGIT style)",
            {"size": 64, "fit": "crop", "mean": CLIP_MEAN, "std": CLIP_STD},
        ),
        ModalitySpec(
            "audio",
            Role.STUDENT,
            "AudioSample: float32 mono waveform in [-1, 1], plus sample_rate (Hz)",
            # ImageBind's log-mel convention and its AudioSet normalisation; 100 frames at a
            # 10 ms hop take the newest ~1 s of sound.
            {
                "sample_rate": 16000,
                "n_mels": 128,
                "win_ms": 25.0,
                "hop_ms": 10.0,
                "frames": 100,
                "mean": -4.268,
                "std": 9.138,
            },
        ),
        ModalitySpec(
            "lidar",
            Role.STUDENT,
            "Nx3 or Nx4 float32 ndarray (x, y, z[, intensity]), NaN rows allowed",
            # voxel_size is in unit-sphere units (the cloud is normalised first); 0 turns the
            # voxel grid off. "random" is the default: with the voxel grid (numpy) it takes
            # ~1.1 ms on 20k points and ~9 ms on 100k on one CPU core; farthest-point sampling
            # runs in open3d and costs tens of ms more (benchmarks/bench_preprocess.py).
            {"num_points": 1024, "voxel_size": 0.05, "sampling": "random", "seed": 0},
        ),
    )
}

ROLES: dict[str, Role] = {name: spec.role for name, spec in MODALITY_SPECS.items()}

STUDENT_MODALITIES: tuple[str, ...] = tuple(
    m for m in SENSOR_MODALITIES if ROLES[m] is Role.STUDENT
)


def modality_index(name: str) -> int:
    """Type id of a sensor modality (its position in SENSOR_MODALITIES)."""
    try:
        return SENSOR_MODALITIES.index(name)
    except ValueError:
        raise ValueError(
            f"unknown modality {name!r}; expected one of {', '.join(SENSOR_MODALITIES)}"
        ) from None


def modality_spec(name: str) -> ModalitySpec:
    """The spec of a modality; raises ConfigError naming the known ones."""
    try:
        return MODALITY_SPECS[name]
    except KeyError:
        raise ConfigError(
            f"unknown modality {name!r}; expected one of {', '.join(ALL_MODALITIES)}"
        ) from None


def default_preprocess_params(modality: str) -> dict[str, Any]:
    """A fresh copy of a modality's default preprocessing parameters (safe to modify)."""
    return copy.deepcopy(modality_spec(modality).preprocess_params)
