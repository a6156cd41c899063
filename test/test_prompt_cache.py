"""Prompt embeddings on disk: a second teacher answers from the cache without loading BERT, and
with the same numbers; a damaged cache file is ignored, not fatal."""

from __future__ import annotations

import torch

from omnibind_ros.core.prompt_cache import PromptCache
from omnibind_ros.core.text import MiniLMTextTeacher, minilm_model_dir

PROMPTS = ["a photo of a dog", "a photo of a fire truck"]


def test_a_second_teacher_reads_prompts_from_disk_without_loading_bert(tmp_path) -> None:
    path = tmp_path / "text" / "minilm.npz"
    first = MiniLMTextTeacher(minilm_model_dir(), PromptCache(path))
    computed = first.encode(PROMPTS)
    assert path.is_file()
    second = MiniLMTextTeacher(minilm_model_dir(), PromptCache(path))
    cached = second.encode(list(reversed(PROMPTS)))
    assert not second.loaded  # answered from the cache: transformers never loaded
    torch.testing.assert_close(cached, computed.flip(0))
    # A new prompt loads the model, and lands in the cache next to the old ones.
    assert second.encode(["a photo of a kettle"]).shape == (1, 384)
    assert set(PromptCache(path).lookup([*PROMPTS, "a photo of a kettle"])) == {
        *PROMPTS,
        "a photo of a kettle",
    }


def test_a_damaged_cache_file_is_ignored(tmp_path) -> None:
    path = tmp_path / "minilm.npz"
    path.write_bytes(b"not a zip file")
    teacher = MiniLMTextTeacher(minilm_model_dir(), PromptCache(path))
    reference = MiniLMTextTeacher(minilm_model_dir()).encode(PROMPTS[:1])
    torch.testing.assert_close(teacher.encode(PROMPTS[:1]), reference)
