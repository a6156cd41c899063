"""Which inference backend a (backend, device) request means; torch-free, so the lean CPU path
can choose without importing torch."""

from __future__ import annotations

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.runtime.onnxruntime_runner import CUDA_PROVIDER, available_providers
from omnibind_ros.runtime.tensorrt_runner import tensorrt_unavailable_reason

BACKENDS = ("auto", "torch", "onnxruntime", "tensorrt")
# On CPU, onnxruntime runs the compact encoders faster than torch eager
# (benchmarks/bench_backends.py), and needs no torch in the process (omnibind_ros.lean); on GPU
# TensorRT beats both.
CPU_PREFERENCE = "onnxruntime"


def resolve_backend(backend: str, device: str) -> str:
    """The concrete backend ``backend`` means on ``device`` ("auto": the fastest available)."""
    if backend not in BACKENDS:
        raise ConfigError(f"backend {backend!r} is unknown; use one of {', '.join(BACKENDS)}")
    if not (device == "cpu" or device.startswith("cuda")):
        raise ConfigError(f"device {device!r} is unknown; use 'cpu', 'cuda' or 'cuda:N'")
    if backend != "auto":
        return backend
    if device.startswith("cuda"):
        if tensorrt_unavailable_reason() is None:
            return "tensorrt"
        return "onnxruntime" if CUDA_PROVIDER in available_providers() else "torch"
    return CPU_PREFERENCE
