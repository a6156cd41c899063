"""A model run from its lean export: onnxruntime graphs and numpy, no torch in the process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from omnibind_ros.core.errors import BundleError
from omnibind_ros.core.inference_model import InferenceModel, ModelSpec
from omnibind_ros.core.labels import LabelBank
from omnibind_ros.lean.export_cache import ensure_lean_export, read_lean_file
from omnibind_ros.lean.text import lean_text_teacher
from omnibind_ros.runtime.onnxruntime_runner import OnnxRuntimeRunner


class LeanModel(InferenceModel):
    """The inference contract of ``OmniBindModel`` (encode, fuse, rank, predict, labels) over
    a lean export directory."""

    def __init__(self, directory: Path, *, device: str = "cpu", threads: int = 1) -> None:
        description = read_lean_file(directory)
        if description is None:
            raise BundleError(f"{directory} is not a finished lean export: delete it to redo it")
        self.directory = Path(directory)
        self.spec = ModelSpec.from_dict(description["spec"])
        try:
            self.runner = OnnxRuntimeRunner(directory, device=device, threads=threads)
        except Exception as error:  # onnxruntime reports a damaged graph as many types
            raise BundleError(
                f"lean export {directory} cannot be loaded ({error}); delete it to redo it"
            ) from error
        teacher = lean_text_teacher(self.directory.parent / description["text_export"], threads)
        self.label_bank = LabelBank(
            teacher, description["labels"], description["template"], description["templates"]
        )


def load_lean_model(
    bundle: Path,
    cache_dir: Path,
    *,
    device: str = "cpu",
    threads: int = 1,
    log: Callable[[str], None] = lambda message: None,
) -> LeanModel:
    """``bundle`` ready to run without torch (its lean export made first if not cached)."""
    return LeanModel(ensure_lean_export(bundle, cache_dir, log), device=device, threads=threads)
