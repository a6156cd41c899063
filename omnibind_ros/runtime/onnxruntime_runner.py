"""Runs an ONNX export with onnxruntime (CPU, or CUDA where its execution provider exists)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from omnibind_ros.runtime.export_manifest import FUSION, FUSION_OUTPUTS, ExportManifest

if TYPE_CHECKING:
    import onnxruntime

CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"


def available_providers() -> list[str]:
    import onnxruntime

    return list(onnxruntime.get_available_providers())


def session_options(threads: int) -> onnxruntime.SessionOptions:
    """Options of every session the node runs: it runs encoders beside DDS and other sensors'
    work, so a small, fixed thread count keeps latency steady instead of oversubscribing."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return options


class OnnxRuntimeRunner:
    """One InferenceSession per graph; ``device`` "cuda" uses the CUDA provider, else CPU."""

    name = "onnxruntime"

    def __init__(self, export_dir: str | Path, device: str = "cpu", threads: int = 1) -> None:
        import onnxruntime

        export_dir = Path(export_dir)
        manifest = ExportManifest.read(export_dir)
        providers = [CPU_PROVIDER]
        if device.startswith("cuda"):
            if CUDA_PROVIDER not in available_providers():
                raise RuntimeError(
                    "onnxruntime here has no CUDA execution provider; "
                    "install onnxruntime-gpu or use device 'cpu'"
                )
            providers.insert(0, CUDA_PROVIDER)
        options = session_options(threads)
        self._sessions = {
            name: onnxruntime.InferenceSession(
                str(export_dir / graph.file), options, providers=providers
            )
            for name, graph in manifest.graphs.items()
        }

    def encode(self, modality: str, batch: np.ndarray) -> np.ndarray:
        return self._sessions[modality].run(["embedding"], {"input": batch})[0]

    def fuse(
        self, tokens: np.ndarray, type_ids: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        feeds = {"tokens": tokens, "type_ids": type_ids.astype(np.int64), "mask": mask}
        fused, weights = self._sessions[FUSION].run(list(FUSION_OUTPUTS), feeds)
        return fused, weights
