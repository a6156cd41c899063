"""Encode and fusion latency of each available inference backend, on one CPU thread.

    python benchmarks/bench_backends.py [--repeats 100] [--bundle PATH]

Runs every encoder (batch of one, preprocessed input) and the fusion of six embeddings
through torch and onnxruntime (and TensorRT where a GPU and tensorrt exist), checks that the
backends agree, prints median and p90 milliseconds and writes
benchmarks/results/backends.json. This is what ``backend: auto`` rests on.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
from pathlib import Path

import numpy as np
import torch
from bench_core import build_model
from bench_preprocess import timings_ms

from omnibind_ros.bench_cli import save_results
from omnibind_ros.core.fusion import pack_tokens
from omnibind_ros.runtime.backends import attach_backend
from omnibind_ros.runtime.tensorrt_runner import tensorrt_unavailable_reason

RESULTS = Path(__file__).resolve().parent / "results" / "backends.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--bundle", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    model, source = build_model(args.bundle)
    rng = np.random.default_rng(0)
    inputs = {
        m: rng.standard_normal((1, *model.input_shape(m))).astype(np.float32)
        for m in model.modalities
    }
    backends = [("torch", "cpu"), ("onnxruntime", "cpu")]
    if tensorrt_unavailable_reason() is None:
        backends.append(("tensorrt", "cuda"))
    results: dict[str, dict[str, dict[str, float]]] = {}
    reference: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as cache:
        for backend, device in backends:
            attach_backend(model, backend, device, cache_dir=cache)
            runner = model.runner
            rows = {}
            for modality, batch in inputs.items():
                out = runner.encode(modality, batch)
                reference.setdefault(modality, out)
                error = float(np.abs(out - reference[modality]).max())
                median, p90 = timings_ms(
                    lambda m=modality, b=batch, r=runner: r.encode(m, b), args.repeats
                )
                rows[modality] = {"median_ms": median, "p90_ms": p90, "max_abs_diff": error}
            tokens = [(m, torch.as_tensor(reference[m][0])) for m in model.modalities]
            packed = [t.numpy() for t in pack_tokens(tokens, model.config.fusion.max_tokens)]
            median, p90 = timings_ms(lambda p=packed, r=runner: r.fuse(*p), args.repeats)
            rows["fusion"] = {"median_ms": median, "p90_ms": p90}
            results[backend] = rows
    print(f"model: {source}; one thread, batch 1; milliseconds (median / p90)")
    names = list(results)
    print(f"{'graph':10s}" + "".join(f"{n:>24s}" for n in names))
    for graph in results[names[0]]:
        cells = "".join(
            f"{results[n][graph]['median_ms']:>12.3f} / {results[n][graph]['p90_ms']:<9.3f}"
            for n in names
        )
        print(f"{graph:10s}{cells}")
    save_results(RESULTS, {"model": source, "machine": platform.processor(), "results": results})


if __name__ == "__main__":
    main()
