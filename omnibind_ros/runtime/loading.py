"""One factory that loads a model bundle ready to run: bundle + checked backend and device."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from omnibind_ros.core.bundle import load_bundle
from omnibind_ros.core.errors import BundleError, ConfigError
from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.runtime.backends import attach_backend, resolve_backend
from omnibind_ros.runtime.tensorrt_runner import tensorrt_unavailable_reason


def load_model(
    bundle: Path,
    backend: str = "auto",
    device: str = "cpu",
    *,
    cache_dir: Path | None = None,
    fp16: bool = False,
    log: Callable[[str], None] = lambda message: None,
    background: bool = True,
    onnxruntime_threads: int = 1,
    torch_threads: int | None = None,
) -> OmniBindModel:
    """The bundle with its inference backend attached; ConfigError/BundleError say what to fix.

    With ``background``, a TensorRT engine is built in a thread (minutes on a Jetson) while
    torch answers, so a node is never deaf; ``log`` reports the progress.
    ``onnxruntime_threads`` is each session's intra-op thread count; ``torch_threads``, when
    given, sets torch's (process-wide: the torch backend, log-mel features, label scoring).
    Left to themselves both take every core, and threads of several encoders then fight.
    """
    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    resolved = resolve_backend(backend, device)
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} asked for, but torch sees no CUDA GPU: use cpu")
    if resolved == "tensorrt" and (reason := tensorrt_unavailable_reason()):
        raise ConfigError(f"backend tensorrt: {reason}; use backend auto or onnxruntime")
    if not bundle.is_file():
        raise BundleError(
            f"model bundle {bundle} not found: set model.bundle to a .omnibind file "
            "(train one with `omnibind train`)"
        )
    model = load_bundle(bundle)
    attach_backend(
        model, resolved, device, cache_dir=cache_dir, fp16=fp16, threads=onnxruntime_threads,
        log=log, background=background,
    )  # fmt: skip
    return model
