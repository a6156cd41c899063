"""Offline evaluation: replay a bag through the node's pipeline for each model, then report."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omnibind_ros.eval.inputs import EvalInputs, model_outcome, node_rules, truth_of
from omnibind_ros.eval.replay import ModelReplay, Replay
from omnibind_ros.eval.report import RunInfo, write_report


def evaluate_offline(
    inputs: EvalInputs,
    models: Sequence[tuple[str, Any]],
    report_dir: Path,
    *,
    command: str,
    settle_s: float = 1.0,
    progress: bool = False,
) -> tuple[Path, RunInfo]:
    cpu_started = time.process_time()
    replay = Replay(inputs.bag, inputs.settings, inputs.plan, models)
    result = replay.run(progress=progress)
    cpu_s = time.process_time() - cpu_started
    truth = truth_of(inputs, result.truth_changes)
    notes = []
    if truth is None:
        notes.append(
            f"{inputs.bag.path}: no ground truth (no {inputs.plan.truth_topic or 'label'} topic "
            "and no --annotations): predictions only"
        )
    outcomes = [
        model_outcome(run.name, run.scenes, inputs, truth, settle_s, run.hotplug, sensor_rows(run))
        for run in result.models
    ]
    info = RunInfo(
        mode="offline",
        command=command,
        wall_s=result.wall_s,
        cpu_s=cpu_s,
        settings_files=[str(f) for f in inputs.settings.files],
        truth_source=truth.source if truth else None,
        settle_s=settle_s,
        rules=node_rules(inputs.settings),
        notes=notes,
        machine=f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
    )
    path = write_report(report_dir, inputs.bag.summary, inputs.plan, truth, info, outcomes)
    return path, info


def sensor_rows(run: ModelReplay) -> list[dict[str, Any]]:
    rows = []
    for view in run.pipeline.views():
        rows.append(
            {
                "sensor": view.name,
                "modality": view.modality,
                "topic": view.topic,
                "received": view.received,
                "superseded": view.superseded,
                "bad": view.bad,
                "encoded": view.encoded,
                "last_error": view.last_error,
            }
        )
    return rows
