"""What the node publishes about a scene: the ~/scene JSON, vision_msgs labels, the overlay.

The JSON schema is documented in docs/node.md; keep the two in step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from omnibind_ros.pipeline.inference import SceneResult
from omnibind_ros.ros.optional import optional_module

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000


def scene_dict(result: SceneResult, now_ns: int, frame_id: str = "") -> dict[str, Any]:
    """The ~/scene payload. Latencies are measured from sample stamps to ``now_ns``."""
    sec, nanosec = divmod(result.stamp_ns, NS_PER_S)
    per_modality: dict[str, dict[str, Any]] = {}
    for sensor in result.sensors:
        best = per_modality.get(sensor.modality)
        if best is None or sensor.score > best["score"]:
            per_modality[sensor.modality] = {"label": sensor.label, "score": sensor.score}
    return {
        "header": {"stamp": {"sec": sec, "nanosec": nanosec}, "frame_id": frame_id},
        "labels": [{"label": label, "score": score} for label, score in result.top_k],
        "modalities": result.modalities,
        "per_modality": per_modality,
        "sensors": {
            s.name: {
                "modality": s.modality,
                "label": s.label,
                "score": s.score,
                "stamp_ns": s.stamp_ns,
                "frame_id": s.frame_id,
                "weight": s.weight,
            }
            for s in result.sensors
        },
        "latency_ms": (now_ns - result.stamp_ns) / NS_PER_MS,
        "oldest_sample_ms": (now_ns - result.oldest_stamp_ns) / NS_PER_MS,
    }


def scene_json(result: SceneResult, now_ns: int, frame_id: str = "") -> str:
    return json.dumps(scene_dict(result, now_ns, frame_id), separators=(",", ":"))


def overlay_lines(result: SceneResult, max_labels: int = 3) -> list[str]:
    top = " | ".join(f"{label} {score:.2f}" for label, score in result.top_k[:max_labels])
    return [top, "sensors: " + " ".join(result.modalities)]


def draw_overlay(frame: np.ndarray, lines: Sequence[str]) -> np.ndarray:
    """A copy of an HxWx3 uint8 RGB frame with ``lines`` written top-left on a dark band."""
    image = Image.fromarray(np.ascontiguousarray(frame, dtype=np.uint8), mode="RGB")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    line_height = 12
    band = (0, 0, image.width, 4 + line_height * len(lines))
    draw.rectangle(band, fill=(0, 0, 0))
    for i, line in enumerate(lines):
        draw.text((4, 2 + i * line_height), line, fill=(255, 255, 0), font=font)
    return np.asarray(image)


def vision_msgs_available() -> bool:
    return optional_module("vision_msgs.msg") is not None


def classification_msg(result: SceneResult, labels: Sequence[str], header: Any) -> Any:
    """vision_msgs/Classification of the top-k; ``class_id`` is the label's index as text,
    the id ``label_info_msg`` maps to its name (vision_msgs must be installed)."""
    vision = optional_module("vision_msgs.msg")
    index = {label: i for i, label in enumerate(labels)}
    hypotheses = [
        vision.ObjectHypothesis(class_id=str(index[label]), score=score)
        for label, score in result.top_k
    ]
    return vision.Classification(header=header, results=hypotheses)


def label_info_msg(labels: Sequence[str], header: Any) -> Any:
    """vision_msgs/LabelInfo: the class id -> name map consumers of ~/labels need."""
    vision = optional_module("vision_msgs.msg")
    class_map = [vision.VisionClass(class_id=i, class_name=name) for i, name in enumerate(labels)]
    return vision.LabelInfo(header=header, class_map=class_map, threshold=0.0)
