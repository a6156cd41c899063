"""The perception node against a naive node, end to end over DDS, under the same sensor load.

All six simulated sensors at natural rates are replayed into the node under test (e2e_replay.py);
the node under test alternates between the product (perception_node with the shipped config)
and the naive reference (naive_node.py: latest message per topic, 10 Hz timer, every sensor
re-encoded through predict() on the lean runtime, one thread for onnxruntime and BLAS), in
A/B, B/A order over the rounds, one at a time. For each: label rate; the latency from every
published sample to the first label that includes it, and the share of samples never labelled
(p50/p90/p99 over all samples and per sensor); CPU cores used and CPU per label; peak RSS;
time from start to the first label. Also measured: the in-process floor of the product's path
(convert + preprocess + encode of each sensor's sample + one fusion, plus a DDS ping each way).

    python benchmarks/bench_e2e.py [--seconds 20] [--rounds 2] [--variants product naive]
        [--bundle PATH] [--output PATH]

Variants: ``product``, ``naive``, or ``product:NAME=VALUE,...`` with node parameters (e.g.
``product:executor=multi_threaded``), for comparing settings in one run; ``receive`` and
``receive:executor=events`` take the topics in and do nothing else (naive_node.py
--receive-only), the CPU floor of any node at this load. ``cpu_floor`` in the JSON puts that
beside the model work of labelling every sample (the in-process floor at the sensors' rates).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

from e2e_harness import (
    CONFIGS,
    Listener,
    Measured,
    bench_env,
    cpu_seconds,
    load_average,
    measure,
    parse_variant,
    start_replay,
    stop_process,
)

from omnibind_ros.bench_cli import save_results

RESULTS = Path(__file__).resolve().parent / "results" / "e2e.json"


def floor_ms(bundle: Path, repeats: int = 30) -> dict:
    """Median convert, preprocess + encode and fusion times along the product's own path
    (PerceptionPipeline, the shipped sensor settings, onnxruntime at one thread), no DDS."""
    import numpy as np
    import torch
    import yaml
    from e2e_replay import render

    from omnibind_ros.pipeline.params import parse_sensor_config
    from omnibind_ros.pipeline.pipeline import PerceptionPipeline
    from omnibind_ros.ros.sensor_manager import build_converter
    from omnibind_ros.runtime.loading import load_model

    torch.set_num_threads(1)
    model = load_model(bundle, "onnxruntime", "cpu", onnxruntime_threads=1)
    sections = [next(iter(yaml.safe_load(p.read_text()).values())) for p in CONFIGS]
    sensors: dict[str, dict] = {}
    for section in sections:
        for name, settings in section["ros__parameters"]["sensors"].items():
            if name != "names":
                sensors.setdefault(name, {}).update(settings)
    args = argparse.Namespace(sensors="", image_width=0, cloud_points=0, render_seconds=3.0)
    frames, _ = render(args)
    pipeline = PerceptionPipeline(
        model, top_k=5, fusion_window=10.0, max_encode_hz=dict.fromkeys(model.modalities, 1e6)
    )
    timings: dict[str, dict] = {}
    for name, settings in sensors.items():
        # Never stale while the other sensors are timed: all six are fused at the end.
        config = replace(parse_sensor_config(name, settings.get), stale_timeout=1e9)
        converter = build_converter(config)
        slot = pipeline.add_slot(config)
        slot.set_publishers(1)
        messages = [f.msg for f in frames if f.topic == config.topic]
        convert, encode = [], []
        for i in range(max(repeats, len(messages))):
            msg = messages[i % len(messages)]
            started = time.perf_counter()
            sample = converter.to_sample(msg)
            convert.append(time.perf_counter() - started)
            pipeline.offer(slot, sample, i + 1)
            job = slot.take_job(time.monotonic())
            if job is None:
                continue  # the audio clip is still filling
            started = time.perf_counter()
            slot.store_embedding(job, model.encode(job.modality, job.sample))
            encode.append(time.perf_counter() - started)
        timings[name] = {
            "convert_ms": round(statistics.median(convert) * 1e3, 3),
            "preprocess_encode_ms": round(statistics.median(encode) * 1e3, 3),
        }
    fuse = []
    for _ in range(repeats):
        started = time.perf_counter()
        assert pipeline.fuse() is not None
        fuse.append(time.perf_counter() - started)
    fuse_ms = statistics.median(fuse) * 1e3
    for values in timings.values():
        path = values["convert_ms"] + values["preprocess_encode_ms"] + fuse_ms
        values["path_ms"] = round(path, 3)
    return {
        "fuse_and_rank_all_six_ms": round(fuse_ms, 3),
        "by_sensor": timings,
        "mean_path_ms": round(float(np.mean([t["path_ms"] for t in timings.values()])), 3),
    }


def median_of(rounds: list[Measured], key) -> float | None:
    values = [key(m) for m in rounds if key(m) is not None]
    return round(statistics.median(values), 3) if values else None


def headline(rounds: list[Measured]) -> dict:
    return {
        "label_rate_hz": median_of(rounds, lambda m: m.summary["label_rate_hz"]),
        "p50_ms": median_of(rounds, lambda m: m.summary["latency"]["p50_ms"]),
        "p90_ms": median_of(rounds, lambda m: m.summary["latency"]["p90_ms"]),
        "p99_ms": median_of(rounds, lambda m: m.summary["latency"]["p99_ms"]),
        "never_labelled_share": median_of(rounds, lambda m: m.summary["never_labelled_share"]),
        "cpu_cores": median_of(rounds, lambda m: m.cpu_cores),
        "cpu_ms_per_label": median_of(rounds, lambda m: m.cpu_ms_per_label),
        "peak_rss_mib": median_of(rounds, lambda m: m.peak_rss_mib),
        "ready_s": median_of(rounds, lambda m: m.ready_s),
    }


def print_table(heads: dict[str, dict]) -> None:
    columns = list(next(iter(heads.values())))
    print("variant".ljust(40) + "".join(c[:14].rjust(15) for c in columns))
    for name, head in heads.items():
        print(name[:39].ljust(40) + "".join(str(head[c]).rjust(15) for c in columns))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--variants", nargs="+", default=["product", "naive"])
    parser.add_argument("--bundle", type=Path, help="model bundle (default: the shipped one)")
    parser.add_argument("--no-floor", action="store_true", help="skip the in-process floor")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    from omnibind_ros.paths import default_bundle_path

    bundle = (args.bundle or default_bundle_path()).resolve()
    variants = [parse_variant(v) for v in args.variants]
    env = bench_env()
    load_at_start = load_average()
    replay, replay_log = start_replay(env)
    listener = Listener(sorted({v.scene_topic for v in variants}))
    rounds: dict[str, list[Measured]] = {v.name: [] for v in variants}
    try:
        time.sleep(8.0)  # the replay renders its loop first
        ping = listener.ping_ms()
        replay_cpu_before, replay_started = cpu_seconds(replay.pid), time.monotonic()
        for index in range(args.rounds):
            for variant in variants if index % 2 == 0 else variants[::-1]:
                print(f"round {index + 1}: {variant.name} ...", flush=True)
                rounds[variant.name].append(
                    measure(variant, bundle, listener, replay_log, env, args.seconds)
                )
        replay_cores = (cpu_seconds(replay.pid) - replay_cpu_before) / (
            time.monotonic() - replay_started
        )
    finally:
        stop_process(replay)
        listener.close()
    floor = None if args.no_floor else floor_ms(bundle)
    if floor is not None:
        one_way = ping.get("p50_ms") or 0.0
        floor["dds_one_way_ms"] = one_way
        floor["floor_ms"] = round(floor["mean_path_ms"] + 2 * one_way, 3)

    heads = {name: headline(measured) for name, measured in rounds.items()}
    report = {
        "machine": machine(),
        "load_average_at_start": load_at_start,
        "load_average_at_end": load_average(),
        "bundle": str(bundle),
        "seconds_per_run": args.seconds,
        "rounds": args.rounds,
        "dds_ping_one_way": ping,
        "replay_cpu_cores": round(replay_cores, 3),
        "floor": floor,
        "headline": heads,
        "runs": {name: [asdict(m) for m in measured] for name, measured in rounds.items()},
    }
    if "product" in heads and "naive" in heads:
        product, naive = heads["product"], heads["naive"]
        report["product_vs_naive"] = {
            "cpu_cores_ratio": _ratio(product["cpu_cores"], naive["cpu_cores"]),
            "p50_ratio": _ratio(product["p50_ms"], naive["p50_ms"]),
            "label_rate_ratio": _ratio(product["label_rate_hz"], naive["label_rate_hz"]),
        }
    if floor is not None and rounds.get("product"):
        report["cpu_floor"] = cpu_floor(floor, rounds["product"][0], args.seconds, heads)
    print(json.dumps({k: report.get(k) for k in ("headline", "floor", "cpu_floor")}, indent=1))
    print_table(heads)
    save_results(args.output, report)
    return 0


def cpu_floor(floor: dict, product: Measured, seconds: float, heads: dict) -> dict:
    """CPU cores two floors take at this load: the model work of labelling every sample (the
    in-process convert + preprocess + encode of each published sample, and one fusion per label
    at the product's label rate), and what a node pays to take the topics in at all (the
    ``receive`` variants, when run)."""
    by_sensor = product.summary["by_sensor"]
    encode_ms_per_s = sum(
        by_sensor[name]["published"] / seconds
        * (times["convert_ms"] + times["preprocess_encode_ms"])
        for name, times in floor["by_sensor"].items()
        if name in by_sensor
    )  # fmt: skip
    fuse_ms_per_s = product.summary["label_rate_hz"] * floor["fuse_and_rank_all_six_ms"]
    receive = {n: h["cpu_cores"] for n, h in heads.items() if n.startswith("receive")}
    return {
        "model_work_cores": round((encode_ms_per_s + fuse_ms_per_s) / 1e3, 3),
        "of_which_fusion_cores": round(fuse_ms_per_s / 1e3, 3),
        "receive_only_cores": receive,
    }


def machine() -> dict:
    """Where the figures were measured (model name from /proc/cpuinfo)."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")), platform.processor())  # fmt: skip
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version()}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


if __name__ == "__main__":
    sys.exit(main())
