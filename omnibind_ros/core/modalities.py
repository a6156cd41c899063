"""The modalities the product knows, and which of them are frozen teachers."""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    TEACHER = "teacher"  # frozen, data-abundant (image, text)
    STUDENT = "student"  # distilled into the teachers' space (stage I, CAD)


# Sensor modalities, in the fixed order used for fusion type ids and ONNX inputs.
SENSOR_MODALITIES: tuple[str, ...] = ("image", "thermal", "event", "tactile", "audio", "lidar")
TEXT = "text"
ALL_MODALITIES: tuple[str, ...] = (*SENSOR_MODALITIES, TEXT)

ROLES: dict[str, Role] = {
    "image": Role.TEACHER,
    "text": Role.TEACHER,
    "thermal": Role.STUDENT,
    "event": Role.STUDENT,
    "tactile": Role.STUDENT,
    "audio": Role.STUDENT,
    "lidar": Role.STUDENT,
}

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
