"""The perception node: whatever sensors publish now -> one embedding space -> scene labels.

A thin rclpy shell over :class:`~omnibind_ros.pipeline.pipeline.PerceptionPipeline`, which
holds the slots, the encoder and the fuser and reads time from the node's clock (so staleness,
rate limits and fusion windows follow ``use_sim_time``).

Threads: subscription callbacks (a reentrant group) only convert and store the newest sample
of their slot; ``threads.encoders`` encoder threads embed new samples and, with
``fusion.mode: arrival``, fuse and publish a scene as soon as an embedding lands (at most
``fusion.max_rate_hz``); with ``fusion.mode: timer`` a fusion timer (its own group) does so at
``rate_hz``. A housekeeping group polls the graph, reports plug/unplug, publishes diagnostics
and runs discovery. Nothing waits for a missing sensor and no queue grows: each slot holds one
sample. ``executor`` picks the rclpy executor `perception_node` spins on.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from rcl_interfaces.msg import SetParametersResult
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile
from rclpy.timer import Timer
from sensor_msgs.msg import Image
from std_msgs.msg import String

from omnibind_ros.core.errors import ConfigError
from omnibind_ros.core.inference_model import InferenceModel
from omnibind_ros.core.modalities import SENSOR_MODALITIES
from omnibind_ros.paths import default_bundle_path
from omnibind_ros.pipeline.gc_pauses import GcPauseMonitor, freeze_start_up_objects
from omnibind_ros.pipeline.hotplug import discover
from omnibind_ros.pipeline.inference import SceneResult
from omnibind_ros.pipeline.params import (
    NODE_PARAMETERS,
    SENSOR_PARAMETERS,
    IncompleteSensorError,
    NodeConfig,
    SensorConfig,
    parse_node_config,
    parse_sensor_config,
)
from omnibind_ros.pipeline.pipeline import PerceptionPipeline
from omnibind_ros.pipeline.warmup import warm_up
from omnibind_ros.ros import outputs
from omnibind_ros.ros.conversions import image_to_msg
from omnibind_ros.ros.conversions.header import make_header
from omnibind_ros.ros.diagnostics import DiagnosticsReporter, diagnostic_array
from omnibind_ros.ros.executors import run_nodes
from omnibind_ros.ros.optional import optional_module
from omnibind_ros.ros.ros_params import declare, declare_all, value
from omnibind_ros.ros.sensor_manager import SensorManager, build_converter
from omnibind_ros.runtime.loading import load_model

NODE_NAME = "omnibind"
# Changing these means loading another model: restart the node instead.
READ_ONLY = (
    "model.bundle", "model.fp16", "model.cache_dir", "backend", "device",
    "threads.encoders", "threads.onnxruntime", "threads.torch", "threads.blas", "executor",
)  # fmt: skip
_SPECS = {spec.name: spec for spec in NODE_PARAMETERS}
_SENSOR_SPECS = {spec.name: spec for spec in SENSOR_PARAMETERS}
_BASE_SENSOR_SPECS = [s for s in SENSOR_PARAMETERS if s.modalities == SENSOR_MODALITIES]


class PerceptionNode(Node):
    """``model`` may be given ready to run (its backend attached by the caller); otherwise
    ``model.bundle`` is loaded with the configured backend and device."""

    def __init__(self, *, model: InferenceModel | None = None, **node_kwargs: Any) -> None:
        super().__init__(NODE_NAME, **node_kwargs)
        self._pipeline: PerceptionPipeline | None = None
        self._sensors: SensorManager | None = None
        self._gc_pauses = GcPauseMonitor()
        try:
            self._set_up(model)
        except Exception:
            self.destroy_node()  # a node that cannot start leaves nothing behind
            raise

    def _set_up(self, model: InferenceModel | None) -> None:
        declare_all(self, NODE_PARAMETERS, read_only=READ_ONLY)
        self._config = parse_node_config(self._node_value, default_bundle_path())
        if model is None:
            config = self._config
            model = load_model(
                config.bundle, config.backend, config.device, cache_dir=config.cache_dir,
                fp16=config.fp16, log=self._log_info,
                onnxruntime_threads=config.onnxruntime_threads, torch_threads=config.torch_threads,
                blas_threads=config.blas_threads,
            )  # fmt: skip
        self._model = model
        if self._config.labels:
            self._model.set_labels(list(self._config.labels))
        took = warm_up(self._model.encode, self._model.modalities)
        self._log_info(
            "first encodes: " + ", ".join(f"{m} {s * 1e3:.0f} ms" for m, s in took.items())
        )
        pipeline = PerceptionPipeline.from_config(
            self._model,
            self._config,
            clock=self._clock_seconds,
            report_error=self._report_encode_error,
            encoder_threads=self._config.encoder_threads,
            on_scene=self._publish_scene,
            on_fusion_error=self._report_fusion_error,
        )
        self._pipeline = pipeline
        self._fuser = pipeline.fuser
        self._declaring = False  # our own declarations re-enter the parameter callbacks
        self._waiting_sensors: set[str] = set()
        self._discovered_topics: set[str] = set()
        self._diagnostics = DiagnosticsReporter(self.get_fully_qualified_name())

        self._fusion_group = MutuallyExclusiveCallbackGroup()
        self._housekeeping_group = MutuallyExclusiveCallbackGroup()
        self._sensors = SensorManager(self, pipeline, callback_group=ReentrantCallbackGroup())
        self._create_publishers()
        for name in self._config.sensor_names:
            self._declare_sensor(name)
        self._sensors.apply(self._sensor_configs(strict=True))
        self.add_on_set_parameters_callback(self._validate_parameters)
        self.add_post_set_parameters_callback(self._apply_parameters)

        self._periodic: dict[str, Timer] = {}
        self._start_timers()
        pipeline.worker.pause(not self._config.enabled)
        frozen = freeze_start_up_objects()
        self._gc_pauses.install()
        pipeline.worker.start()
        self._log_info(
            f"ready: {len(self._model.labels)} labels, model modalities "
            f"{', '.join(self._model.modalities)}, sensors {', '.join(self._sensors.configs)}"
        )
        self.get_logger().debug(f"{frozen} start-up objects kept out of garbage collection")

    # -- lifecycle ----------------------------------------------------------------------------

    def destroy_node(self) -> None:
        self._gc_pauses.remove()
        if self._pipeline is not None:
            self._pipeline.worker.stop()
        if self._sensors is not None:
            self._sensors.destroy()
        super().destroy_node()

    def _log_info(self, message: str) -> None:
        self.get_logger().info(message)

    def _clock_seconds(self) -> float:
        """The pipeline's clock: the node's (ROS time, sim time under ``use_sim_time``)."""
        return self.get_clock().now().nanoseconds / 1e9

    @property
    def executor_kind(self) -> str:
        """The executor this node asks to be spun on (parameter ``executor``)."""
        return self._config.executor

    @property
    def model(self) -> InferenceModel:
        return self._model

    def sensor_names(self) -> tuple[str, ...]:
        """The sensors listed now (configured, added by parameter or by discovery)."""
        return self._config.sensor_names

    def _create_publishers(self) -> None:
        self._scene_pub = self.create_publisher(String, "~/scene", 10)
        self._diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self._overlay_pub = self.create_publisher(Image, "~/overlay", 2)
        self._labels_pub = self._label_info_pub = None
        if outputs.vision_msgs_available():
            vision = optional_module("vision_msgs.msg")
            self._labels_pub = self.create_publisher(vision.Classification, "~/labels", 10)
            latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
            self._label_info_pub = self.create_publisher(vision.LabelInfo, "~/label_info", latched)
            self._publish_label_info()

    def _start_timers(self) -> None:
        specs: dict[str, tuple[float, Callable[[], None], Any]] = {
            "hotplug": (self._config.poll_period, self._on_hotplug_tick, self._housekeeping_group),
            "diagnostics": (
                self._config.diagnostics_period,
                self._on_diagnostics_tick,
                self._housekeeping_group,
            ),
        }
        if self._config.fusion_mode == "timer":
            specs["fusion"] = (1.0 / self._config.rate_hz, self._on_fusion_tick, self._fusion_group)
        if self._config.discovery_enabled:
            specs["discovery"] = (
                self._config.discovery_period,
                self._on_discovery_tick,
                self._housekeeping_group,
            )
        for timer in self._periodic.values():
            self.destroy_timer(timer)
        self._periodic = {
            name: self.create_timer(period, callback, callback_group=group)
            for name, (period, callback, group) in specs.items()
        }

    # -- parameters ---------------------------------------------------------------------------

    def _node_value(self, name: str, pending: dict[str, Any] | None = None) -> Any:
        if pending and name in pending:
            return pending[name]
        return value(self, name, _SPECS[name].default)

    def _sensor_value(self, sensor: str, key: str, pending: dict[str, Any] | None = None) -> Any:
        name = f"sensors.{sensor}.{key}"
        if pending and name in pending:
            return pending[name]
        if not self.has_parameter(name):
            return _SENSOR_SPECS[key].default
        return value(self, name, _SENSOR_SPECS[key].default)

    def _declare_sensor(self, name: str) -> None:
        """Declare `sensors.<name>.*` (YAML values win) and the options of its modality."""
        self._declaring = True
        try:
            prefix = f"sensors.{name}."
            declare_all(self, _BASE_SENSOR_SPECS, prefix=prefix)
            modality = str(value(self, prefix + "modality", ""))
            for spec in SENSOR_PARAMETERS:
                if modality in spec.modalities:
                    declare(self, prefix + spec.name, spec)
        finally:
            self._declaring = False

    def _parse_sensor(self, name: str, pending: dict[str, Any] | None = None) -> SensorConfig:
        config = parse_sensor_config(name, lambda key: self._sensor_value(name, key, pending))
        if config.modality not in self._model.modalities:
            raise ConfigError(
                f"sensors.{name}.modality: the model has no {config.modality} encoder; "
                f"it has {', '.join(self._model.modalities)}"
            )
        build_converter(config)  # checks the message type and the options
        return config

    def _sensor_configs(self, strict: bool) -> dict[str, SensorConfig]:
        """Complete sensors of `sensors.names`; at start (``strict``) any problem is fatal."""
        configs = {}
        for name in self._config.sensor_names:
            try:
                configs[name] = self._parse_sensor(name)
            except IncompleteSensorError as err:
                if strict:
                    raise
                if name not in self._waiting_sensors:
                    self.get_logger().info(f"sensor '{name}' waits for its settings: {err}")
                    self._waiting_sensors.add(name)
            except ConfigError as err:
                if strict:
                    raise
                self.get_logger().error(f"sensor '{name}' left out: {err}")
        self._waiting_sensors &= set(self._config.sensor_names) - set(configs)
        return configs

    def _validate_parameters(self, params: Sequence[Parameter]) -> SetParametersResult:
        """Reject a change that would break the node, with a reason saying what to fix."""
        if self._declaring:
            return SetParametersResult(successful=True)
        pending = {p.name: p.value for p in params}
        try:
            if "labels" in pending and not pending["labels"]:
                raise ConfigError("labels must not be empty: give at least one label")
            config = parse_node_config(
                lambda name: self._node_value(name, pending), default_bundle_path()
            )
            touched = {
                n.split(".")[1] for n in pending if n.startswith("sensors.") and n.count(".") >= 2
            }
            for name in touched & set(config.sensor_names):
                # An incomplete sensor is being filled in, one parameter at a time.
                with contextlib.suppress(IncompleteSensorError):
                    self._parse_sensor(name, pending)
        except ConfigError as err:
            return SetParametersResult(successful=False, reason=str(err))
        return SetParametersResult(successful=True)

    def _apply_parameters(self, params: Sequence[Parameter]) -> None:
        if self._declaring:
            return
        changed = {p.name for p in params}
        old = self._config
        self._config = parse_node_config(self._node_value, default_bundle_path())
        if "labels" in changed and self._config.labels != tuple(self._fuser.labels):
            self._fuser.set_labels(self._config.labels)
            self._publish_label_info()
            self.get_logger().info(f"labels now: {', '.join(self._config.labels)}")
        if self._config.enabled != old.enabled:
            self._pipeline.worker.pause(not self._config.enabled)
            self.get_logger().info("resumed" if self._config.enabled else "paused (enabled: false)")
        self._fuser.top_k = self._config.top_k
        self._pipeline.fusion_window = self._config.fusion_window
        if self._config.max_encode_hz != old.max_encode_hz:
            self._pipeline.set_max_encode_hz(self._config.max_encode_hz)
        self._pipeline.set_fusion_mode(self._config.fusion_mode)
        self._pipeline.arrival.set_max_rate_hz(self._config.max_scene_hz)
        if _timing(old) != _timing(self._config):
            self._start_timers()
        if any(name.startswith("sensors.") for name in changed):
            for name in self._config.sensor_names:
                self._declare_sensor(name)
            self._sensors.apply(self._sensor_configs(strict=False))

    # -- timers -------------------------------------------------------------------------------

    def _on_fusion_tick(self) -> None:
        try:
            result = self._pipeline.fuse()
            if result is not None:
                self._publish_scene(result)
        except Exception as err:  # a fusion bug must not stop the labels for good
            self._report_fusion_error(err)

    def _report_fusion_error(self, err: Exception) -> None:
        self.get_logger().error(f"fusion failed: {err!r}", throttle_duration_sec=5.0)

    def _publish_scene(self, result: SceneResult) -> None:
        """~/scene, ~/labels and the overlay for one fused scene (from the fusion timer, or
        from an encoder thread when fusing on arrival). Paused (``enabled`` false): nothing."""
        if not self._config.enabled:
            return
        now_ns = self.get_clock().now().nanoseconds
        self._scene_pub.publish(String(data=outputs.scene_json(result, now_ns, result.frame_id)))
        if self._labels_pub is not None:
            header = make_header(result.stamp_ns, result.frame_id)
            self._labels_pub.publish(outputs.classification_msg(result, self._fuser.labels, header))
        # Drawing a frame per scene is costly (tens of scenes per second on arrival): only for
        # someone watching, as image transports do.
        if self._config.overlay_enabled and self._overlay_pub.get_subscription_count():
            self._publish_overlay(result)
        label, score = result.top_k[0]
        self.get_logger().debug(f"scene {label} {score:.2f} from {', '.join(result.modalities)}")

    def _on_hotplug_tick(self) -> None:
        self._sensors.poll_publishers()
        for transition in self._pipeline.plug_transitions():
            self.get_logger().info(transition.describe())

    def _on_diagnostics_tick(self) -> None:
        pipeline = self._pipeline
        views = pipeline.views()
        statuses = [self._diagnostics.sensor_status(v) for v in views]
        statuses.append(
            self._diagnostics.node_status(
                views,
                pipeline.fuse_seconds(),
                list(pipeline.worker.encode_seconds),
                pipeline.scene_rate.rate(pipeline.clock()),
                len(self._fuser.labels),
                pipeline.worker.running,
                gc_pause=self._gc_pauses.take_max(),
            )
        )
        if not self._config.enabled:
            statuses[-1] = replace(statuses[-1], message="paused: enabled is false")
        self._diag_pub.publish(diagnostic_array(statuses, self.get_clock().now().to_msg()))

    def _on_discovery_tick(self) -> None:
        names = self._config.sensor_names
        # The graph lists resolved names; configured topics may be relative to the namespace.
        configured = (str(self._sensor_value(n, "topic")).strip() for n in names)
        taken_topics = {self.resolve_topic_name(t) for t in configured if t}
        topics = self.get_topic_names_and_types()
        found = [
            c
            for c in discover(self._config.discovery_rules, topics, set(names), taken_topics)
            if c.topic not in self._discovered_topics
        ]
        if not found:
            return
        for config in found:
            # Remembered, so a sensor the user removes again is not re-added behind their back.
            self._discovered_topics.add(config.topic)
            self._declare_sensor(config.name)
            self.set_parameters(
                [
                    Parameter(f"sensors.{config.name}.modality", value=config.modality),
                    Parameter(f"sensors.{config.name}.topic", value=config.topic),
                    Parameter(f"sensors.{config.name}.type", value=config.msg_type),
                ]
            )
            self.get_logger().info(
                f"discovered {config.topic} ({config.msg_type}) as sensor '{config.name}' "
                f"({config.modality})"
            )
        names = [*names, *(c.name for c in found)]
        self.set_parameters([Parameter("sensors.names", Parameter.Type.STRING_ARRAY, names)])

    # -- outputs ------------------------------------------------------------------------------

    def _publish_label_info(self) -> None:
        if self._label_info_pub is not None:
            header = make_header(self.get_clock().now().nanoseconds, "")
            self._label_info_pub.publish(outputs.label_info_msg(self._fuser.labels, header))

    def _publish_overlay(self, result: SceneResult) -> None:
        wanted = self._config.overlay_sensor
        slots = [
            s
            for s in self._pipeline.registry.all()
            if (s.name == wanted if wanted else s.config.modality == "image")
        ]
        frame = slots[0].last_sample() if slots else None
        if frame is None:
            return
        drawn = outputs.draw_overlay(frame, outputs.overlay_lines(result))
        frame_id = slots[0].view(self._pipeline.clock()).frame_id
        self._overlay_pub.publish(image_to_msg(drawn, "rgb8", result.stamp_ns, frame_id))

    def _report_encode_error(self, slot: str, problem: str) -> None:
        self._sensors.warn_throttled(slot, f"sensor '{slot}': sample dropped: {problem}")


def _timing(config: NodeConfig) -> tuple[Any, ...]:
    """The settings the timers are built from: a change means new timers."""
    return (
        config.fusion_mode,
        config.rate_hz,
        config.poll_period,
        config.diagnostics_period,
        config.discovery_enabled,
        config.discovery_period,
    )


def main(args: Sequence[str] | None = None) -> int:
    """`ros2 run omnibind_ros perception_node`: exits 1 with a reason on a bad config/bundle."""
    return run_nodes(
        "omnibind perception node cannot start",
        lambda nodes: nodes.append(PerceptionNode()),
        args,
        executor=lambda nodes: nodes[0].executor_kind,
    )


if __name__ == "__main__":
    sys.exit(main())
