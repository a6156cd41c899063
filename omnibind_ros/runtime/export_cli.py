"""`omnibind export`: ONNX graphs (and optionally TensorRT engines) from a model bundle."""

from __future__ import annotations

import argparse
from pathlib import Path

from omnibind_ros.paths import default_bundle_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a bundle's encoders and fusion to ONNX (and build TensorRT engines)",
        description="Writes <modality>.onnx, fusion.onnx and manifest.json into OUT. With "
        "--tensorrt, also builds the TensorRT engines into the engine cache the node uses. "
        "With --lean, writes the bundle's lean export (what the CPU node runs without torch) "
        "into the cache instead; the node otherwise makes it on its first start.",
    )
    parser.add_argument("--bundle", type=Path, default=default_bundle_path())
    parser.add_argument("--out", type=Path, help="directory for the ONNX files")
    parser.add_argument("--lean", action="store_true", help="the lean export, into the cache")
    parser.add_argument("--tensorrt", action="store_true", help="also build TensorRT engines")
    parser.add_argument("--fp16", action="store_true", help="FP16 TensorRT engines")
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="engine and lean export cache directory"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from omnibind_ros.core.bundle import load_bundle
    from omnibind_ros.core.errors import OmniBindError
    from omnibind_ros.paths import default_cache_dir
    from omnibind_ros.runtime.onnx_export import export_model_onnx
    from omnibind_ros.runtime.tensorrt_runner import TensorRTRunner

    if args.lean:
        return _lean(args)
    if args.out is None:
        print("omnibind export: --out DIR is required (or --lean)")
        return 2
    try:
        model = load_bundle(args.bundle)
        manifest = export_model_onnx(model, args.out)
        for name, graph in sorted(manifest.graphs.items()):
            print(f"{name:8s} {args.out / graph.file}  input {graph.input_shape}")
        if args.tensorrt:
            cache_dir = args.cache_dir or default_cache_dir()
            TensorRTRunner(args.out, cache_dir, fp16=args.fp16, log=print)
    except (OmniBindError, RuntimeError) as err:
        print(f"omnibind export: {err}")
        return 1
    return 0


def _lean(args: argparse.Namespace) -> int:
    from omnibind_ros.core.errors import OmniBindError
    from omnibind_ros.lean.export_cache import ensure_lean_export
    from omnibind_ros.paths import default_cache_dir

    try:
        out = ensure_lean_export(args.bundle, args.cache_dir or default_cache_dir(), log=print)
    except OmniBindError as err:
        print(f"omnibind export: {err}")
        return 1
    print(f"lean export of {args.bundle}: {out}")
    return 0
