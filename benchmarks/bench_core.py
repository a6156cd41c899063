"""Per-modality preprocessing and encoding latency of the default model, on one CPU core.

    python benchmarks/bench_core.py [--repeats 50] [--bundle PATH]

For each sensor modality: preprocess one raw sample at a typical sensor size, then encode
it (batch of one, torch, inference mode). Also fusion of all six embeddings and embedding a
ten-label vocabulary with the text teacher. Prints median and p90 milliseconds and writes
benchmarks/results/core.json. Without a bundle, a randomly initialised default model is used:
latency does not depend on the weights.
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import numpy as np
import torch
from bench_preprocess import timings_ms, typical_samples

from omnibind_ros.bench_cli import save_results
from omnibind_ros.core.bundle import load_bundle
from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.paths import default_bundle_path

RESULTS = Path(__file__).resolve().parent / "results" / "core.json"
LABELS = ["person", "dog", "car", "fan", "kettle", "fire", "door", "window", "chair", "bicycle"]


def build_model(bundle: str | None) -> tuple[OmniBindModel, str]:
    path = Path(bundle) if bundle else default_bundle_path()
    if path.is_file():
        return load_bundle(path), str(path)
    if bundle:
        raise SystemExit(f"no bundle at {path}")
    return OmniBindModel(ModelConfig(), LABELS), "default config, random weights"


def measure(model: OmniBindModel, repeats: int) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    embeddings = []
    for modality, raw in typical_samples().items():
        if modality not in model.modalities:
            continue
        inputs = model.preprocess(modality, raw)[None]
        embeddings.append((modality, model.encode_batch(modality, inputs)[0]))
        pre = timings_ms(lambda m=modality, r=raw: model.preprocess(m, r), repeats)
        enc = timings_ms(lambda m=modality, x=inputs: model.encode_batch(m, x), repeats)
        rows[modality] = {
            "preprocess_median_ms": pre[0],
            "preprocess_p90_ms": pre[1],
            "encode_median_ms": enc[0],
            "encode_p90_ms": enc[1],
            "input_shape": list(model.input_shape(modality)),
        }
    fuse = timings_ms(lambda: model.fuse(embeddings), repeats)
    rows["fusion"] = {"median_ms": fuse[0], "p90_ms": fuse[1], "tokens": len(embeddings)}
    prompts = [model.label_bank.template.format(label) for label in LABELS]
    text = timings_ms(lambda: model.text_encoder.encode(prompts), max(5, repeats // 5))
    rows["text_10_labels"] = {"median_ms": text[0], "p90_ms": text[1]}
    return rows


def render(rows: dict[str, dict[str, float]]) -> str:
    lines = [f"{'modality':<10}{'input':>14}{'preprocess ms':>22}{'encode ms':>22}"]
    lines.append(f"{'':<10}{'':>14}{'median':>11}{'p90':>11}{'median':>11}{'p90':>11}")
    for modality, row in rows.items():
        if "input_shape" not in row:
            continue
        shape = "x".join(map(str, row["input_shape"]))
        lines.append(
            f"{modality:<10}{shape:>14}{row['preprocess_median_ms']:>11.2f}"
            f"{row['preprocess_p90_ms']:>11.2f}{row['encode_median_ms']:>11.2f}"
            f"{row['encode_p90_ms']:>11.2f}"
        )
    fusion, text = rows["fusion"], rows["text_10_labels"]
    lines.append(
        f"fusion of {fusion['tokens']} embeddings: median {fusion['median_ms']:.2f} ms, "
        f"p90 {fusion['p90_ms']:.2f} ms"
    )
    lines.append(
        f"text teacher, 10 labels: median {text['median_ms']:.1f} ms, p90 {text['p90_ms']:.1f} ms"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--bundle", help="model bundle (default: the shipped one if present)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(1)

    model, source = build_model(args.bundle)
    rows = measure(model, args.repeats)
    print(f"model: {source}; torch {torch.__version__}, 1 thread, {args.repeats} runs each")
    print(render(rows))
    report = {
        "model": source,
        "repeats": args.repeats,
        "threads": 1,
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "torch": str(torch.__version__),
            "numpy": np.__version__,
        },
        "results": rows,
    }
    save_results(args.output, report)


if __name__ == "__main__":
    main()
