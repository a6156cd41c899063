"""Runs an ONNX export through TensorRT engines, built once per GPU and cached on disk.

Needs the ``tensorrt`` Python package (TensorRT 10) and a CUDA build of torch, whose tensors
serve as the engines' device buffers. Building an engine can take minutes on a Jetson:
progress is logged, and callers that must stay responsive build it on a worker thread
(see ``runtime.backends.attach_backend``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from omnibind_ros.runtime.engine_cache import EngineKey, engine_path, write_atomically
from omnibind_ros.runtime.export_manifest import FUSION, FUSION_OUTPUTS, ExportManifest

LOG = logging.getLogger(__name__)
WORKSPACE_BYTES = 1 << 30


def tensorrt_unavailable_reason() -> str | None:
    """Why TensorRT cannot run here, or None when it can."""
    try:
        import tensorrt  # noqa: F401
    except ImportError:
        return "the tensorrt Python package is not installed"
    import torch

    if not torch.cuda.is_available():
        return "no CUDA GPU is visible to torch"
    return None


class TensorRTRunner:
    """One engine and execution context per graph; batch sizes 1..``max_batch``."""

    name = "tensorrt"

    def __init__(
        self,
        export_dir: str | Path,
        cache_dir: str | Path,
        fp16: bool = False,
        max_batch: int = 8,
        log: Callable[[str], None] = LOG.info,
    ) -> None:
        reason = tensorrt_unavailable_reason()
        if reason:
            raise RuntimeError(f"TensorRT backend unavailable: {reason}")
        import tensorrt as trt
        import torch

        self._trt = trt
        self._torch = torch
        self._logger = trt.Logger(trt.Logger.WARNING)
        self._stream = torch.cuda.Stream()
        export_dir = Path(export_dir)
        manifest = ExportManifest.read(export_dir)
        gpu = torch.cuda.get_device_name()
        precision = "fp16" if fp16 else "fp32"
        self._engines = {}
        self._contexts = {}
        for name, graph in manifest.graphs.items():
            onnx_path = export_dir / graph.file
            row = tuple(graph.input_shape)
            shapes = self._input_shapes(name, row, manifest.max_tokens, max_batch)
            key = EngineKey(graph.sha256, trt.__version__, gpu, precision, shapes)
            path = engine_path(cache_dir, name, key)
            if path.is_file():
                log(f"TensorRT: loading cached engine {path.name} for {name}")
                serialized = path.read_bytes()
            else:
                log(f"TensorRT: building {precision} engine for {name} on {gpu} (may take minutes)")
                serialized = self._build(onnx_path, shapes, fp16, log)
                write_atomically(path, serialized)
                log(f"TensorRT: engine for {name} saved to {path}")
            engine = trt.Runtime(self._logger).deserialize_cuda_engine(serialized)
            if engine is None:
                raise RuntimeError(f"TensorRT cannot load {path}; delete it to rebuild the engine")
            # The engine must stay referenced for as long as its execution context is used.
            self._engines[name] = engine
            self._contexts[name] = engine.create_execution_context()

    @staticmethod
    def _input_shapes(
        name: str, row: tuple[int, ...], max_tokens: int, max_batch: int
    ) -> tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...]:
        if name == FUSION:
            return tuple(
                (input_name, (1, *dims), (max_batch, *dims))
                for input_name, dims in (
                    ("tokens", row),
                    ("type_ids", (max_tokens,)),
                    ("mask", (max_tokens,)),
                )
            )
        return (("input", (1, *row), (max_batch, *row)),)

    def _build(
        self,
        onnx_path: Path,
        shapes: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...],
        fp16: bool,
        log: Callable[[str], None],
    ) -> bytes:
        trt = self._trt
        builder = trt.Builder(self._logger)
        network = builder.create_network(0)
        parser = trt.OnnxParser(network, self._logger)
        if not parser.parse(onnx_path.read_bytes()):
            errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
            raise RuntimeError(f"TensorRT cannot parse {onnx_path}: {errors}")
        config = builder.create_builder_config()
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, WORKSPACE_BYTES)
        if fp16:
            config.set_flag(trt.BuilderFlag.FP16)
        profile = builder.create_optimization_profile()
        for input_name, low, high in shapes:
            profile.set_shape(input_name, low, low, high)
        config.add_optimization_profile(profile)
        if hasattr(trt, "IProgressMonitor"):
            config.progress_monitor = _progress_monitor(trt, log)
        serialized = builder.build_serialized_network(network, config)
        if serialized is None:
            raise RuntimeError(f"TensorRT failed to build an engine from {onnx_path}")
        return bytes(serialized)

    def _run(
        self, name: str, inputs: dict[str, np.ndarray], outputs: tuple[str, ...]
    ) -> list[np.ndarray]:
        torch = self._torch
        context = self._contexts[name]
        keep = []  # device buffers must outlive the asynchronous execution
        for input_name, array in inputs.items():
            tensor = torch.from_numpy(np.ascontiguousarray(array)).cuda()
            context.set_input_shape(input_name, tuple(tensor.shape))
            context.set_tensor_address(input_name, tensor.data_ptr())
            keep.append(tensor)
        results = []
        for output in outputs:
            shape = tuple(context.get_tensor_shape(output))
            results.append(torch.empty(shape, dtype=torch.float32, device="cuda"))
            context.set_tensor_address(output, results[-1].data_ptr())
        with torch.cuda.stream(self._stream):
            if not context.execute_async_v3(self._stream.cuda_stream):
                raise RuntimeError(f"TensorRT execution of {name} failed")
        self._stream.synchronize()
        return [result.cpu().numpy() for result in results]

    def encode(self, modality: str, batch: np.ndarray) -> np.ndarray:
        return self._run(modality, {"input": batch}, ("embedding",))[0]

    def fuse(
        self, tokens: np.ndarray, type_ids: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        inputs = {"tokens": tokens, "type_ids": type_ids.astype(np.int64), "mask": mask}
        fused, weights = self._run(FUSION, inputs, FUSION_OUTPUTS)
        return fused, weights


def _progress_monitor(trt, log: Callable[[str], None]):
    """Logs TensorRT's build phases, so a minutes-long build on a Jetson shows it is alive."""

    class BuildProgress(trt.IProgressMonitor):
        def phase_start(self, phase_name, parent_phase, num_steps):
            log(f"TensorRT build: {phase_name} ({num_steps} steps)")

        def step_complete(self, phase_name, step):
            return True  # keep building

        def phase_finish(self, phase_name):
            pass

    return BuildProgress()
