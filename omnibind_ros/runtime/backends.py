"""Install an inference backend as a loaded torch model's ``model.runner``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from omnibind_ros.core.model import OmniBindModel, TorchRunner
from omnibind_ros.paths import default_cache_dir
from omnibind_ros.runtime.backend_choice import resolve_backend
from omnibind_ros.runtime.onnx_export import ensure_export, model_fingerprint
from omnibind_ros.runtime.onnxruntime_runner import OnnxRuntimeRunner
from omnibind_ros.runtime.tensorrt_runner import TensorRTRunner

LOG = logging.getLogger(__name__)


def export_dir_for(model: OmniBindModel, cache_dir: Path) -> Path:
    return cache_dir / "onnx" / model_fingerprint(model)[:16]


def attach_backend(
    model: OmniBindModel,
    backend: str = "auto",
    device: str = "cpu",
    *,
    cache_dir: str | Path | None = None,
    fp16: bool = False,
    threads: int = 1,
    log: Callable[[str], None] = LOG.info,
    on_ready: Callable[[str], None] | None = None,
    background: bool = False,
) -> threading.Thread | None:
    """Install the chosen backend as ``model.runner``.

    With ``background=True`` a TensorRT engine is built on a worker thread while the model
    keeps answering through torch; the runner is swapped in when the engine is ready (the
    returned thread). Other backends attach at once. ``on_ready`` gets the backend's name.
    """
    chosen = resolve_backend(backend, device)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    model.to(device if chosen == "torch" else "cpu")
    if chosen == "torch":
        model.runner = TorchRunner(model)
        _ready(chosen, log, on_ready)
        return None
    export_dir = export_dir_for(model, cache)
    ensure_export(model, export_dir)
    if chosen == "onnxruntime":
        model.runner = OnnxRuntimeRunner(export_dir, device=device, threads=threads)
        _ready(chosen, log, on_ready)
        return None

    def build_tensorrt() -> None:
        model.runner = TensorRTRunner(export_dir, cache, fp16=fp16, log=log)
        _ready(chosen, log, on_ready)

    if not background:
        build_tensorrt()
        return None
    model.to(device)  # serve through torch on the GPU until the engines are ready
    model.runner = TorchRunner(model)
    thread = threading.Thread(target=build_tensorrt, name="tensorrt-build", daemon=True)
    thread.start()
    return thread


def _ready(name: str, log: Callable[[str], None], on_ready: Callable[[str], None] | None) -> None:
    log(f"inference backend: {name}")
    if on_ready is not None:
        on_ready(name)
