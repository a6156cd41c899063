"""What every evaluation starts from: the bag, the node's parameters, the topic plan, the truth.

Shared by offline replay, ``--live`` replay and the evaluator node, so the three read a bag
and score it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omnibind_ros.eval.bag import Bag
from omnibind_ros.eval.errors import EvalError
from omnibind_ros.eval.params_file import NodeSettings, load_settings
from omnibind_ros.eval.record import SIM_MARK
from omnibind_ros.eval.report import ModelOutcome
from omnibind_ros.eval.scoring import score_scenes, summarize
from omnibind_ros.eval.topics import TopicPlan, parse_remaps, plan_topics
from omnibind_ros.eval.truth import Truth, read_annotations, truth_from_changes
from omnibind_ros.paths import config_file
from omnibind_ros.ros.sim_sensors_node import GROUND_TRUTH_TOPIC

DEFAULT_CONFIGS = ("perception.yaml",)
# Bags of `omnibind sim record` are read with the simulated robot's settings.
SIM_CONFIGS = ("perception.yaml", "demo.yaml")


@dataclass
class EvalInputs:
    bag: Bag
    settings: NodeSettings
    plan: TopicPlan
    annotations: Truth | None  # from a file; None: the truth topic (if any) decides
    namespace: str = "/"  # the node's: relative sensor topics resolve inside it


def open_inputs(
    bag_path: Path,
    configs: Sequence[Path] = (),
    truth_topic: str = GROUND_TRUTH_TOPIC,
    remaps: Sequence[str] = (),
    annotations: Path | None = None,
    truth_topic_given: bool = False,
    namespace: str = "/",
) -> EvalInputs:
    """Everything checked before any model loads; EvalError says which file and why."""
    bag = Bag(bag_path)
    defaults = SIM_CONFIGS if SIM_MARK in bag.summary.custom else DEFAULT_CONFIGS
    files = list(configs) or [config_file(name) for name in defaults]
    settings = load_settings(files)
    plan = plan_topics(bag.summary, settings.sensors, truth_topic, parse_remaps(remaps), namespace)
    if not plan.sensor_topics:
        wanted = ", ".join(f"{c.topic} ({c.msg_type})" for c in settings.sensors.values())
        found = ", ".join(f"{u.topic} ({u.msg_type})" for u in plan.uses)
        raise EvalError(
            f"{bag_path}: no topic matches a sensor of {', '.join(map(str, files))}; the "
            f"sensors want {wanted or 'nothing'}, the bag has {found} (use --remap /from:=/to)"
        )
    if truth_topic_given and annotations is None and plan.truth_topic is None:
        raise EvalError(f"{bag_path}: no {truth_topic} topic of std_msgs/msg/String in the bag")
    truth = read_annotations(annotations, bag.summary.start_ns) if annotations else None
    return EvalInputs(bag, settings, plan, truth, namespace)


def truth_of(inputs: EvalInputs, changes: Sequence[tuple[int, str]]) -> Truth | None:
    """The annotation file when given, else the label topic's changes (None: no truth)."""
    if inputs.annotations is not None:
        return inputs.annotations
    if inputs.plan.truth_topic and changes:
        return truth_from_changes(changes, f"topic {inputs.plan.truth_topic}")
    return None


def model_outcome(
    name: str,
    scenes: Sequence[dict[str, Any]],
    inputs: EvalInputs,
    truth: Truth | None,
    settle_s: float,
    hotplug: Sequence[dict[str, Any]] = (),
    sensors: Sequence[dict[str, Any]] = (),
) -> ModelOutcome:
    summary = inputs.bag.summary
    scored = score_scenes(scenes, truth, summary.start_ns, summary.end_ns, settle_s)
    metrics = summarize(scored, inputs.settings.node.top_k)
    return ModelOutcome(name, scored, metrics, list(hotplug), list(sensors))


def node_rules(settings: NodeSettings) -> dict[str, Any]:
    """The node settings that decide what is fused when, for the report's header."""
    node = settings.node
    stale = sorted({c.stale_timeout for c in settings.sensors.values()})
    fusion = (
        f"on arrival, at most {node.max_scene_hz:g}/s"
        if node.fusion_mode == "arrival"
        else f"timer at {node.rate_hz:g} Hz"
    )
    return {
        "fusion": fusion,
        "fusion_window": f"{node.fusion_window:g} s",
        "stale_timeout": "/".join(f"{s:g}" for s in stale) + " s",
        "max_encode_hz": "/".join(f"{m} {v:g}" for m, v in node.max_encode_hz.items()),
    }
