"""`omnibind info [BUNDLE]`: print what a model bundle holds, without building the model."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from omnibind_ros.core.bundle import BundleContents, read_bundle
from omnibind_ros.core.errors import BundleError, ConfigError
from omnibind_ros.core.preprocess import input_shape
from omnibind_ros.paths import default_bundle_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "info",
        help="show what a model bundle holds",
        description="Print a model bundle's format version, embedding size, encoders, "
        "preprocessing, fusion, text teacher, prompt template and labels.",
    )
    parser.add_argument(
        "bundle",
        nargs="?",
        default=str(default_bundle_path()),
        help="path of a .omnibind bundle (default: the shipped default bundle)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        contents = read_bundle(args.bundle)
        summary = summarise(contents)
    except (BundleError, ConfigError) as error:
        print(f"omnibind info: {error}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2) if args.json else render(summary))
    return 0


def summarise(contents: BundleContents) -> dict[str, Any]:
    """Everything `info` shows, as one JSON-able dict."""
    config = contents.config
    counts = contents.parameter_counts()
    return {
        "path": str(contents.path),
        "file_size_bytes": contents.file_size,
        "format_version": contents.format_version,
        "embed_dim": config.embed_dim,
        "temperature": config.temperature,
        "encoders": {
            m: {
                "arch": config.encoders[m].arch,
                "weights": counts[f"encoder:{m}"],
                "input_shape": list(input_shape(m, config.encoders[m].preprocess)),
                "preprocess": config.encoders[m].preprocess,
            }
            for m in config.modalities
        },
        "fusion": {
            "kind": config.fusion.kind,
            "max_tokens": config.fusion.max_tokens,
            "params": config.fusion.params,
            "weights": counts["fusion"],
        },
        "text": {
            "provider": config.text.provider,
            "template": config.text.template,
            "teacher": contents.text_teacher,
            "weights_in_bundle": counts.get("text", 0),
        },
        "labels": contents.labels,
        "meta": contents.meta,
    }


def render(summary: dict[str, Any]) -> str:
    lines = [
        f"bundle          {summary['path']}",
        f"file size       {summary['file_size_bytes'] / 1e6:.2f} MB",
        f"format version  {summary['format_version']}",
        f"embed dim       {summary['embed_dim']}",
        f"temperature     {summary['temperature']}",
        "encoders:",
    ]
    for modality, encoder in summary["encoders"].items():
        arch = ", ".join(f"{k}={v}" for k, v in encoder["arch"].items())
        shape = "x".join(map(str, encoder["input_shape"]))
        lines.append(f"  {modality:<8} {arch}  ({encoder['weights']:,} weights, input {shape})")
        lines.append(f"           preprocess: {json.dumps(encoder['preprocess'])}")
    fusion = summary["fusion"]
    lines.append(
        f"fusion          {fusion['kind']} (max {fusion['max_tokens']} tokens, "
        f"{json.dumps(fusion['params'])}, {fusion['weights']:,} weights)"
    )
    text = summary["text"]
    carried = text["weights_in_bundle"]
    lines += [
        f"text teacher    {text['provider']}: {json.dumps(text['teacher'])}"
        + (f" ({carried:,} weights in bundle)" if carried else ""),
        f"prompt          {text['template']!r}",
        f"labels ({len(summary['labels'])})     {', '.join(summary['labels'])}",
        f"meta            {json.dumps(summary['meta'])}",
    ]
    return "\n".join(lines)
