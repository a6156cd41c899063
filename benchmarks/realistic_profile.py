"""The realistic model profile (config/profiles/realistic.yaml): a bundle of it, and batch-1
latency of its graphs through a chosen backend.

The bundle has random weights (timing only) and is built once into ``--work-dir`` (a
ViT-B/32 image tower and text tower: about 680 MB); a later run reuses it while the profile's
YAML is unchanged.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from bench_preprocess import timings_ms

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "config" / "profiles" / "realistic.yaml"
LABELS = ["person", "dog", "car", "bicycle", "chair", "kettle", "fan", "campfire", "wall", "cat"]


def build_bundle(work_dir: Path) -> Path:
    """The profile's bundle in ``work_dir`` (built on first use, ~1-2 min on 2 cores)."""
    import torch
    import yaml

    from omnibind_ros.core.bundle import save_bundle
    from omnibind_ros.core.config import ModelConfig
    from omnibind_ros.core.model import OmniBindModel

    text = PROFILE.read_text()
    path = Path(work_dir) / f"realistic-{hashlib.sha256(text.encode()).hexdigest()[:12]}.omnibind"
    if path.is_file():
        return path
    torch.manual_seed(0)
    model = OmniBindModel(ModelConfig.from_dict(yaml.safe_load(text)), LABELS,
                          load_pretrained=False)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    return save_bundle(model, path, meta={"profile": str(PROFILE.relative_to(ROOT))})


def graph_latency_ms(model, repeats: int = 30) -> dict[str, dict[str, float]]:
    """Median and p90 ms of each encoder (batch 1, preprocessed input) and of a six-token
    fusion, through ``model.runner``; ``max_abs_diff`` is filled in by the caller."""
    from omnibind_ros.core.fusion_inputs import pack_token_arrays

    rng = np.random.default_rng(0)
    rows: dict[str, dict[str, float]] = {}
    outputs = {}
    for modality in model.modalities:
        batch = rng.standard_normal((1, *model.input_shape(modality))).astype(np.float32)
        outputs[modality] = model.runner.encode(modality, batch)
        rows[modality] = _timed(lambda m=modality, b=batch: model.runner.encode(m, b), repeats)
    packed = pack_token_arrays(
        [(m, outputs[m][0]) for m in model.modalities], model.config.fusion.max_tokens
    )
    rows["fusion"] = _timed(lambda: model.runner.fuse(*packed), repeats)
    for modality, out in outputs.items():
        rows[modality]["_output"] = out  # for cross-backend agreement checks
    return rows


def _timed(call, repeats: int) -> dict[str, float]:
    median, p90 = timings_ms(call, repeats)
    return {"median_ms": round(median, 3), "p90_ms": round(p90, 3)}


def agreement(rows: dict, reference: dict) -> dict:
    """Per graph, the largest absolute difference of the embeddings from ``reference``'s, and
    the rows without their raw outputs (ready for JSON)."""
    clean = {}
    for graph, row in rows.items():
        clean[graph] = {k: v for k, v in row.items() if k != "_output"}
        out, ref = row.get("_output"), reference.get(graph, {}).get("_output")
        if out is not None and ref is not None:
            clean[graph]["max_abs_diff"] = float(np.abs(out - ref).max())
    return clean
