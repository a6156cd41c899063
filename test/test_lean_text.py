"""The torch-free text teacher: MiniLM's lean export (ONNX + Rust tokenizer) gives the
transformers teacher's embeddings, shares its prompt cache, and imports neither torch nor
transformers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from omnibind_ros.core.errors import BundleError
from omnibind_ros.core.prompt_cache import PromptCache
from omnibind_ros.core.text import MiniLMTextTeacher, minilm_model_dir, shared_minilm
from omnibind_ros.lean.text import OnnxTextTeacher, lean_text_teacher
from omnibind_ros.runtime.text_export import export_text_onnx

# Far past max_length (256 tokens): only truncation keeps it inside BERT's 512 positions.
LONG = " ".join(f"a thermal camera sees warm kettle number {i}" for i in range(120))
CASES = {
    "short": ["a photo of a dog"],
    "truncated": [LONG],
    "unicode": ["Ünïcödé café, 北京の夜 🚒 — naïve façade ✓"],
    "empty-ish": ["", " ", "a"],
    "mixed lengths": ["x", LONG, "a person next to a warm kettle", "日本語のテキスト"],
}
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def reference() -> MiniLMTextTeacher:
    """The transformers teacher with no prompt cache: every row comes from BERT itself."""
    return MiniLMTextTeacher(minilm_model_dir())


@pytest.fixture(scope="module")
def export_dir(reference, tmp_path_factory) -> Path:
    return export_text_onnx(reference, tmp_path_factory.mktemp("lean") / "text")


@pytest.fixture(scope="module")
def lean(export_dir) -> OnnxTextTeacher:
    return OnnxTextTeacher(export_dir)


@pytest.mark.parametrize("texts", CASES.values(), ids=CASES.keys())
def test_onnx_embeddings_equal_the_transformers_teachers(reference, lean, texts) -> None:
    expected = reference.encode(texts).numpy()
    got = lean.encode(texts)
    assert got.dtype == np.float32 and got.shape == (len(texts), 384)
    np.testing.assert_allclose(got, expected, atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)


def test_padding_in_a_batch_does_not_change_any_prompts_embedding(lean) -> None:
    texts = CASES["mixed lengths"]
    alone = np.concatenate([lean.encode([t]) for t in texts])
    np.testing.assert_allclose(lean.encode(texts), alone, atol=TOLERANCE, rtol=0)


def test_the_export_carries_the_torch_teachers_identity(lean) -> None:
    assert lean.identity() == shared_minilm().identity()
    assert lean.embed_dim == 384


def test_threads_encoding_at_once_get_the_serial_answers(export_dir, lean) -> None:
    texts = [f"a photo of object {i}" for i in range(8)]
    expected = lean.encode(texts)
    shared = OnnxTextTeacher(export_dir)  # loaded by whichever thread comes first
    got: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        got[i] = shared.encode([texts[i]])[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    np.testing.assert_allclose(np.stack([got[i] for i in range(8)]), expected, atol=TOLERANCE)


def test_a_missing_export_dir_says_to_re_export(tmp_path) -> None:
    with pytest.raises(BundleError, match=r"text\.json is missing; re-export it with"):
        OnnxTextTeacher(tmp_path / "nowhere")


@pytest.mark.parametrize("damage", ["json", "graph_missing", "graph_corrupt", "tokenizer"])
def test_a_damaged_export_gives_a_bundle_error_saying_to_re_export(
    export_dir, tmp_path, damage
) -> None:
    broken = tmp_path / "text"
    broken.mkdir()
    for name in ("text.json", "text.onnx", "tokenizer.json"):
        (broken / name).write_bytes((export_dir / name).read_bytes())
    if damage == "json":
        (broken / "text.json").write_text('{"identity": {')
    elif damage == "graph_missing":
        (broken / "text.onnx").unlink()
    elif damage == "graph_corrupt":
        (broken / "text.onnx").write_bytes(b"\x00 half an onnx file")
    else:
        (broken / "tokenizer.json").write_text("[]")
    with pytest.raises(BundleError, match="re-export it with") as error:
        # A file only read on the first uncached prompt fails there, with the same message.
        OnnxTextTeacher(broken).encode(["a photo of a dog"])
    assert "\n" not in str(error.value)


def test_a_cached_prompt_is_answered_without_creating_the_session(export_dir, tmp_path) -> None:
    path = tmp_path / "minilm.npz"
    first = OnnxTextTeacher(export_dir, prompt_cache=PromptCache(path))
    computed = first.encode(["a photo of a dog", "a photo of a cat"])
    assert first.loaded
    second = OnnxTextTeacher(export_dir, prompt_cache=PromptCache(path))
    np.testing.assert_array_equal(second.encode(["a photo of a cat"]), computed[1:])
    assert second.encode([]).shape == (0, 384)
    assert not second.loaded


def test_lean_and_torch_teachers_share_one_prompt_cache(export_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("OMNIBIND_CACHE_DIR", str(tmp_path))
    torch_teacher = shared_minilm.__wrapped__()  # a fresh one, on this test's cache dir
    from_torch = torch_teacher.encode(["a photo of a bicycle"]).numpy()
    lean = lean_text_teacher(export_dir)
    np.testing.assert_array_equal(lean.encode(["a photo of a bicycle"]), from_torch)
    assert not lean.loaded
    # And the other way round: a prompt the lean teacher embedded, a new torch teacher reuses.
    from_lean = lean.encode(["a photo of a scooter"])
    again = shared_minilm.__wrapped__()
    np.testing.assert_array_equal(again.encode(["a photo of a scooter"]).numpy(), from_lean)
    assert not again.loaded


GUARD = """
import json, sys
from pathlib import Path
from omnibind_ros.lean.text import lean_text_teacher
teacher = lean_text_teacher(Path(sys.argv[1]))
vectors = teacher.encode(["a prompt no cache has seen"])
print(json.dumps({
    "loaded": teacher.loaded,
    "shape": list(vectors.shape),
    "heavy": sorted(m for m in ("torch", "transformers") if m in sys.modules),
}))
"""


def test_the_lean_teacher_encodes_without_importing_torch_or_transformers(
    export_dir, tmp_path
) -> None:
    env = {**os.environ, "OMNIBIND_CACHE_DIR": str(tmp_path)}  # an empty cache: a real miss
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(GUARD), str(export_dir)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report == {"loaded": True, "shape": [1, 384], "heavy": []}
