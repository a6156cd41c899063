"""Fusion exports to ONNX with a fixed maximum token count and a mask; onnxruntime agrees."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from omnibind_ros.core.fusion import FUSION_KINDS, build_fusion
from omnibind_ros.runtime.onnx_export import export_fusion_onnx

D = 64
MAX_TOKENS = 8


CASES = [(kind, {"heads": 4} if kind == "adaptive" else {}) for kind in FUSION_KINDS]
CASES.append(("adaptive", {"heads": 4, "reliability": True}))
CASES.append(("adaptive", {"heads": 4, "reliability": True, "values": "tokens"}))


@pytest.mark.parametrize(("kind", "params"), CASES)
def test_onnx_fusion_matches_torch_on_random_subsets(kind: str, params: dict, tmp_path) -> None:
    torch.manual_seed(1)
    module = build_fusion(kind, D, MAX_TOKENS, params)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    module.eval()
    path = export_fusion_onnx(module, tmp_path / f"{kind}.onnx", MAX_TOKENS)

    rng = np.random.default_rng(0)
    batch = 16
    tokens = rng.normal(size=(batch, MAX_TOKENS, D)).astype(np.float32)
    type_ids = rng.integers(0, 6, (batch, MAX_TOKENS)).astype(np.int64)
    counts = rng.integers(1, MAX_TOKENS + 1, batch)
    mask = np.arange(MAX_TOKENS)[None, :] < counts[:, None]
    rng.permuted(mask, axis=1, out=mask)  # present tokens anywhere, not only first
    tokens[~mask] = 1e3  # padding content must not matter in the graph either

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    onnx_out, onnx_weights = session.run(
        None, {"tokens": tokens, "type_ids": type_ids, "mask": mask}
    )
    with torch.no_grad():
        inputs = [torch.from_numpy(a) for a in (tokens, type_ids, mask)]
        torch_out = module(*inputs).numpy()
        torch_weights = module.token_weights(*inputs).numpy()
    # One graph run gives what forward and token_weights give separately in torch.
    np.testing.assert_allclose(onnx_out, torch_out, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(onnx_out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(onnx_weights, torch_weights, atol=1e-5)
    # The node fuses one set at a time: batch 1 must run through the same graph.
    single, single_weights = session.run(
        None, {"tokens": tokens[:1], "type_ids": type_ids[:1], "mask": mask[:1]}
    )
    np.testing.assert_allclose(single, torch_out[:1], atol=1e-5)
    np.testing.assert_allclose(single_weights, torch_weights[:1], atol=1e-5)


@pytest.mark.parametrize("kind", FUSION_KINDS)
def test_every_fusion_graph_has_the_same_three_inputs(kind: str, tmp_path) -> None:
    module = build_fusion(kind, D, MAX_TOKENS, {"heads": 4} if kind == "adaptive" else {})
    graph = onnx.load(str(export_fusion_onnx(module, tmp_path / "f.onnx", MAX_TOKENS))).graph
    inputs = {i.name: i.type.tensor_type for i in graph.input}
    assert set(inputs) == {"tokens", "type_ids", "mask"}
    assert inputs["type_ids"].elem_type == onnx.TensorProto.INT64
    assert inputs["mask"].elem_type == onnx.TensorProto.BOOL
    assert inputs["tokens"].shape.dim[1].dim_value == MAX_TOKENS
    assert [o.name for o in graph.output] == ["fused", "weights"]
