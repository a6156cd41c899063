"""Which bag topic feeds which sensor of the parameter file, and why every other one does not.

Sensor topics resolve as the node's would (relative names under its namespace); remaps
(``/from:=/to``, as ``ros2 bag play --remap`` takes them) rename bag topics first. A
sensor takes the topic it subscribes to when the bag's type is the sensor's type (the node's
subscription would not match another). Every topic gets one role: sensor, truth, ignored
(no sensor subscribes to it, or the type differs) or unknown (its message type is not
installed here, so it cannot be read), with the reason shown in the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.eval.bag import BagSummary
from omnibind_ros.eval.errors import EvalError
from omnibind_ros.pipeline.params import SensorConfig
from omnibind_ros.ros.optional import message_class

TRUTH_TYPE = "std_msgs/msg/String"


@dataclass(frozen=True)
class TopicUse:
    topic: str  # as recorded
    mapped: str  # after remaps
    msg_type: str
    count: int
    role: str  # sensor, truth, ignored or unknown
    sensor: str = ""  # the sensor it feeds (role sensor)
    reason: str = ""


@dataclass(frozen=True)
class TopicPlan:
    uses: tuple[TopicUse, ...]
    missing: dict[str, str]  # sensor name -> why it gets no messages

    @property
    def sensor_topics(self) -> dict[str, str]:
        """Recorded topic -> sensor name."""
        return {u.topic: u.sensor for u in self.uses if u.role == "sensor"}

    @property
    def truth_topic(self) -> str | None:
        return next((u.topic for u in self.uses if u.role == "truth"), None)


def parse_remaps(remaps: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for remap in remaps:
        source, sep, target = remap.partition(":=")
        if not sep or not source.startswith("/") or not target.startswith("/"):
            raise EvalError(f"--remap {remap!r}: expected /from:=/to")
        pairs[source] = target
    return pairs


def resolve_topic(name: str, namespace: str = "/", node: str = "omnibind") -> str:
    """The absolute name a node in ``namespace`` subscribes to (bags record absolute names):
    'camera/image_raw' -> '/camera/image_raw', '~/x' -> '/omnibind/x'."""
    base = "/" + namespace.strip("/") if namespace.strip("/") else ""
    if name.startswith("/"):
        return name
    if name.startswith("~"):
        return f"{base}/{node}{name[1:]}"
    return f"{base}/{name}"


def plan_topics(
    summary: BagSummary,
    sensors: Mapping[str, SensorConfig],
    truth_topic: str,
    remaps: Mapping[str, str],
    namespace: str = "/",
) -> TopicPlan:
    by_topic = {resolve_topic(c.topic, namespace): c for c in sensors.values()}
    uses = []
    for topic, info in sorted(summary.topics.items()):
        mapped = remaps.get(topic, topic)
        config = by_topic.get(mapped)
        use = TopicUse(topic, mapped, info.msg_type, info.count, "ignored")
        if not _installed(info.msg_type):
            use = _with(use, "unknown", reason=f"{info.msg_type} is not installed here: skipped")
        elif mapped == truth_topic:
            if info.msg_type == TRUTH_TYPE:
                use = _with(use, "truth", reason="ground-truth labels")
            else:
                use = _with(use, reason=f"truth topic, but {info.msg_type}, not {TRUTH_TYPE}")
        elif config is None:
            use = _with(use, reason="no sensor subscribes to it")
        elif config.msg_type != info.msg_type:
            use = _with(
                use, reason=f"sensor '{config.name}' subscribes with {config.msg_type}: no match"
            )
        else:
            use = _with(use, "sensor", sensor=config.name, reason=f"{config.modality} sensor")
        uses.append(use)
    fed = {u.sensor for u in uses if u.role == "sensor"}
    mapped = {u.mapped for u in uses}
    missing = {}
    for name, config in sensors.items():
        topic = resolve_topic(config.topic, namespace)
        if name not in fed:
            missing[name] = f"{topic} " + (
                "has another message type in the bag" if topic in mapped else "is not in the bag"
            )
    return TopicPlan(tuple(uses), missing)


def _with(use: TopicUse, role: str = "ignored", sensor: str = "", reason: str = "") -> TopicUse:
    return TopicUse(use.topic, use.mapped, use.msg_type, use.count, role, sensor, reason)


def _installed(msg_type: str) -> bool:
    try:
        message_class(msg_type)
    except ConfigError:
        return False
    return True
