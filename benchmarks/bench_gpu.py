"""The GPU path in one go (about 10 minutes at most): TensorRT tests, an engine build and its
cache reuse, and batch-1 latency of the realistic profile on torch CUDA, onnxruntime CUDA and
TensorRT FP32/FP16.

    python benchmarks/bench_gpu.py [--work-dir DIR] [--output PATH] [--repeats 50]
    omnibind bench gpu

Each stage runs only where what it needs is present (a CUDA build of torch seeing a GPU; the
``tensorrt`` package; onnxruntime with its CUDA execution provider) and is otherwise recorded
as skipped with the reason; without a GPU the whole check is skipped and exits 0. Results go
to benchmarks/results/gpu.json (or ``--output``), including the TensorRT FP16 speed-up over
torch CUDA eager on the ViT-B/32 image tower.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from realistic_profile import agreement, build_bundle, graph_latency_ms

from omnibind_ros.bench_cli import save_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "gpu.json"
TEST_TIMEOUT_S = 240


def gpu_unavailable_reason() -> str | None:
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        return f"torch {torch.__version__} sees no CUDA GPU"
    return None


def run_tensorrt_tests() -> dict:
    """The TensorRT tests of the suite (they skip themselves where TensorRT cannot run)."""
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "test/test_runtime_backends.py",
               "test/test_node_startup.py", "-k", "tensorrt"]  # fmt: skip
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              timeout=TEST_TIMEOUT_S)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"status": "timed out", "timeout_s": TEST_TIMEOUT_S}
    tail = (done.stdout + done.stderr).strip().splitlines()[-8:]
    return {"returncode": done.returncode, "summary": tail}


def engine_build_and_reuse(bundle: Path, cache: Path) -> dict:
    """Build FP16 engines into an empty cache, then attach again: the second must load them."""
    from omnibind_ros.core.bundle import load_bundle
    from omnibind_ros.runtime.backends import attach_backend

    timings = {}
    for attempt in ("build", "reuse"):
        model = load_bundle(bundle)
        started = time.perf_counter()
        attach_backend(model, "tensorrt", "cuda", cache_dir=cache, fp16=True)
        timings[f"{attempt}_s"] = round(time.perf_counter() - started, 2)
        engines = sorted(p.name for p in (cache / "engines").glob("*.engine"))
        timings[f"engines_after_{attempt}"] = len(engines)
    timings["reused"] = timings["engines_after_build"] == timings["engines_after_reuse"] and (
        timings["reuse_s"] < timings["build_s"] / 2
    )
    return timings


def backend_latencies(bundle: Path, cache: Path, repeats: int) -> dict:
    from omnibind_ros.core.bundle import load_bundle
    from omnibind_ros.runtime.backends import attach_backend
    from omnibind_ros.runtime.onnxruntime_runner import CUDA_PROVIDER, available_providers
    from omnibind_ros.runtime.tensorrt_runner import tensorrt_unavailable_reason

    cases = [("torch CUDA eager", "torch", False, None)]
    ort_reason = None if CUDA_PROVIDER in available_providers() else "no CUDAExecutionProvider"
    cases.append(("onnxruntime CUDA", "onnxruntime", False, ort_reason))
    trt_reason = tensorrt_unavailable_reason()
    cases += [("TensorRT FP32", "tensorrt", False, trt_reason),
              ("TensorRT FP16", "tensorrt", True, trt_reason)]  # fmt: skip
    results: dict[str, dict] = {}
    reference: dict = {}
    for name, backend, fp16, reason in cases:
        if reason:
            results[name] = {"skipped": reason}
            continue
        model = load_bundle(bundle)
        try:
            attach_backend(model, backend, "cuda", cache_dir=cache, fp16=fp16)
            rows = graph_latency_ms(model, repeats)
        except Exception as err:  # report what breaks, keep measuring the others
            results[name] = {"failed": f"{type(err).__name__}: {err}"}
            continue
        reference = reference or rows
        results[name] = agreement(rows, reference)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "omnibind")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    reason = gpu_unavailable_reason()
    if reason:
        print(f"bench gpu: skipped: {reason}")
        return 0
    import torch

    report: dict = {
        "gpu": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "tensorrt_tests": run_tensorrt_tests(),
    }
    started = time.perf_counter()
    bundle = build_bundle(args.work_dir)
    report["bundle_build_s"] = round(time.perf_counter() - started, 1)
    with tempfile.TemporaryDirectory() as cache:
        from omnibind_ros.runtime.tensorrt_runner import tensorrt_unavailable_reason

        trt_reason = tensorrt_unavailable_reason()
        report["engine_cache"] = (
            {"skipped": trt_reason} if trt_reason else engine_build_and_reuse(bundle, Path(cache))
        )
        report["latency_batch1"] = backend_latencies(bundle, Path(cache), args.repeats)
    eager = report["latency_batch1"].get("torch CUDA eager", {}).get("image", {})
    fp16 = report["latency_batch1"].get("TensorRT FP16", {}).get("image", {})
    if "median_ms" in eager and "median_ms" in fp16:
        report["image_tower_tensorrt_fp16_speedup_over_torch_eager"] = round(
            eager["median_ms"] / fp16["median_ms"], 2
        )
    print(json.dumps(report, indent=1))
    save_results(args.output, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
