"""Where built TensorRT engines live, keyed by everything that makes an engine invalid."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class EngineKey:
    """An engine is only valid for the same graph, TensorRT version, GPU, precision and shapes."""

    onnx_sha256: str
    tensorrt_version: str
    gpu: str
    precision: str  # "fp32" or "fp16"
    shapes: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...]  # (input, min, max)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:32]


def engine_path(cache_dir: str | Path, graph_name: str, key: EngineKey) -> Path:
    return Path(cache_dir) / "engines" / f"{graph_name}-{key.digest()}.engine"


def write_atomically(path: Path, data: bytes) -> None:
    """A half-written engine (power cut during a minutes-long build) must never be loaded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
