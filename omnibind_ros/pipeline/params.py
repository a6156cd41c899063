"""The perception node's parameters: one table of names, defaults and meanings, and their parsing.

ROS-free on purpose: the node declares what ``NODE_PARAMETERS`` and ``SENSOR_PARAMETERS`` list,
hands a getter to :func:`parse_node_config` / :func:`parse_sensor_config`, and every rule about
what a valid configuration is lives here, where it is unit-tested without DDS.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omnibind_ros.core.errors import ConfigError, finite_number
from omnibind_ros.core.labels import validate_labels
from omnibind_ros.core.limits import (
    DEFAULT_MAX_EVENTS,
    DEFAULT_MAX_PIXELS,
    DEFAULT_MAX_POINTS,
    DEFAULT_MAX_SENSOR_SIDE,
    MAX_SAMPLE_RATE,
)
from omnibind_ros.core.modalities import SENSOR_MODALITIES

QOS_PROFILES: tuple[str, ...] = ("sensor_data", "reliable", "best_effort", "system_default")

# The message type a slot subscribes with when `sensors.<name>.type` is left empty.
DEFAULT_MSG_TYPES: dict[str, str] = {
    "image": "sensor_msgs/msg/Image",
    "thermal": "sensor_msgs/msg/Image",
    "event": "sensor_msgs/msg/PointCloud2",
    "tactile": "sensor_msgs/msg/Image",
    "audio": "std_msgs/msg/Int16MultiArray",
    "lidar": "sensor_msgs/msg/PointCloud2",
}

# Scenes are fused as embeddings land, so a sample held back by its cap waits in the label's
# latency: the caps sit at common sensor rates (30 Hz cameras, 50 Hz event packets, 10-20 Hz
# lidars and audio chunks) and stop a faster publisher eating the CPU; they hold on average
# (pipeline/rate_budget.py), so jitter around them costs nothing. Chosen on 2 cores with six
# simulated sensors (benchmarks/bench_e2e.py, 3 rounds): event at 30 Hz held its 50 Hz packets
# back, p50 latency 14.4 ms, p99 40.6 ms; at 50 Hz 9.9 and 31.4 ms, at the same 0.53 cores.
# Lower them where the CPU is shared.
DEFAULT_MAX_ENCODE_HZ: dict[str, float] = {
    "image": 30.0,
    "thermal": 30.0,
    "event": 50.0,
    "tactile": 30.0,
    "audio": 20.0,
    "lidar": 20.0,
}

# How `perception_node` spins (see ros/executors.py for what each costs).
EXECUTORS: tuple[str, ...] = ("events", "single_threaded", "multi_threaded")
FUSION_MODES: tuple[str, ...] = ("arrival", "timer")

Getter = Callable[[str], Any]

# Ranges shared by several parameters (inclusive).
RATES = (0.01, 1000.0)  # Hz
PERIODS = (0.001, 3600.0)  # s
PIXELS = (0, 65535)
METRES = (0.0, 10000.0)
THREADS = (1, 64)


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter. ``kind`` is one of bool, int, float, string, string_array;
    ``bound`` ('positive' or '') is checked for numbers; ``limits`` (low, high), inclusive, is
    the range a number must lie in (declared as the parameter's range, checked at start too)."""

    name: str
    kind: str
    default: Any
    description: str
    modalities: tuple[str, ...] = SENSOR_MODALITIES  # sensor options: which modalities use it
    bound: str = ""
    limits: tuple[float, float] | None = None


NODE_PARAMETERS: tuple[ParamSpec, ...] = (
    ParamSpec("enabled", "bool", True, "false pauses encoding and publishing; sensors stay"),
    ParamSpec("model.bundle", "string", "", "model bundle file; empty = the shipped default"),
    ParamSpec("model.fp16", "bool", False, "tensorrt: build FP16 engines"),
    ParamSpec("model.cache_dir", "string", "", "ONNX/engine cache; empty = ~/.cache/omnibind_ros"),
    ParamSpec("backend", "string", "auto", "auto, torch, onnxruntime or tensorrt"),
    ParamSpec("device", "string", "cpu", "cpu, cuda or cuda:N"),
    ParamSpec("labels", "string_array", [], "label vocabulary; empty = the bundle's labels"),
    ParamSpec("top_k", "int", 5, "labels (with scores) published per scene", limits=(1, 1000)),
    ParamSpec("fusion.mode", "string", "arrival", "arrival: fuse when an embedding lands; timer"),
    ParamSpec(
        "fusion.max_rate_hz",
        "float",
        100.0,
        "arrival: most ~/scene messages per second",
        limits=RATES,
    ),
    ParamSpec("rate_hz", "float", 10.0, "fusion.mode timer: fusion and ~/scene rate", limits=RATES),
    ParamSpec(
        "fusion_window",
        "float",
        0.5,
        "seconds: fuse samples stamped this close to newest",
        limits=PERIODS,
    ),
    *(
        ParamSpec(
            f"max_encode_hz.{modality}",
            "float",
            DEFAULT_MAX_ENCODE_HZ[modality],
            f"most {modality} samples encoded per second per sensor (newest wins)",
            limits=RATES,
        )
        for modality in SENSOR_MODALITIES
    ),
    ParamSpec(
        "threads.encoders",
        "int",
        2,
        "encoder threads (a slow encoder holds only one)",
        limits=THREADS,
    ),
    ParamSpec(
        "threads.onnxruntime", "int", 1, "onnxruntime intra-op threads per encoder", limits=THREADS
    ),
    ParamSpec(
        "threads.torch",
        "int",
        1,
        "torch intra-op threads (torch and TensorRT backends)",
        limits=THREADS,
    ),
    ParamSpec(
        "threads.blas",
        "int",
        1,
        "numpy BLAS threads (the resize and log-mel matmuls of preprocessing)",
        limits=THREADS,
    ),
    ParamSpec("executor", "string", "events", f"rclpy executor: {', '.join(EXECUTORS)}"),
    ParamSpec("sensors.names", "string_array", [], "sensor slots; each has sensors.<name>.*"),
    ParamSpec(
        "hotplug.poll_period",
        "float",
        0.5,
        "seconds between publisher-count checks",
        limits=PERIODS,
    ),
    ParamSpec("discovery.enabled", "bool", False, "add slots for new topics matching a rule"),
    ParamSpec(
        "discovery.rules",
        "string_array",
        [],
        "'msg_type|topic_regex|modality' rules, e.g. 'sensor_msgs/msg/Image|.*thermal.*|thermal'",
    ),
    ParamSpec(
        "discovery.period",
        "float",
        2.0,
        "seconds between topic scans for discovery",
        limits=PERIODS,
    ),
    ParamSpec(
        "diagnostics.period", "float", 1.0, "seconds between /diagnostics messages", limits=PERIODS
    ),
    ParamSpec("overlay.enabled", "bool", True, "publish ~/overlay (labels on the camera frame)"),
    ParamSpec("overlay.sensor", "string", "", "image sensor drawn on; empty = first image slot"),
)

# Per sensor, under `sensors.<name>.`. Options (the specs naming modalities) go to the
# message conversion, which checks their meaning; window_ms is the slot's own.
SENSOR_PARAMETERS: tuple[ParamSpec, ...] = (
    ParamSpec("modality", "string", "", f"one of {', '.join(SENSOR_MODALITIES)}"),
    ParamSpec("topic", "string", "", "topic to subscribe to"),
    ParamSpec("type", "string", "", "message type; empty = the modality's usual type"),
    ParamSpec("qos", "string", "sensor_data", f"QoS profile: {', '.join(QOS_PROFILES)}"),
    ParamSpec(
        "stale_timeout", "float", 1.0, "seconds without a message before unplugged", limits=PERIODS
    ),
    ParamSpec("scale", "float", 0.01, "integer thermal: degC = raw * scale + offset", ("thermal",)),
    ParamSpec("offset", "float", -273.15, "integer thermal offset (centi-Kelvin)", ("thermal",)),
    ParamSpec("encoding_override", "string", "", "thermal: read as this encoding", ("thermal",)),
    ParamSpec(
        "sample_rate",
        "int",
        16000,
        f"audio: message rate (1000..{MAX_SAMPLE_RATE} Hz)",
        ("audio",),
        limits=(1000, MAX_SAMPLE_RATE),
    ),
    ParamSpec(
        "channels", "int", 0, "audio: channels; 0 = from the layout", ("audio",), limits=(0, 64)
    ),
    ParamSpec("sample_format", "string", "S16LE", "audio_common_msgs: sample format", ("audio",)),
    ParamSpec(
        "window_ms",
        "float",
        50.0,
        "event: events fused into one sample",
        ("event",),
        "positive",
        (0.1, 60000.0),
    ),
    ParamSpec(
        "width", "int", 0, "event: sensor width; 0 = from the events", ("event",), limits=PIXELS
    ),
    ParamSpec(
        "height", "int", 0, "event: sensor height; 0 = from the events", ("event",), limits=PIXELS
    ),
    ParamSpec(
        "max_sensor_size",
        "int",
        DEFAULT_MAX_SENSOR_SIDE,
        "event: largest sensor width/height, set or taken from the events",
        ("event",),
        "positive",
    ),
    ParamSpec(
        "max_events",
        "int",
        DEFAULT_MAX_EVENTS,
        "event: most events per message",
        ("event",),
        "positive",
    ),
    ParamSpec("time_unit", "string", "ns", "event: unit of the t field", ("event",)),
    ParamSpec("time_reference", "string", "header", "event: t from header or absolute", ("event",)),
    ParamSpec(
        "min_range", "float", 0.0, "lidar: drop points nearer (m)", ("lidar",), limits=METRES
    ),
    ParamSpec(
        "max_range",
        "float",
        0.0,
        "lidar: drop points farther (m); 0 = none",
        ("lidar",),
        limits=METRES,
    ),
    ParamSpec("intensity_field", "string", "intensity", "lidar: 4th column's field", ("lidar",)),
    ParamSpec(
        "max_points",
        "int",
        DEFAULT_MAX_POINTS,
        "lidar: most points per cloud",
        ("lidar",),
        "positive",
    ),
    ParamSpec(
        "max_pixels",
        "int",
        DEFAULT_MAX_PIXELS,
        "camera/thermal/tactile: most width*height pixels per image",
        ("image", "thermal", "tactile"),
        "positive",
    ),
)

_SENSOR_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_LIMITS = {s.name: s.limits for s in (*NODE_PARAMETERS, *SENSOR_PARAMETERS) if s.limits}
_OPTION_SPECS = tuple(s for s in SENSOR_PARAMETERS if s.modalities != SENSOR_MODALITIES)


class IncompleteSensorError(ConfigError):
    """A sensor whose modality or topic is not set yet (e.g. being added at run time)."""


@dataclass(frozen=True)
class SensorConfig:
    """One sensor slot. Equal configs need no new subscription; any change does."""

    name: str
    modality: str
    topic: str
    msg_type: str
    qos: str = "sensor_data"
    stale_timeout: float = 1.0
    options: tuple[tuple[str, Any], ...] = ()  # modality options, sorted by name

    def option(self, name: str) -> Any:
        return dict(self.options)[name]


@dataclass(frozen=True)
class DiscoveryRule:
    """Adds a slot of ``modality`` for a topic of ``msg_type`` whose name matches ``pattern``."""

    msg_type: str
    pattern: re.Pattern[str]
    modality: str

    def matches(self, topic: str, msg_types: Iterable[str]) -> bool:
        """``msg_types`` as the ROS graph lists them (always 'package/msg/Type')."""
        return self.msg_type in msg_types and self.pattern.fullmatch(topic) is not None


@dataclass(frozen=True)
class NodeConfig:
    enabled: bool
    bundle: Path
    backend: str
    device: str
    fp16: bool
    cache_dir: Path | None
    labels: tuple[str, ...]
    top_k: int
    fusion_mode: str
    max_scene_hz: float
    rate_hz: float
    fusion_window: float
    max_encode_hz: dict[str, float]
    encoder_threads: int
    onnxruntime_threads: int
    torch_threads: int
    blas_threads: int
    executor: str
    sensor_names: tuple[str, ...]
    poll_period: float
    discovery_enabled: bool
    discovery_rules: tuple[DiscoveryRule, ...]
    discovery_period: float
    diagnostics_period: float
    overlay_enabled: bool
    overlay_sensor: str


def normalize_msg_type(name: str) -> str:
    """'sensor_msgs/Image' and 'sensor_msgs/msg/Image' name the same type; use the long form."""
    parts = name.strip().split("/")
    if len(parts) == 2 and all(parts):
        return f"{parts[0]}/msg/{parts[1]}"
    if len(parts) == 3 and parts[1] == "msg" and parts[0] and parts[2]:
        return name.strip()
    raise ConfigError(f"message type {name!r} is not 'package/msg/Type' (or 'package/Type')")


def validate_sensor_names(names: Iterable[str] | None) -> tuple[str, ...]:
    cleaned = tuple(names or ())
    for name in cleaned:
        if not _SENSOR_NAME.match(name):
            raise ConfigError(
                f"sensor name {name!r} must start with a letter and use only letters, digits, _"
            )
    if len(set(cleaned)) != len(cleaned):
        raise ConfigError(f"sensors.names has duplicates: {list(cleaned)}")
    return cleaned


def parse_discovery_rule(text: str) -> DiscoveryRule:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != 3:
        raise ConfigError(f"discovery rule {text!r} must be 'msg_type|topic_regex|modality'")
    msg_type, pattern, modality = parts
    _check_modality(modality, f"discovery rule {text!r}")
    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise ConfigError(f"discovery rule {text!r}: bad topic regex: {err}") from None
    return DiscoveryRule(normalize_msg_type(msg_type), compiled, modality)


def parse_node_config(get: Getter, default_bundle: Path) -> NodeConfig:
    """Read and check every node-level parameter; raises ConfigError naming what to fix."""
    labels = tuple(get("labels") or ())
    bundle = _optional_path(get("model.bundle"))
    top_k = int(get("top_k"))
    if top_k < 1:
        raise ConfigError(f"top_k must be at least 1, got {top_k}")
    check_limits("top_k", top_k)
    return NodeConfig(
        enabled=bool(get("enabled")),
        bundle=bundle or default_bundle,
        # Checked by the runtime when the model loads (it knows what this machine can run).
        backend=str(get("backend")).strip(),
        device=str(get("device")).strip(),
        fp16=bool(get("model.fp16")),
        cache_dir=_optional_path(get("model.cache_dir")),
        labels=tuple(validate_labels(list(labels))) if labels else (),
        top_k=top_k,
        fusion_mode=_choice(get, "fusion.mode", FUSION_MODES),
        max_scene_hz=_positive(get, "fusion.max_rate_hz"),
        rate_hz=_positive(get, "rate_hz"),
        fusion_window=_positive(get, "fusion_window"),
        max_encode_hz={m: _positive(get, f"max_encode_hz.{m}") for m in SENSOR_MODALITIES},
        encoder_threads=_thread_count(get, "threads.encoders"),
        onnxruntime_threads=_thread_count(get, "threads.onnxruntime"),
        torch_threads=_thread_count(get, "threads.torch"),
        blas_threads=_thread_count(get, "threads.blas"),
        executor=_choice(get, "executor", EXECUTORS),
        sensor_names=validate_sensor_names(get("sensors.names")),
        poll_period=_positive(get, "hotplug.poll_period"),
        discovery_enabled=bool(get("discovery.enabled")),
        discovery_rules=tuple(parse_discovery_rule(r) for r in get("discovery.rules") or ()),
        discovery_period=_positive(get, "discovery.period"),
        diagnostics_period=_positive(get, "diagnostics.period"),
        overlay_enabled=bool(get("overlay.enabled")),
        overlay_sensor=str(get("overlay.sensor")).strip(),
    )


def parse_sensor_config(name: str, get: Getter) -> SensorConfig:
    """Read `sensors.<name>.*` through ``get`` (called with the suffix, e.g. 'topic')."""
    where = f"sensors.{name}"
    modality = str(get("modality") or "").strip()
    topic = str(get("topic") or "").strip()
    if not modality or not topic:
        missing = " and ".join(
            f"{where}.{k}" for k, v in (("modality", modality), ("topic", topic)) if not v
        )
        raise IncompleteSensorError(f"{missing} not set: set it to use this sensor")
    _check_modality(modality, f"{where}.modality")
    msg_type = normalize_msg_type(str(get("type") or "").strip() or DEFAULT_MSG_TYPES[modality])
    qos = str(get("qos") or "sensor_data").strip()
    if qos not in QOS_PROFILES:
        raise ConfigError(f"{where}.qos {qos!r} must be one of {', '.join(QOS_PROFILES)}")
    options = []
    for spec in _OPTION_SPECS:
        if modality in spec.modalities:
            options.append((spec.name, _option_value(spec, get(spec.name), where)))
    return SensorConfig(
        name=name,
        modality=modality,
        topic=topic,
        msg_type=msg_type,
        qos=qos,
        stale_timeout=_positive(get, "stale_timeout", where),
        options=tuple(sorted(options)),
    )


def sensor_config_for_topic(name: str, topic: str, msg_type: str, modality: str) -> SensorConfig:
    """A slot found by discovery: modality defaults for everything but topic and type."""
    defaults = {spec.name: spec.default for spec in SENSOR_PARAMETERS}
    defaults.update(modality=modality, topic=topic, type=msg_type)
    return parse_sensor_config(name, defaults.__getitem__)


def discovered_sensor_name(topic: str, taken: Iterable[str]) -> str:
    """A valid, unused slot name derived from a topic ('/front/image_raw' -> 'front_image_raw')."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", topic).strip("_") or "sensor"
    if not base[0].isalpha():
        base = f"s_{base}"
    taken = set(taken)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _optional_path(value: Any) -> Path | None:
    text = str(value or "").strip()
    return Path(text).expanduser() if text else None


def _check_modality(modality: str, where: str) -> None:
    if modality not in SENSOR_MODALITIES:
        raise ConfigError(
            f"{where}: modality {modality!r} unknown; use one of {', '.join(SENSOR_MODALITIES)}"
        )


def _positive(get: Getter, key: str, where: str = "") -> float:
    name = f"{where}.{key}" if where else key
    value = get(key)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    return check_limits(key, number, name)


def check_limits(key: str, number: float, name: str = "") -> float:
    """``number`` if it lies in the limits of parameter ``key``; ConfigError naming them."""
    limits = _LIMITS.get(key)
    if limits is not None and not limits[0] <= number <= limits[1]:
        low, high = limits
        raise ConfigError(f"{name or key} must lie in [{low}, {high}], got {number}")
    return number


def _choice(get: Getter, key: str, choices: tuple[str, ...]) -> str:
    value = str(get(key)).strip()
    if value not in choices:
        raise ConfigError(f"{key} {value!r} must be one of {', '.join(choices)}")
    return value


def _thread_count(get: Getter, key: str) -> int:
    number = finite_number(get(key), key)
    if number != int(number) or not 1 <= number <= 64:
        raise ConfigError(f"{key} must be a whole number of threads from 1 to 64, got {number!r}")
    return int(number)


def _option_value(spec: ParamSpec, value: Any, where: str) -> Any:
    """The option as its declared kind; meaning is checked by the conversion that uses it."""
    name = f"{where}.{spec.name}"
    value = spec.default if value is None else value
    if spec.kind == "string":
        return str(value).strip()
    number = finite_number(value, name)
    if spec.kind == "int" and number != int(number):
        raise ConfigError(f"{name} must be a whole number, got {value!r}")
    if spec.bound == "positive" and number <= 0:
        raise ConfigError(f"{name} must be positive, got {value!r}")
    check_limits(spec.name, number, name)
    return int(number) if spec.kind == "int" else number
