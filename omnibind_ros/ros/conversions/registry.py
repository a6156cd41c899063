"""Which converter handles which (modality, message type): the node's one entry point."""

from __future__ import annotations

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.ros.conversions.converters import (
    AudioDataConverter,
    AudioDataStampedConverter,
    Converter,
    EventCloudConverter,
    EventPacketConverter,
    Float32AudioConverter,
    ImageConverter,
    Int16AudioConverter,
    LidarConverter,
    TactileConverter,
    ThermalConverter,
)

_CONVERTERS: tuple[type[Converter], ...] = (
    ImageConverter,
    TactileConverter,
    ThermalConverter,
    LidarConverter,
    EventCloudConverter,
    EventPacketConverter,
    Int16AudioConverter,
    Float32AudioConverter,
    AudioDataConverter,
    AudioDataStampedConverter,
)
REGISTRY: dict[tuple[str, str], type[Converter]] = {
    (converter.modality, converter.msg_type_name): converter for converter in _CONVERTERS
}


def supported_message_types(modality: str) -> list[str]:
    """Message types ('package/msg/Type') a sensor of ``modality`` can publish."""
    return [msg_type for (known, msg_type) in REGISTRY if known == modality]


def converter_for(modality: str, msg_type_name: str) -> type[Converter]:
    """The converter class; build it with the sensor's options: ``cls(options, topic=...)``.

    Raises ConfigError for a pair no converter handles (naming the types that are handled).
    """
    converter = REGISTRY.get((modality, msg_type_name))
    if converter is None:
        supported = supported_message_types(modality)
        raise ConfigError(
            f"no conversion from {msg_type_name!r} to {modality!r}; "
            + (f"use one of {', '.join(supported)}" if supported else "unknown modality")
        )
    return converter
