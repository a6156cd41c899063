"""Export a model's encoders and fusion module to ONNX, with a manifest that identifies them."""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from omnibind_ros.core.errors import BundleError
from omnibind_ros.core.fusion import export_fusion_onnx
from omnibind_ros.core.model import OmniBindModel

MANIFEST = "manifest.json"
FUSION = "fusion"
OPSET = 17


@dataclass(frozen=True)
class GraphInfo:
    file: str
    sha256: str
    input_shape: list[int]  # one sample, no batch axis (fusion: tokens of one row)


@dataclass(frozen=True)
class ExportManifest:
    fingerprint: str  # of the model's weights and config: a stale export is detected by it
    embed_dim: int
    max_tokens: int
    opset: int
    graphs: dict[str, GraphInfo]  # modality (or "fusion") -> graph

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def read(cls, directory: str | Path) -> ExportManifest:
        path = Path(directory) / MANIFEST
        try:
            raw = json.loads(path.read_text())
            graphs = {name: GraphInfo(**info) for name, info in raw.pop("graphs").items()}
            return cls(graphs=graphs, **raw)
        except (OSError, ValueError, TypeError, KeyError) as err:
            raise BundleError(
                f"{path}: not a readable ONNX export manifest ({err}); "
                "re-run `omnibind export` to regenerate it"
            ) from err


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
    if intact and manifest.fingerprint == model_fingerprint(model):
        return manifest
    return export_model_onnx(model, out)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
