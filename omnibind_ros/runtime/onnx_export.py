"""Export a model's encoders and fusion module to ONNX, with a manifest that identifies them."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import torch
from torch import nn

from omnibind_ros.core.errors import BundleError
from omnibind_ros.core.fusion import Fusion
from omnibind_ros.core.model import OmniBindModel
from omnibind_ros.runtime.export_manifest import (
    FUSION,
    FUSION_OUTPUTS,
    LAYOUT,
    MANIFEST,
    ExportManifest,
    GraphInfo,
)

OPSET = 17


def model_fingerprint(model: OmniBindModel) -> str:
    """SHA-256 over the config and every encoder and fusion weight, in a fixed order."""
    digest = hashlib.sha256(json.dumps(model.config.to_dict(), sort_keys=True).encode())
    modules: dict[str, nn.Module] = {**model.encoders, FUSION: model.fusion}
    for name in sorted(modules):
        for key, tensor in sorted(modules[name].state_dict().items()):
            digest.update(f"{name}.{key}".encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def export_encoder_onnx(
    encoder: nn.Module, input_shape: tuple[int, ...], path: str | Path, opset: int = OPSET
) -> Path:
    """Export with input ``input`` (B, *input_shape) and output ``embedding`` (B, D)."""
    path = Path(path)
    was_training = encoder.training
    fastpath = torch.backends.mha.get_fastpath_enabled()
    encoder.eval()
    # A frozen nn.MultiheadAttention in eval mode (CLIP's towers) takes torch's fused fast
    # path, whose op (aten::_native_multi_head_attention) has no ONNX export: trace the
    # plain attention instead, which computes the same.
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the legacy exporter says so
            torch.onnx.export(
                encoder,
                (torch.zeros(2, *input_shape),),
                str(path),
                input_names=["input"],
                output_names=["embedding"],
                dynamic_axes={"input": {0: "batch"}, "embedding": {0: "batch"}},
                opset_version=opset,
                dynamo=False,
            )
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        encoder.train(was_training)
    return path


class _FusedAndWeights(nn.Module):
    """The graph inference runs: one attention pass gives both outputs."""

    def __init__(self, fusion: Fusion) -> None:
        super().__init__()
        self.fusion = fusion

    def forward(self, tokens, type_ids, mask):
        return self.fusion.fused_and_weights(tokens, type_ids, mask)


def export_fusion_onnx(
    module: Fusion, path: str | Path, max_tokens: int | None = None, opset: int = OPSET
) -> Path:
    """Export with inputs tokens (B, K, D), type_ids (B, K) int64, mask (B, K) bool, K fixed,
    and outputs ``FUSION_OUTPUTS``."""
    max_tokens = max_tokens or module.max_tokens
    path = Path(path)
    graph = _FusedAndWeights(module)
    example = (
        torch.randn(2, max_tokens, module.embed_dim),
        torch.zeros(2, max_tokens, dtype=torch.long),
        torch.ones(2, max_tokens, dtype=torch.bool),
    )
    was_training = module.training
    module.eval()
    try:
        with warnings.catch_warnings():
            # MultiheadAttention's shape assertions trip the tracer's "tensor to Python bool"
            # warning, and the legacy exporter warns that it is legacy; neither affects the graph
            # (tests compare onnxruntime with torch at batch sizes other than the example's).
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(
                graph,
                example,
                str(path),
                input_names=["tokens", "type_ids", "mask"],
                output_names=list(FUSION_OUTPUTS),
                dynamic_axes={
                    name: {0: "batch"} for name in ("tokens", "type_ids", "mask", *FUSION_OUTPUTS)
                },
                opset_version=opset,
                dynamo=False,
            )
    finally:
        module.train(was_training)
    _restore_unused_inputs(path, max_tokens, module.embed_dim)
    return path


def _restore_unused_inputs(path: Path, max_tokens: int, embed_dim: int) -> None:
    """The exporter drops inputs a graph never reads (``mean`` ignores type_ids); put them back
    so every fusion graph has the same three inputs and runtimes can feed any of them alike."""
    import onnx

    model = onnx.load(str(path))
    declared = {i.name for i in model.graph.input}
    specs = {
        "tokens": (onnx.TensorProto.FLOAT, ["batch", max_tokens, embed_dim]),
        "type_ids": (onnx.TensorProto.INT64, ["batch", max_tokens]),
        "mask": (onnx.TensorProto.BOOL, ["batch", max_tokens]),
    }
    missing = [name for name in specs if name not in declared]
    if not missing:
        return
    for name in missing:
        model.graph.input.append(onnx.helper.make_tensor_value_info(name, *specs[name]))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def export_model_onnx(model: OmniBindModel, out_dir: str | Path) -> ExportManifest:
    """Write ``<modality>.onnx`` for every encoder, ``fusion.onnx`` and ``manifest.json``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    previous_device = model.device
    model.to("cpu")  # export traces on CPU; the graphs are device-neutral
    try:
        graphs: dict[str, GraphInfo] = {}
        for modality in model.modalities:
            shape = model.input_shape(modality)
            path = export_encoder_onnx(model.encoders[modality], shape, out / f"{modality}.onnx")
            graphs[modality] = GraphInfo(path.name, _sha256(path), list(shape))
        max_tokens = model.config.fusion.max_tokens
        path = export_fusion_onnx(model.fusion, out / f"{FUSION}.onnx", max_tokens, OPSET)
        graphs[FUSION] = GraphInfo(path.name, _sha256(path), [max_tokens, model.embed_dim])
    finally:
        model.to(previous_device)
    manifest = ExportManifest(
        fingerprint=model_fingerprint(model),
        embed_dim=model.embed_dim,
        max_tokens=max_tokens,
        opset=OPSET,
        graphs=graphs,
        layout=LAYOUT,
    )
    (out / MANIFEST).write_text(manifest.to_json())
    return manifest


def ensure_export(model: OmniBindModel, out_dir: str | Path) -> ExportManifest:
    """The export in ``out_dir`` if it matches the model's weights and files, else a fresh one."""
    out = Path(out_dir)
    try:
        manifest = ExportManifest.read(out)
    except BundleError:
        return export_model_onnx(model, out)
    intact = all(
        (out / g.file).is_file() and _sha256(out / g.file) == g.sha256
        for g in manifest.graphs.values()
    )
    current = manifest.layout == LAYOUT and manifest.fingerprint == model_fingerprint(model)
    if intact and current:
        return manifest
    return export_model_onnx(model, out)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
