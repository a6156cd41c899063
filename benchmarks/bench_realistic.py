"""The realistic profile (config/profiles/realistic.yaml: a ViT-B/32 image teacher and
students of a few million parameters, random weights) on this CPU.

1. Batch-1 latency of every graph through torch (1 thread) and onnxruntime (1 and 2 threads).
2. The perception node with that bundle under the six-sensor replay (as bench_e2e.py), with
   one encoder thread and with two: per-sensor latency shows whether the fast sensors keep
   theirs while the image tower runs.

    python benchmarks/bench_realistic.py [--seconds 20] [--work-dir DIR] [--output PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench_e2e import headline, machine, print_table
from e2e_harness import Listener, bench_env, load_average, measure, parse_variant, start_replay
from e2e_harness import stop_process as stop
from realistic_profile import agreement, build_bundle, graph_latency_ms

from omnibind_ros.bench_cli import save_results

RESULTS = Path(__file__).resolve().parent / "results" / "realistic.json"
# The image tower encodes a few frames/s on one core here: capped below that, it leaves the
# other core and encoder thread (or none) to the fast sensors.
NODE_VARIANTS = (
    "product:threads.encoders=1,max_encode_hz.image=3",
    "product:threads.encoders=2,max_encode_hz.image=3",
)


def cpu_latencies(bundle: Path, cache: Path, repeats: int) -> dict:
    import torch

    from omnibind_ros.core.bundle import load_bundle
    from omnibind_ros.runtime.backends import attach_backend

    torch.set_num_threads(1)
    results, reference = {}, {}
    for name, backend, threads in (("torch, 1 thread", "torch", 1),
                                   ("onnxruntime, 1 thread", "onnxruntime", 1),
                                   ("onnxruntime, 2 threads", "onnxruntime", 2)):  # fmt: skip
        model = load_bundle(bundle)
        attach_backend(model, backend, "cpu", cache_dir=cache, threads=threads)
        rows = graph_latency_ms(model, repeats)
        reference = reference or rows
        results[name] = agreement(rows, reference)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "omnibind")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    load_at_start = load_average()
    started = time.perf_counter()
    bundle = build_bundle(args.work_dir)
    print(f"bundle {bundle} ready after {time.perf_counter() - started:.0f} s", flush=True)
    cache = args.work_dir / "cache"
    latencies = cpu_latencies(bundle, cache, args.repeats)
    print(json.dumps(latencies, indent=1), flush=True)

    env = {**bench_env(), "OMNIBIND_CACHE_DIR": str(cache)}  # the node reuses the export
    replay, replay_log = start_replay(env)
    listener = Listener(["/omnibind/scene"])
    runs = {}
    try:
        time.sleep(8.0)
        for text in NODE_VARIANTS:
            print(f"{text} ...", flush=True)
            runs[text] = measure(parse_variant(text), bundle, listener, replay_log, env,
                                 args.seconds)  # fmt: skip
    finally:
        stop(replay)
        listener.close()
    heads = {name: headline([m]) for name, m in runs.items()}
    print_table(heads)
    for name, m in runs.items():
        print(name)
        for sensor, row in m.summary["by_sensor"].items():
            print(f"  {sensor:8s} p50 {row['p50_ms']} p99 {row['p99_ms']} ms, "
                  f"never labelled {row['never_labelled_share']}")  # fmt: skip
    report = {
        "machine": machine(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": load_average(),
        "profile": "config/profiles/realistic.yaml",
        "graph_latency_batch1_cpu": latencies,
        "node": {name: asdict(m) for name, m in runs.items()},
        "headline": heads,
    }
    save_results(args.output, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
