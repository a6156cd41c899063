"""The lean CPU runtime: a bundle's ONNX export run without torch gives the torch model's
answers, is made once per bundle, and a bad bundle fails in one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from core_fixtures import LABELS, TINY_CLIP, raw_samples
from fixtures_model import untrained_model

from omnibind_ros.core.bundle import save_bundle
from omnibind_ros.core.config import ModelConfig
from omnibind_ros.core.errors import BundleError
from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.lean.export_cache import (
    LeanUnsupportedError,
    ensure_lean_export,
    lean_export_dir,
)
from omnibind_ros.lean.model import LeanModel, load_lean_model
from omnibind_ros.runtime.loading import load_model


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    torch.manual_seed(3)
    model = untrained_model()
    with torch.no_grad():  # weights away from their init, so every graph matters
        for parameter in [*model.encoders.parameters(), *model.fusion.parameters()]:
            parameter.add_(0.05 * torch.randn_like(parameter))
    return save_bundle(model, tmp_path_factory.mktemp("bundle") / "model.omnibind")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def lean(bundle, cache) -> LeanModel:
    return load_lean_model(bundle, cache)


def test_lean_predictions_equal_the_torch_models(bundle, lean) -> None:
    reference = load_model(bundle, "torch", "cpu")
    for seed in range(3):
        samples = raw_samples(seed)
        got, expected = lean.predict(samples), reference.predict(samples)
        np.testing.assert_allclose(got.fused, expected.fused, atol=1e-5)
        assert got.weights == pytest.approx(expected.weights, abs=1e-5)
        assert [label for label, _ in got.top_k] == [label for label, _ in expected.top_k]
        assert got.per_modality.keys() == expected.per_modality.keys()
        for modality, (label, score) in expected.per_modality.items():
            assert got.per_modality[modality][0] == label
            assert got.per_modality[modality][1] == pytest.approx(score, abs=1e-5)


def test_new_labels_are_embedded_by_the_onnx_text_teacher_as_by_torch(bundle, lean) -> None:
    reference = load_model(bundle, "torch", "cpu")
    labels = ["forklift", "pallet jack", "traffic cone"]
    lean.set_labels(labels)
    reference.set_labels(labels)
    np.testing.assert_allclose(
        lean.label_bank.embeddings, reference.label_bank.embeddings, atol=1e-5
    )
    embedding = reference.encode("image", raw_samples(0)["image"])
    got, expected = lean.classify(embedding, 3), reference.classify(embedding, 3)
    assert [label for label, _ in got] == [label for label, _ in expected]
    assert [score for _, score in got] == pytest.approx([score for _, score in expected])


def test_the_export_is_made_once_per_bundle_and_again_for_a_changed_one(
    bundle, cache, lean, tmp_path
) -> None:
    out = ensure_lean_export(bundle, cache)
    assert out == lean.directory == lean_export_dir(bundle, cache)
    stamp = (out / "lean.json").stat().st_mtime_ns
    assert ensure_lean_export(bundle, cache) == out
    assert (out / "lean.json").stat().st_mtime_ns == stamp  # nothing exported again
    retrained = untrained_model()  # other weights, as after training again
    changed = ensure_lean_export(save_bundle(retrained, tmp_path / "model.omnibind"), cache)
    assert changed != out and (changed / "lean.json").is_file()
    # Both bundles' exports share one copy of the text teacher's.
    texts = [p.name for p in out.parent.iterdir() if p.name.startswith("text-")]
    described = {json.loads((d / "lean.json").read_text())["text_export"] for d in (out, changed)}
    assert described == set(texts) and len(texts) == 1


def test_an_unreadable_bundle_fails_in_one_line_naming_it(cache, tmp_path) -> None:
    broken = tmp_path / "broken.omnibind"
    broken.write_bytes(b"not a bundle")
    with pytest.raises(BundleError) as failure:
        load_lean_model(broken, cache)
    message = str(failure.value)
    assert "\n" not in message and str(broken) in message and "re-copy or re-export" in message
    assert not lean_export_dir(broken, cache).exists()  # nothing half-written is left
    with pytest.raises(BundleError, match="not found"):
        load_lean_model(tmp_path / "missing.omnibind", cache)


def test_an_unfinished_export_directory_is_redone(bundle, cache, lean) -> None:
    out = lean_export_dir(bundle, cache)
    (out / "lean.json").unlink()  # as if the exporting process had been killed
    assert ensure_lean_export(bundle, cache) == out
    redone, samples = LeanModel(out), raw_samples(1)
    np.testing.assert_array_equal(redone.predict(samples).fused, lean.predict(samples).fused)


def test_a_bundle_whose_text_teacher_has_no_lean_form_runs_on_onnxruntime_via_torch(
    cache, tmp_path
) -> None:
    config = ModelConfig.from_dict(
        {
            "embed_dim": 32,
            "encoders": {"image": {"arch": {"kind": "open_clip", "clip": TINY_CLIP}}},
            "text": {"provider": "open_clip", "options": {"clip": TINY_CLIP}},
        }
    )
    bundle = save_bundle(OmniBindModel(config, LABELS), tmp_path / "clip.omnibind")
    logged: list[str] = []
    model = load_model(bundle, "auto", "cpu", cache_dir=cache, log=logged.append)
    assert model.runner.name == "onnxruntime" and isinstance(model, OmniBindModel)
    assert any("minilm text teacher only" in line for line in logged)
    # Remembered: the next start goes straight to torch, without an export attempt.
    with pytest.raises(LeanUnsupportedError, match="open_clip"):
        ensure_lean_export(bundle, cache)
    assert not lean_export_dir(bundle, cache).exists()


# The node's CPU path end to end in a fresh process: load, encode every modality, fuse, and
# embed a label no cache holds; torch must never be imported.
PROBE = """
import sys
from pathlib import Path
sys.path.insert(0, {test_dir!r})
import omnibind_ros.ros.perception_node
from omnibind_ros.runtime.loading import load_model
from core_fixtures import raw_samples
model = load_model(Path({bundle!r}), "auto", "cpu", cache_dir=Path({cache!r}))
model.set_labels(["a label nobody embedded before"])
print(model.predict(raw_samples(0)).top_k[0][0])
print(sorted(m for m in ("torch", "transformers") if m in sys.modules))
"""


def test_the_cpu_node_path_never_imports_torch(bundle, cache, lean) -> None:
    code = PROBE.format(test_dir=str(Path(__file__).parent), bundle=str(bundle), cache=str(cache))
    # Its own prompt cache: the new label is embedded by the ONNX text teacher, not looked up.
    env = {**os.environ, "OMNIBIND_CACHE_DIR": str(cache / "probe")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    label, imported = done.stdout.strip().splitlines()[-2:]
    assert label.startswith("a label nobody embedded")
    assert imported == "[]"


BLAS_PROBE = """
from pathlib import Path
from threadpoolctl import threadpool_info
from omnibind_ros.runtime.loading import load_model
load_model(Path({bundle!r}), "auto", "cpu", cache_dir=Path({cache!r}), blas_threads=1)
print(sorted({{pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}}))
"""


def test_the_blas_thread_count_is_set_as_asked(bundle, cache, lean) -> None:
    code = BLAS_PROBE.format(bundle=str(bundle), cache=str(cache))
    # Told nothing, numpy's BLAS takes a thread per core; the node asks for threads.blas.
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[1]"
