"""Export the MiniLM text teacher for the lean (torch-free) path: ONNX graph, tokenizer, JSON.

The graph runs BERT, mean pooling over the attention mask and L2 normalisation, so its
``embedding`` output is what ``MiniLMTextTeacher.encode`` returns; ``omnibind_ros.lean.text``
runs it with onnxruntime and the Rust tokenizer.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from pathlib import Path

import torch
from torch import nn

from omnibind_ros.core.text import MiniLMTextTeacher, pooled_unit_embedding
from omnibind_ros.lean.text import TEXT_GRAPH, TEXT_META, TOKENIZER
from omnibind_ros.runtime.atomic_dir import replace_dir

OPSET = 17


class _PooledBert(nn.Module):
    """BERT plus the teacher's pooling, so the graph's output is the final unit embedding."""

    def __init__(self, bert: nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        return pooled_unit_embedding(hidden, attention_mask)


def export_text_onnx(teacher: MiniLMTextTeacher, out_dir: Path) -> Path:
    """Write ``text.onnx``, ``tokenizer.json`` and ``text.json`` into ``out_dir``, atomically."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # The teacher exposes no public handle on its modules; _load() is its own lazy loader.
    bert = teacher._load()
    tokenizer = teacher._tokenizer
    # A staging directory beside out_dir (same file system) becomes out_dir by one rename,
    # so a reader sees either no export or a complete one.
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        _export_graph(bert, staging / TEXT_GRAPH)
        tokenizer.backend_tokenizer.save(str(staging / TOKENIZER))
        meta = {
            "identity": teacher.identity(),
            "max_length": teacher._max_length,
            "embed_dim": teacher.embed_dim,
            "pad_token": tokenizer.pad_token,
        }
        (staging / TEXT_META).write_text(json.dumps(meta, indent=2) + "\n")
        replace_dir(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def _export_graph(bert: nn.Module, path: Path) -> None:
    # Two rows of different lengths, so the traced mask handling is the general one.
    input_ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    attention_mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    token_type_ids = torch.zeros_like(input_ids)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings():
        # transformers' shape checks trip the tracer's "tensor to Python bool" warning, and the
        # legacy exporter warns that it is legacy; neither affects the graph (the tests compare
        # onnxruntime with transformers at other batch sizes and lengths).
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        # transformers builds the padding mask by indexing it with aranges, which are never
        # the negative indices this warning is about.
        warnings.filterwarnings("ignore", "Exporting aten::index operator", UserWarning)
        torch.onnx.export(
            _PooledBert(bert).eval(),
            (input_ids, attention_mask, token_type_ids),
            str(path),
            input_names=names,
            output_names=["embedding"],
            dynamic_axes={
                **{name: {0: "batch", 1: "sequence"} for name in names},
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )
