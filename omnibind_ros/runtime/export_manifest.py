"""What an ONNX export directory holds, read without torch: the lean runtime and the
onnxruntime and TensorRT runners share it with the exporter (``onnx_export``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from omnibind_ros.core.errors import BundleError

MANIFEST = "manifest.json"
FUSION = "fusion"
# The fusion graph's outputs: (B, D) fused unit embeddings and (B, K) token weights.
FUSION_OUTPUTS = ("fused", "weights")
# Bumped when the graphs' interface changes, so an export cached by an earlier version is
# made again instead of fed wrongly. 2: the fusion graph also outputs the token weights.
LAYOUT = 2


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
    layout: int = 1  # manifests written before the field existed are layout 1

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
