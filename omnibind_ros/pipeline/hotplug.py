"""Plug/unplug transitions of sensor slots, reported once each, and topic auto-discovery.

ROS-free: the node feeds slot views (activity already decided by the slot from publisher
count, message age and encoder state) and topic lists from the graph; this module decides what
changed and what to add.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from omnibind_ros.pipeline.params import (
    DiscoveryRule,
    SensorConfig,
    discovered_sensor_name,
    sensor_config_for_topic,
)
from omnibind_ros.pipeline.slots import SlotView


@dataclass(frozen=True)
class Transition:
    slot: str
    modality: str
    topic: str
    plugged: bool
    reason: str  # why unplugged ('' when plugged)

    def describe(self) -> str:
        if self.plugged:
            return f"sensor '{self.slot}' ({self.modality}) plugged in on {self.topic}"
        return f"sensor '{self.slot}' ({self.modality}) unplugged from {self.topic}: {self.reason}"


class HotplugTracker:
    """Remembers which slots were active, and reports each change exactly once."""

    def __init__(self) -> None:
        self._active: dict[str, bool] = {}

    def update(self, views: Iterable[SlotView]) -> list[Transition]:
        transitions = []
        seen = set()
        for view in views:
            seen.add(view.name)
            was = self._active.get(view.name, False)
            if view.active != was:
                transitions.append(
                    Transition(view.name, view.modality, view.topic, view.active, view.reason)
                )
            self._active[view.name] = view.active
        for name in set(self._active) - seen:
            del self._active[name]  # removed slots: a re-added one starts unplugged
        return transitions


def discover(
    rules: Iterable[DiscoveryRule],
    topics: Iterable[tuple[str, list[str]]],
    taken_names: Iterable[str],
    taken_topics: Iterable[str],
) -> list[SensorConfig]:
    """Slots to add: topics matching a rule (first rule wins) that no sensor uses already."""
    rules = list(rules)
    taken_names, taken_topics = set(taken_names), set(taken_topics)
    found = []
    for topic, types in sorted(topics):
        if topic in taken_topics:
            continue
        rule = next((r for r in rules if r.matches(topic, types)), None)
        if rule is None:
            continue
        name = discovered_sensor_name(topic, taken_names)
        found.append(sensor_config_for_topic(name, topic, rule.msg_type, rule.modality))
        taken_names.add(name)
        taken_topics.add(topic)
    return found
