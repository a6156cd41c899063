"""The evaluation report: report.md for a person, report.json for a program, PNG figures.

Written the same way for offline replay and live replay, so the two can be compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from omnibind_ros.eval import plots
from omnibind_ros.eval.bag import BagSummary
from omnibind_ros.eval.scoring import ScoredScene
from omnibind_ros.eval.topics import TopicPlan
from omnibind_ros.eval.truth import Truth


@dataclass
class ModelOutcome:
    name: str
    scenes: list[ScoredScene]
    metrics: dict[str, Any]
    hotplug: list[dict[str, Any]]  # offline: the node's plug/unplug transitions
    sensors: list[dict[str, Any]]  # per sensor at the end: counts and the last error


@dataclass
class RunInfo:
    mode: str  # offline or live
    command: str
    wall_s: float
    cpu_s: float | None
    settings_files: list[str]
    truth_source: str | None
    settle_s: float
    rules: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    machine: str = ""  # CPUs and load while it ran: speed on a shared machine needs both


def write_report(
    out: Path,
    summary: BagSummary,
    plan: TopicPlan,
    truth: Truth | None,
    run: RunInfo,
    models: Sequence[ModelOutcome],
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    figures = {m.name: _figures(out, m, summary, truth, len(models) > 1) for m in models}
    document = {
        "bag": _bag_json(summary, plan),
        "run": run.__dict__ | {"speed_x_real_time": _speed(summary, run)},
        "truth": truth.source if truth else None,
        "models": [
            {
                "name": m.name,
                "metrics": m.metrics,
                "hotplug": m.hotplug,
                "sensors": m.sensors,
                "figures": figures[m.name],
                "scenes": [_scene_json(s) for s in m.scenes],
            }
            for m in models
        ],
    }
    (out / "report.json").write_text(json.dumps(document, indent=1, default=str) + "\n")
    markdown = _markdown(summary, plan, truth, run, models, figures)
    path = out / "report.md"
    path.write_text(markdown)
    return path


def _speed(summary: BagSummary, run: RunInfo) -> float | None:
    return summary.duration_s / run.wall_s if run.wall_s > 0 and run.mode == "offline" else None


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", Path(name).stem).strip("_") or "model"


def _figures(
    out: Path, model: ModelOutcome, summary: BagSummary, truth: Truth | None, several: bool
) -> dict[str, str]:
    suffix = f"_{_slug(model.name)}" if several else ""
    sensors = [s["sensor"] for s in model.sensors]
    end_s = summary.duration_s
    made = {
        "timeline": plots.timeline(
            out / f"timeline{suffix}.png", model.scenes, sensors, truth, summary.start_ns, end_s,
            model.hotplug,
        ),
    }  # fmt: skip
    confusion = model.metrics["confusion"]
    if confusion["labels"]:
        made["confusion"] = plots.confusion(
            out / f"confusion{suffix}.png", confusion["labels"], confusion["matrix"]
        )
    if model.scenes:
        made["latency"] = plots.latency(
            out / f"latency{suffix}.png",
            [s.latency_ms for s in model.scenes],
            [s.compute_ms for s in model.scenes if s.compute_ms is not None],
        )
    return {key: path.name for key, path in made.items()}


def _bag_json(summary: BagSummary, plan: TopicPlan) -> dict[str, Any]:
    return {
        "path": str(summary.path),
        "storage": summary.storage,
        "files": [str(f) for f in summary.files],
        "start_ns": summary.start_ns,
        "duration_s": summary.duration_s,
        "messages": summary.message_count,
        "stopped": summary.stopped,
        "topics": [u.__dict__ for u in plan.uses],
        "sensors_without_messages": plan.missing,
    }


def _scene_json(scene: ScoredScene) -> dict[str, Any]:
    return {
        "t_s": round(scene.t_s, 4),
        "modalities": list(scene.modalities),
        "top": scene.top[0],
        "truth": scene.truth,
        "settled": scene.settled,
        "sensors": scene.sensors,
        "latency_ms": round(scene.latency_ms, 2),
        "compute_ms": None if scene.compute_ms is None else round(scene.compute_ms, 3),
    }


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _ms(dist: dict[str, float] | None, key: str) -> str:
    return "–" if not dist else f"{dist[key]:.1f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _markdown(
    summary: BagSummary,
    plan: TopicPlan,
    truth: Truth | None,
    run: RunInfo,
    models: Sequence[ModelOutcome],
    figures: dict[str, dict[str, str]],
) -> str:
    start = datetime.fromtimestamp(summary.start_ns / 1e9, tz=timezone.utc)
    speed = _speed(summary, run)
    how = (
        f"offline through the node's pipeline on bag time in {run.wall_s:.1f} s "
        f"({speed:.1f}x real time; {run.machine})"
        if speed
        else f"live over DDS ({run.wall_s:.1f} s)"
    )
    lines = [
        f"# Replay evaluation of `{summary.path.name}`",
        "",
        f"{summary.duration_s:.1f} s recorded {start:%Y-%m-%d %H:%M:%S} UTC, replayed {how}.",
        f"Truth: {truth.source if truth else 'none (predictions only: nothing is scored)'}.",
        f"Parameters: {', '.join(f'`{f}`' for f in run.settings_files)}; "
        + ", ".join(f"{k} {v}" for k, v in run.rules.items())
        + ".",
        "",
        f"Command: `{run.command}`",
        "",
    ]
    lines += [f"> {note}" for note in run.notes] + ([""] if run.notes else [])
    if summary.stopped:
        lines += [f"> **The bag ends early.** {summary.stopped}.", ""]
    if len(models) > 1:
        lines += ["## Models side by side", ""]
        ks = list(models[0].metrics["top_k"])
        lines += _table(
            ["model", "scenes", "accuracy", "settled", *[f"top-{k}" for k in ks]],
            [
                [f"`{m.name}`", m.metrics["scenes"], _pct(m.metrics["accuracy"]),
                 _pct(m.metrics["settled"]["accuracy"]),
                 *[_pct(m.metrics["top_k"][k]) for k in ks]]
                for m in models
            ],
        )  # fmt: skip
    for model in models:
        lines += _model_section(model, figures[model.name], run, len(models) > 1)
    lines += _bag_section(summary, plan)
    lines += [
        "## How to read this",
        "",
        "- A *scene* is one ~/scene message: the node fuses the active sensors' newest "
        "embeddings when a new one lands (fusion on arrival, capped at fusion.max_rate_hz) "
        "or at rate_hz (fusion.mode timer). Its truth is the label in force at the scene's "
        "stamp (the newest fused sample).",
        "- Scenes published after the bag's last message (the node repeating its last "
        "embeddings until they go stale) are shown but not judged.",
        f"- *Settled* scenes are at least {run.settle_s:g} s after a truth change: right after "
        "one the fusion window and the audio clip still hold the scene before.",
        "- *Latency* is the age of the newest fused sample when the scene is published. "
        "Offline it is in bag time with an encoder that takes no time (the rules alone); "
        "the encode + fuse work is measured in wall time separately. Live it is what the "
        "node reported.",
        "- A sensor is active while its topic has a publisher (offline: while it is in the "
        "bag), its newest message is younger than its stale_timeout, and it has an encoded "
        "sample.",
        "",
    ]
    return "\n".join(lines)


def _model_section(
    model: ModelOutcome, figures: dict[str, str], run: RunInfo, several: bool
) -> list[str]:
    m = model.metrics
    title = f"## Model `{model.name}`" if several else f"## Results (model `{model.name}`)"
    lines = [title, ""]
    lines += _table(
        ["scenes published", "judged", "accuracy", f"settled (≥ {run.settle_s:g} s)"],
        [[m["scenes"], m["judged"], _pct(m["accuracy"]),
          f"{_pct(m['settled']['accuracy'])} of {m['settled']['scenes']}"]],
    )  # fmt: skip
    lines += _table([f"top-{k}" for k in m["top_k"]], [[_pct(v) for v in m["top_k"].values()]])
    published = ", ".join(f"{label} {n}" for label, n in m["predicted"].items())
    lines += [f"Top labels published: {published or 'none'}.", ""]
    lines += ["### By combination of active modalities", ""]
    lines += _table(
        ["modalities fused", "scenes", "accuracy", "settled accuracy"],
        [[" + ".join(c["modalities"]), c["scenes"], _pct(c["accuracy"]),
          _pct(c["settled_accuracy"])] for c in m["by_combination"]],
    )  # fmt: skip
    lines += ["### Each sensor alone (its own top label, in the scenes it was fused)", ""]
    lines += _table(
        ["sensor", "modality", "scenes", "accuracy"],
        [[s["sensor"], s["modality"], s["scenes"], _pct(s["accuracy"])] for s in m["by_sensor"]],
    )
    if "timeline" in figures:
        lines += ["### Timeline", "", f"![timeline]({figures['timeline']})", ""]
    lines += ["### Sensors joining and leaving", ""]
    if model.hotplug:
        lines += _table(
            ["t (s)", "event"],
            [[f"{e['t_s']:.2f}", e["text"]] for e in model.hotplug],
        )
    changes = m["combination_changes"]
    if changes:
        lines += [f"The fused combination changed {len(changes)} times:", ""]
        lines += _table(
            ["t (s)", "left", "joined", "now fused"],
            [[f"{c['t_s']:.2f}", ", ".join(c["gone"]) or "–", ", ".join(c["new"]) or "–",
              " + ".join(c["to"])] for c in changes],
        )  # fmt: skip
    if "confusion" in figures:
        lines += ["### Confusion (truth rows, top label columns)", ""]
        lines += [f"![confusion]({figures['confusion']})", ""]
    lines += ["### Latency", ""]
    lat, work = m["latency_ms"], m["compute_ms"]
    rows = [
        ["newest sample age at publication", *(_ms(lat, k) for k in ("p50", "p90", "p99", "max"))]
    ]
    if work:
        rows.append(
            ["encode + fuse work (wall)", *(_ms(work, k) for k in ("p50", "p90", "p99", "max"))]
        )
    lines += _table(["ms", "p50", "p90", "p99", "max"], rows)
    if "latency" in figures:
        lines += [f"![latency]({figures['latency']})", ""]
    if model.sensors:
        lines += ["### Sensors over the whole replay", ""]
        lines += _table(
            ["sensor", "modality", "topic", "received", "superseded", "bad", "encoded",
             "last error"],
            [[s["sensor"], s["modality"], s["topic"], s["received"], s["superseded"], s["bad"],
              s["encoded"], s["last_error"] or "–"] for s in model.sensors],
        )  # fmt: skip
    return lines


def _bag_section(summary: BagSummary, plan: TopicPlan) -> list[str]:
    lines = ["## The bag", ""]
    lines += _table(
        ["path", "storage", "duration", "messages", "files"],
        [[f"`{summary.path}`", summary.storage, f"{summary.duration_s:.2f} s",
          summary.message_count, ", ".join(f.name for f in summary.files)]],
    )  # fmt: skip
    lines += _table(
        ["topic", "type", "messages", "use", "why"],
        [[f"`{u.topic}`" + (f" → `{u.mapped}`" if u.mapped != u.topic else ""), u.msg_type,
          u.count, u.role + (f" ({u.sensor})" if u.sensor else ""), u.reason]
         for u in plan.uses],
    )  # fmt: skip
    if plan.missing:
        lines += ["Sensors of the parameter file that got nothing:", ""]
        lines += [f"- `{name}`: {why}" for name, why in plan.missing.items()] + [""]
    return lines
