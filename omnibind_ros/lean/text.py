"""The MiniLM text teacher without torch: its lean export run with onnxruntime and tokenizers.

``omnibind_ros.runtime.text_export.export_text_onnx`` writes the export (``text.onnx``,
``tokenizer.json``, ``text.json``); this module only reads it, and imports numpy,
onnxruntime and the Rust ``tokenizers`` library, never torch or transformers. It shares the
torch teacher's prompt cache, so prompts embedded by either are reused by both.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from omnibind_ros.core.errors import BundleError
from omnibind_ros.core.prompt_cache import PromptCache, encode_through, minilm_prompt_cache
from omnibind_ros.runtime.onnxruntime_runner import session_options

TEXT_GRAPH = "text.onnx"
TOKENIZER = "tokenizer.json"
TEXT_META = "text.json"
_FIX = "re-export it with omnibind_ros.runtime.text_export.export_text_onnx"


class OnnxTextTeacher:
    """Strings in, (N, D) L2-normalised float32 rows out, as ``MiniLMTextTeacher.encode``.

    The session and tokenizer are created on the first prompt that misses ``prompt_cache``:
    a node whose labels are cached starts without them.
    """

    def __init__(
        self, directory: Path, *, threads: int = 1, prompt_cache: PromptCache | None = None
    ) -> None:
        self._directory = Path(directory)
        self._threads = threads
        self._prompt_cache = prompt_cache
        meta = _read_meta(self._directory)
        self._identity: dict = meta["identity"]
        self._max_length = int(meta["max_length"])
        self._pad_token = str(meta["pad_token"])
        self.embed_dim = int(meta["embed_dim"])
        # Fail now rather than on the first new label, possibly long after startup.
        for name in (TEXT_GRAPH, TOKENIZER):
            if not (self._directory / name).is_file():
                raise BundleError(f"lean text export {self._directory}: {name} is missing; {_FIX}")
        # As MiniLMTextTeacher: one lock for loading and for the tokenizer, which is not
        # re-entrant; onnxruntime's run() is thread-safe and stays outside it.
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    @property
    def loaded(self) -> bool:
        """Whether the onnxruntime session and tokenizer exist (a prompt missed the cache)."""
        return self._session is not None

    def identity(self) -> dict:
        """The identity of the torch teacher the export came from."""
        return dict(self._identity)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        cached = encode_through(self._prompt_cache, texts, self._encode_with_onnx)
        if not texts:
            return np.empty((0, self.embed_dim), np.float32)
        return np.stack([cached[t] for t in texts]).astype(np.float32, copy=False)

    def _encode_with_onnx(self, texts: list[str]) -> np.ndarray:
        session = self._load()
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], np.int64),
        }
        (embedding,) = session.run(["embedding"], feeds)
        return np.asarray(embedding, np.float32)

    def _load(self) -> Any:
        with self._lock:
            if self._session is None:
                self._tokenizer = self._load_tokenizer()
                self._session = self._load_session()
            return self._session

    def _load_tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        path = self._directory / TOKENIZER
        try:
            tokenizer = Tokenizer.from_file(str(path))
        except Exception as error:  # the Rust side raises plain Exception on a bad file
            raise BundleError(f"lean text export {path}: unreadable ({error}); {_FIX}") from None
        pad_id = tokenizer.token_to_id(self._pad_token)
        if pad_id is None:
            raise BundleError(f"lean text export {path}: no {self._pad_token} token; {_FIX}")
        # As transformers calls it for this model (padding=True, truncation=True,
        # max_length): pad on the right to the batch's longest, cut long prompts on the right;
        # the [CLS]/[SEP] the post-processor adds count towards max_length.
        tokenizer.enable_padding(direction="right", pad_id=pad_id, pad_token=self._pad_token)
        tokenizer.enable_truncation(self._max_length, direction="right")
        return tokenizer

    def _load_session(self) -> Any:
        import onnxruntime as ort

        options = session_options(self._threads)
        path = self._directory / TEXT_GRAPH
        try:
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime's errors share no useful base class
            raise BundleError(f"lean text export {path}: unreadable ({error}); {_FIX}") from None


def lean_text_teacher(directory: Path, threads: int = 1) -> OnnxTextTeacher:
    """An OnnxTextTeacher on the prompt cache ``shared_minilm()`` uses for the same weights."""
    identity = _read_meta(Path(directory))["identity"]
    cache = minilm_prompt_cache(str(identity["weights_sha256"]))
    return OnnxTextTeacher(Path(directory), threads=threads, prompt_cache=cache)


def _read_meta(directory: Path) -> dict:
    path = directory / TEXT_META
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError:
        raise BundleError(f"lean text export {directory}: {TEXT_META} is missing; {_FIX}") from None
    except (OSError, ValueError) as error:
        raise BundleError(f"lean text export {path}: unreadable ({error}); {_FIX}") from None
    complete = (
        isinstance(meta, dict)
        and all(key in meta for key in ("max_length", "embed_dim", "pad_token"))
        and "weights_sha256" in (meta.get("identity") or {})
    )
    if not complete:
        raise BundleError(f"lean text export {path}: incomplete; {_FIX}")
    return meta
