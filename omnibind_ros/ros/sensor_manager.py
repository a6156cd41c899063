"""Subscriptions of the node's sensor slots: created, replaced and destroyed as the sensor
configuration changes, and the graph watched for publishers coming and going.

A subscription callback only converts the message and hands the sample to its slot (latest
wins); a bad message is counted on the slot, logged throttled per sensor, and dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rclpy.callback_groups import CallbackGroup
from rclpy.node import Node
from rclpy.subscription import Subscription

from omnibind_ros.core.errors import OmniBindError
from omnibind_ros.pipeline.log_throttle import KeyedThrottle
from omnibind_ros.pipeline.params import SensorConfig
from omnibind_ros.pipeline.pipeline import PerceptionPipeline
from omnibind_ros.pipeline.slots import SensorSlot
from omnibind_ros.ros.conversions import Converter, converter_for
from omnibind_ros.ros.entities import without_subscription_events
from omnibind_ros.ros.qos import qos_profile


def build_converter(config: SensorConfig) -> Converter:
    """The slot's message conversion; raises ConfigError for a bad type/option combination."""
    return converter_for(config.modality, config.msg_type)(dict(config.options), topic=config.topic)


def offer_message(
    msg: Any,
    converter: Converter,
    targets: Sequence[tuple[PerceptionPipeline, SensorSlot]],
    now_ns: Callable[[], int],
) -> str:
    """Convert ``msg`` once and offer the sample to each (pipeline, slot); a message that
    cannot be converted is counted on the slots instead. Returns the problem ('' if none).

    The node calls this from its subscription callbacks, offline evaluation for each message
    of a bag (several pipelines: several models side by side)."""
    try:
        sample = converter.to_sample(msg)
        # An unset header stamp would put the sample outside every fusion window.
        stamp_ns = converter.stamp_ns(msg) or now_ns()
        frame_id = converter.frame_id(msg)
        for pipeline, slot in targets:  # a stream refusing the sample is a bad message too
            pipeline.offer(slot, sample, stamp_ns, frame_id)
    except (OmniBindError, ValueError) as err:
        problem, counted = f"bad message dropped: {err}", str(err)
    except Exception as err:  # a converter bug must not take the node down
        problem, counted = f"conversion failed: {err!r}", f"{type(err).__name__}: {err}"
    else:
        return ""
    for pipeline, slot in targets:
        pipeline.count_bad(slot, counted)
    return problem


@dataclass
class _Subscribed:
    config: SensorConfig
    slot: SensorSlot
    subscription: Subscription


class SensorManager:
    def __init__(
        self,
        node: Node,
        pipeline: PerceptionPipeline,
        callback_group: CallbackGroup,
        log_period: float = 5.0,
    ) -> None:
        self._node = node
        self._pipeline = pipeline
        self._group = callback_group
        self._throttle = KeyedThrottle(log_period)
        self._subscribed: dict[str, _Subscribed] = {}

    @property
    def configs(self) -> dict[str, SensorConfig]:
        return {name: entry.config for name, entry in self._subscribed.items()}

    def apply(self, configs: Mapping[str, SensorConfig]) -> None:
        """Make the subscriptions match ``configs``: unchanged slots keep their state."""
        for name in [n for n, e in self._subscribed.items() if configs.get(n) != e.config]:
            self._remove(name)
        for name, config in configs.items():
            if name not in self._subscribed:
                self._add(config)

    def poll_publishers(self) -> None:
        """Publisher counts from the graph: unplug shows here even when no message says so."""
        for entry in list(self._subscribed.values()):
            entry.slot.set_publishers(self._node.count_publishers(entry.config.topic))

    def destroy(self) -> None:
        """Drop every subscription quietly (at shutdown /rosout may already be gone)."""
        for name in list(self._subscribed):
            self._remove(name, log=False)

    def _add(self, config: SensorConfig) -> None:
        converter = build_converter(config)
        slot = self._pipeline.add_slot(config)
        # Publisher presence comes from polling count_publishers() (cheap), not from matched
        # events: event handlers cannot be destroyed safely while spinning (see entities.py).
        subscription = self._node.create_subscription(
            converter.msg_type,
            config.topic,
            self._message_callback(slot, converter),
            qos_profile(config.qos),
            callback_group=self._group,
            event_callbacks=without_subscription_events(),
        )
        self._subscribed[config.name] = _Subscribed(config, slot, subscription)
        slot.set_publishers(self._node.count_publishers(config.topic))
        self._node.get_logger().info(
            f"sensor '{config.name}' ({config.modality}) subscribed to {subscription.topic_name} "
            f"[{config.msg_type}, {config.qos}]"
        )

    def _remove(self, name: str, log: bool = True) -> None:
        entry = self._subscribed.pop(name)
        self._pipeline.remove_slot(name)
        self._node.destroy_subscription(entry.subscription)
        if log:
            self._node.get_logger().info(f"sensor '{name}' unsubscribed from {entry.config.topic}")

    def _message_callback(self, slot: SensorSlot, converter: Converter) -> Callable[[Any], None]:
        clock = self._node.get_clock()
        pipeline = self._pipeline

        def on_message(msg: Any) -> None:
            problem = offer_message(msg, converter, [(pipeline, slot)], clock_ns)
            if problem:
                self.warn_throttled(slot.name, f"sensor '{slot.name}': {problem}")

        def clock_ns() -> int:
            return clock.now().nanoseconds

        return on_message

    def warn_throttled(self, key: str, message: str) -> None:
        """A warning about sensor ``key``, at most once per log period (with a skipped count)."""
        text = self._throttle.message(key, message)
        if text is not None:
            self._node.get_logger().warning(text)
