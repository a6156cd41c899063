"""Inference backends: ONNX export, onnxruntime against torch, backend choice, engine cache."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch
from core_fixtures import raw_samples
from fixtures_model import untrained_model

from omnibind_ros.core.bundle import save_bundle
from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.model import OmniBindModel, TorchRunner
from omnibind_ros.runtime.backend_choice import resolve_backend
from omnibind_ros.runtime.backends import attach_backend
from omnibind_ros.runtime.engine_cache import EngineKey, engine_path
from omnibind_ros.runtime.export_manifest import ExportManifest
from omnibind_ros.runtime.onnx_export import ensure_export, export_model_onnx
from omnibind_ros.runtime.onnxruntime_runner import OnnxRuntimeRunner
from omnibind_ros.runtime.tensorrt_runner import tensorrt_unavailable_reason


@pytest.fixture(scope="module")
def model() -> OmniBindModel:
    torch.manual_seed(0)
    return untrained_model()


@pytest.fixture(scope="module")
def export_dir(model, tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx")
    export_model_onnx(model, out)
    return out


def test_onnxruntime_encoders_match_torch_for_every_modality(model, export_dir) -> None:
    runner = OnnxRuntimeRunner(export_dir)
    rng = np.random.default_rng(1)
    for modality in model.modalities:
        batch = rng.standard_normal((3, *model.input_shape(modality))).astype(np.float32)
        expected = TorchRunner(model).encode(modality, batch)
        np.testing.assert_allclose(runner.encode(modality, batch), expected, atol=1e-5)


def test_onnxruntime_predictions_equal_torch_predictions(model, export_dir) -> None:
    samples = raw_samples(2)
    model.runner = TorchRunner(model)
    expected = model.predict(samples)
    model.runner = OnnxRuntimeRunner(export_dir)
    try:
        got = model.predict(samples)
    finally:
        model.runner = TorchRunner(model)
    np.testing.assert_allclose(got.fused, expected.fused, atol=1e-5)
    assert got.weights == pytest.approx(expected.weights, abs=1e-5)
    assert [label for label, _ in got.top_k] == [label for label, _ in expected.top_k]


def test_export_writes_a_manifest_naming_every_graph(model, export_dir) -> None:
    manifest = ExportManifest.read(export_dir)
    assert set(manifest.graphs) == {*model.modalities, "fusion"}
    assert manifest.embed_dim == model.embed_dim
    for graph in manifest.graphs.values():
        assert (export_dir / graph.file).is_file()


def test_ensure_export_reuses_a_matching_export_and_redoes_a_stale_one(tmp_path) -> None:
    torch.manual_seed(1)
    model = untrained_model()
    first = export_model_onnx(model, tmp_path)
    image_file = tmp_path / "image.onnx"
    stamp = image_file.stat().st_mtime_ns
    assert ensure_export(model, tmp_path) == first
    assert image_file.stat().st_mtime_ns == stamp  # nothing re-exported
    with torch.no_grad():
        model.encoders["image"].head.weight.add_(0.5)
    assert ensure_export(model, tmp_path).fingerprint != first.fingerprint
    image_file.write_bytes(b"truncated")
    repaired = ensure_export(model, tmp_path)
    assert OnnxRuntimeRunner(tmp_path).encode(
        "image", np.zeros((1, *model.input_shape("image")), np.float32)
    ).shape == (1, model.embed_dim)
    assert repaired.graphs["image"].sha256 != first.graphs["image"].sha256


def test_ensure_export_redoes_an_export_of_an_earlier_layout(tmp_path) -> None:
    torch.manual_seed(1)
    model = untrained_model()
    current = export_model_onnx(model, tmp_path)
    # A manifest written before the fusion graph gave its weights has no layout field.
    (tmp_path / "manifest.json").write_text(
        current.to_json().replace(f'"layout": {current.layout}', '"layout": 1')
    )
    assert ExportManifest.read(tmp_path).layout == 1
    assert ensure_export(model, tmp_path).layout == current.layout


def test_auto_on_cpu_attaches_onnxruntime_from_the_cache(tmp_path) -> None:
    torch.manual_seed(2)
    model = untrained_model()
    ready = []
    attach_backend(model, "auto", "cpu", cache_dir=tmp_path, on_ready=ready.append)
    assert ready == ["onnxruntime"]
    assert model.runner.name == "onnxruntime"
    assert list((tmp_path / "onnx").iterdir())  # the export landed in the cache


def test_unknown_backend_or_device_is_a_config_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match="onnxruntime"):
        resolve_backend("openvino", "cpu")
    with pytest.raises(ConfigError, match="cuda"):
        resolve_backend("torch", "tpu")


@pytest.mark.skipif(tensorrt_unavailable_reason() is None, reason="TensorRT is available here")
def test_tensorrt_backend_without_tensorrt_fails_with_the_reason(model, tmp_path) -> None:
    with pytest.raises(RuntimeError, match="TensorRT backend unavailable"):
        attach_backend(model, "tensorrt", "cpu", cache_dir=tmp_path)


@pytest.mark.skipif(
    tensorrt_unavailable_reason() is not None,
    reason=f"TensorRT cannot run here: {tensorrt_unavailable_reason()}",
)
def test_tensorrt_engines_match_torch_and_are_cached(model, tmp_path) -> None:
    samples = raw_samples(3)
    model.runner = TorchRunner(model)
    expected = model.predict(samples)
    attach_backend(model, "tensorrt", "cuda", cache_dir=tmp_path)
    got = model.predict(samples)
    np.testing.assert_allclose(got.fused, expected.fused, atol=1e-3)
    assert list((tmp_path / "engines").glob("*.engine"))


def test_engine_key_changes_with_each_thing_that_invalidates_an_engine(tmp_path) -> None:
    key = EngineKey("abc", "10.3", "Orin", "fp16", (("input", (1, 3, 64, 64), (8, 3, 64, 64)),))
    variants = [
        replace(key, onnx_sha256="abd"),
        replace(key, tensorrt_version="10.4"),
        replace(key, gpu="RTX 4090"),
        replace(key, precision="fp32"),
        replace(key, shapes=(("input", (1, 3, 64, 64), (16, 3, 64, 64)),)),
    ]
    digests = {key.digest(), *(v.digest() for v in variants)}
    assert len(digests) == 6
    assert engine_path(tmp_path, "image", key) == engine_path(tmp_path, "image", replace(key))


def test_export_command_writes_onnx_files_from_a_bundle(model, tmp_path) -> None:
    bundle = save_bundle(model, tmp_path / "m.omnibind")
    out = tmp_path / "onnx"
    result = subprocess.run(
        [sys.executable, "-m", "omnibind_ros.cli", "export", "--bundle", str(bundle),
         "--out", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert {p.name for p in out.glob("*.onnx")} == {f"{m}.onnx" for m in model.modalities} | {
        "fusion.onnx"
    }
