"""Write a bundle's lean export: every encoder and the fusion module (``onnx_export``) and
``lean.json`` (the model's spec, labels and prompt templates), beside the text teacher's
export (``text_export``), which bundles of the same teacher share.

    python -m omnibind_ros.runtime.lean_export BUNDLE OUT_DIR

``omnibind_ros.lean`` runs the result without torch; ``ensure_lean_export`` calls this in a
process of its own. A bundle that cannot be exported exits 2 with one line on stderr; one the
lean runtime cannot serve (its text teacher is not MiniLM) exits 3.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from omnibind_ros.core.bundle import load_bundle
from omnibind_ros.core.errors import BundleError, ConfigError
from omnibind_ros.core.text import MiniLMTextTeacher
from omnibind_ros.lean.export_cache import (
    LEAN_FILE,
    LEAN_LAYOUT,
    UNSUPPORTED_EXIT,
    LeanUnsupportedError,
    read_lean_file,
    text_export_name,
)
from omnibind_ros.lean.text import TEXT_META
from omnibind_ros.runtime.atomic_dir import replace_dir
from omnibind_ros.runtime.onnx_export import export_model_onnx
from omnibind_ros.runtime.text_export import export_text_onnx


def write_lean_export(bundle: Path, out_dir: Path) -> Path:
    """Export ``bundle`` into ``out_dir``, atomically: a reader sees all of it or none."""
    bundle, out_dir = Path(bundle), Path(out_dir)
    model = load_bundle(bundle)
    if not isinstance(model.text_encoder, MiniLMTextTeacher):
        raise LeanUnsupportedError(
            f"{bundle}: the lean runtime runs the minilm text teacher only, this model uses "
            f"{model.config.text.provider!r}"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        export_model_onnx(model, staging)
        teacher_sha = model.text_encoder.identity()["weights_sha256"]
        text_dir = out_dir.parent / text_export_name(teacher_sha)
        if not (text_dir / TEXT_META).is_file():  # the text export appears whole or not at all
            export_text_onnx(model.text_encoder, text_dir)
        bank = model.label_bank
        description = {
            "layout": LEAN_LAYOUT,
            "bundle": str(bundle.resolve()),
            "spec": model.spec.to_dict(),
            "text_export": text_dir.name,
            "labels": bank.labels,
            "template": bank.template,
            "templates": bank.templates,
        }
        (staging / LEAN_FILE).write_text(json.dumps(description, indent=2, sort_keys=True))
        # Another process may have finished it meanwhile: that one stays. An unfinished or
        # earlier-layout export is replaced whole.
        if read_lean_file(out_dir) is None:
            replace_dir(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m omnibind_ros.runtime.lean_export BUNDLE OUT_DIR", file=sys.stderr)
        return 2
    try:
        write_lean_export(Path(args[0]), Path(args[1]))
    except LeanUnsupportedError as error:
        print(error, file=sys.stderr)
        return UNSUPPORTED_EXIT
    except (BundleError, ConfigError) as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
