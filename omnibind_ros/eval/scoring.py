"""Scoring published scenes against the truth in force at each scene's stamp.

A scene is what the node publishes on ~/scene (the JSON of ``outputs.scene_dict``), offline
or received live. Its stamp is the newest fused sample's; the truth is looked up there. Right
after a scene change the fusion window and the audio clip still hold the scene before, so
accuracy is also given for settled scenes, those at least ``settle_s`` after the change.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from omnibind_ros.eval.truth import Truth


@dataclass(frozen=True)
class ScoredScene:
    t_s: float  # stamp, seconds from the bag start
    published_s: float  # when the node published it, seconds from the bag start
    stamp_ns: int
    modalities: tuple[str, ...]
    sensors: dict[str, str]  # sensor -> its own top label
    sensor_modality: dict[str, str]
    top: list[str]  # labels, best first
    truth: str | None
    settled: bool
    latency_ms: float
    compute_ms: float | None

    @property
    def correct(self) -> bool | None:
        return None if self.truth is None else self.top[0] == self.truth


def scene_stamp_ns(scene: dict[str, Any]) -> int:
    stamp = scene["header"]["stamp"]
    return int(stamp["sec"]) * 1_000_000_000 + int(stamp["nanosec"])


def score_scenes(
    scenes: Sequence[dict[str, Any]],
    truth: Truth | None,
    start_ns: int,
    end_ns: int,
    settle_s: float,
) -> list[ScoredScene]:
    """Scenes published after the bag's last message are kept but not judged: the node is
    only repeating its last embeddings until they go stale, and nothing recorded says what
    was there."""
    scored = []
    for scene in scenes:
        stamp = scene_stamp_ns(scene)
        published = int(scene.get("published_ns", stamp))
        label = truth.label_at(stamp) if truth and published <= end_ns else None
        change = truth.last_change_before(stamp) if truth else None
        sensors = scene.get("sensors", {})
        scored.append(
            ScoredScene(
                t_s=(stamp - start_ns) / 1e9,
                published_s=(published - start_ns) / 1e9,
                stamp_ns=stamp,
                modalities=tuple(sorted(scene["modalities"])),
                sensors={name: s["label"] for name, s in sensors.items()},
                sensor_modality={name: s["modality"] for name, s in sensors.items()},
                top=[x["label"] for x in scene["labels"]],
                truth=label,
                settled=label is not None and (stamp - change) / 1e9 >= settle_s,
                latency_ms=float(scene["latency_ms"]),
                compute_ms=scene.get("compute_ms"),
            )
        )
    return scored


def _rate(hits: Sequence[bool]) -> float | None:
    return float(np.mean(hits)) if hits else None


def distribution(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    array = np.asarray(values, dtype=float)
    return {
        "count": int(array.size),
        "mean": float(array.mean()),
        "p50": float(np.percentile(array, 50)),
        "p90": float(np.percentile(array, 90)),
        "p99": float(np.percentile(array, 99)),
        "max": float(array.max()),
    }


def summarize(scenes: Sequence[ScoredScene], top_k: int) -> dict[str, Any]:
    """Every number of the report, as plain JSON-able values."""
    judged = [s for s in scenes if s.truth is not None]
    settled = [s for s in judged if s.settled]
    combos: dict[tuple[str, ...], list[ScoredScene]] = defaultdict(list)
    for scene in scenes:
        combos[scene.modalities].append(scene)
    per_sensor: dict[str, list[bool]] = defaultdict(list)
    sensor_modality: dict[str, str] = {}
    for scene in judged:
        for name, label in scene.sensors.items():
            per_sensor[name].append(label == scene.truth)
            sensor_modality[name] = scene.sensor_modality[name]
    labels = sorted({s.truth for s in judged} | {s.top[0] for s in judged})
    index = {label: k for k, label in enumerate(labels)}
    confusion = np.zeros((len(labels), len(labels)), dtype=int)
    for scene in judged:
        confusion[index[scene.truth], index[scene.top[0]]] += 1
    return {
        "scenes": len(scenes),
        "judged": len(judged),
        "accuracy": _rate([s.correct for s in judged]),
        "settled": {"scenes": len(settled), "accuracy": _rate([s.correct for s in settled])},
        "top_k": {
            str(k): _rate([s.truth in s.top[:k] for s in judged]) for k in range(1, top_k + 1)
        },
        "by_combination": [
            {
                "modalities": list(combo),
                "scenes": len(members),
                "judged": sum(s.truth is not None for s in members),
                "accuracy": _rate([s.correct for s in members if s.truth is not None]),
                "settled_accuracy": _rate([s.correct for s in members if s.settled]),
            }
            for combo, members in sorted(combos.items(), key=lambda kv: -len(kv[1]))
        ],
        "by_sensor": [
            {
                "sensor": name,
                "modality": sensor_modality[name],
                "scenes": len(hits),
                "accuracy": _rate(hits),
            }
            for name, hits in sorted(per_sensor.items())
        ],
        "confusion": {"labels": labels, "matrix": confusion.tolist()},
        "latency_ms": distribution([s.latency_ms for s in scenes]),
        "compute_ms": distribution([s.compute_ms for s in scenes if s.compute_ms is not None]),
        "combination_changes": combination_changes(scenes),
        "predicted": dict(Counter(s.top[0] for s in scenes).most_common()),
    }


def combination_changes(scenes: Sequence[ScoredScene]) -> list[dict[str, Any]]:
    """Each time the set of fused modalities changed from one scene to the next."""
    changes = []
    for before, after in itertools.pairwise(scenes):
        if before.modalities != after.modalities:
            changes.append(
                {
                    "t_s": after.t_s,
                    "from": list(before.modalities),
                    "to": list(after.modalities),
                    "gone": sorted(set(before.modalities) - set(after.modalities)),
                    "new": sorted(set(after.modalities) - set(before.modalities)),
                }
            )
    return changes
