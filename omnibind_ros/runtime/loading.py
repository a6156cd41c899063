"""One factory that loads a model bundle ready to run: bundle + checked backend and device."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from threadpoolctl import threadpool_limits

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.inference_model import InferenceModel
from omnibind_ros.lean.export_cache import LeanUnsupportedError, require_bundle_file
from omnibind_ros.paths import default_cache_dir
from omnibind_ros.runtime.backend_choice import resolve_backend
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
    blas_threads: int | None = None,
) -> InferenceModel:
    """The bundle with its inference backend attached; ConfigError/BundleError say what to fix.

    onnxruntime (the CPU default) runs the bundle's lean export (``omnibind_ros.lean``):
    this process then never imports torch, unless the bundle's text teacher has no lean form
    (then torch loads it, as for the torch and TensorRT backends). With ``background``, a
    TensorRT engine is built in a thread (minutes on a Jetson) while torch answers, so a node
    is never deaf; ``log`` reports the progress. ``onnxruntime_threads`` is each session's
    intra-op thread count; ``torch_threads`` and ``blas_threads``, when given, set torch's
    and numpy's BLAS (preprocessing's matmuls) thread counts, process-wide. Left to
    themselves each takes every core, and threads of several encoders then fight.
    """
    if blas_threads is not None:
        threadpool_limits(blas_threads, user_api="blas")
    resolved = resolve_backend(backend, device)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if resolved == "onnxruntime":
        from omnibind_ros.lean.model import load_lean_model

        try:
            model = load_lean_model(
                bundle, cache, device=device, threads=onnxruntime_threads, log=log
            )
        except LeanUnsupportedError as reason:
            log(f"lean runtime: {reason}; loading the bundle with torch")
        else:
            log("inference backend: onnxruntime (lean: no torch in this process)")
            return model
    return _load_torch_model(
        bundle, resolved, device, cache, fp16, log, background, onnxruntime_threads, torch_threads
    )


def _load_torch_model(
    bundle: Path,
    backend: str,
    device: str,
    cache: Path,
    fp16: bool,
    log: Callable[[str], None],
    background: bool,
    onnxruntime_threads: int,
    torch_threads: int | None,
) -> InferenceModel:
    import torch

    from omnibind_ros.core.bundle import load_bundle
    from omnibind_ros.runtime.backends import attach_backend

    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} asked for, but torch sees no CUDA GPU: use cpu")
    if backend == "tensorrt" and (reason := tensorrt_unavailable_reason()):
        raise ConfigError(f"backend tensorrt: {reason}; use backend auto or onnxruntime")
    require_bundle_file(bundle)
    model = load_bundle(bundle)
    attach_backend(
        model, backend, device, cache_dir=cache, fp16=fp16, threads=onnxruntime_threads,
        log=log, background=background,
    )  # fmt: skip
    return model
