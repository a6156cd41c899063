"""The perception pipeline: converted samples -> sensor slots -> embeddings -> fused scenes.

One object holds everything the node's rules need (slots, the encoder worker, the fuser, scene
statistics) and reads time from one injected clock. The perception node drives it with the ROS
clock (so ``use_sim_time`` works); offline evaluation drives it with bag time and encodes
synchronously with :meth:`encode_due` instead of starting the worker threads.

Scenes come out two ways (``FUSION_MODES``): ``arrival`` fuses whenever a new embedding lands
and hands the scene to ``on_scene`` from the encoder thread (capped at ``max_scene_hz``);
``timer`` leaves it to the caller to call :meth:`fuse` at its own rate.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from omnibind_ros.pipeline.arrival import ArrivalFusion
from omnibind_ros.pipeline.hotplug import HotplugTracker, Transition
from omnibind_ros.pipeline.inference import EncoderWorker, ErrorReporter, SceneFuser, SceneResult
from omnibind_ros.pipeline.params import FUSION_MODES, NodeConfig, SensorConfig
from omnibind_ros.pipeline.slots import RateEstimator, SensorSlot, SlotRegistry, SlotView
from omnibind_ros.pipeline.streams import audio_clip_seconds, stream_for

Clock = Callable[[], float]  # seconds; only differences matter


class PerceptionPipeline:
    """Slots by name, one encoder, one fuser, all on ``clock``.

    Thread-safe in the way the node uses it: callbacks ``offer``/``count_bad`` from any thread,
    the encoder threads encode (and, on arrival, fuse), one timer thread at a time calls
    ``fuse``. ``rate_clock`` paces the scene cap (wall time by default, see arrival.py).
    """

    @classmethod
    def from_config(cls, model: Any, config: NodeConfig, **drivers: Any) -> PerceptionPipeline:
        """The pipeline the node's parameters describe; ``drivers`` are what the caller runs
        it with (clock, callbacks, threads). The node and offline replay both build it here,
        so they apply the same rules."""
        return cls(
            model,
            top_k=config.top_k,
            fusion_window=config.fusion_window,
            max_encode_hz=config.max_encode_hz,
            fusion_mode=config.fusion_mode,
            max_scene_hz=config.max_scene_hz,
            **drivers,
        )

    def __init__(
        self,
        model: Any,
        *,
        top_k: int,
        fusion_window: float,
        max_encode_hz: Mapping[str, float],
        clock: Clock = time.monotonic,
        report_error: ErrorReporter = lambda slot, problem: None,
        encoder_threads: int = 1,
        fusion_mode: str = "timer",
        max_scene_hz: float = 100.0,
        on_scene: Callable[[SceneResult], None] = lambda scene: None,
        on_fusion_error: Callable[[Exception], None] = lambda err: None,
        rate_clock: Clock = time.monotonic,
    ) -> None:
        self.model = model
        self.clock = clock
        self.registry = SlotRegistry()
        self.fuser = SceneFuser(model, top_k)
        self.arrival = ArrivalFusion(
            self.fuse, on_scene, max_scene_hz, report_error=on_fusion_error, clock=rate_clock
        )
        self.set_fusion_mode(fusion_mode)
        self.worker = EncoderWorker(
            model.encode,
            self.registry,
            report_error,
            clock,
            threads=encoder_threads,
            on_embedding=self.arrival.embedding_landed,
            on_idle=self.arrival.poll,
        )
        self.fusion_window = fusion_window
        self.scene_rate = RateEstimator()
        self._hotplug = HotplugTracker()
        self._max_encode_hz = dict(max_encode_hz)
        audio = model.preprocess_params("audio") if "audio" in model.modalities else None
        self._audio_clip_seconds = audio_clip_seconds(audio)
        self._fuse_seconds: deque[float] = deque(maxlen=200)
        self._stats_lock = threading.Lock()

    # -- slots --------------------------------------------------------------------------------

    def add_slot(self, config: SensorConfig) -> SensorSlot:
        """A new, empty slot for ``config`` (replacing one of the same name)."""
        slot = SensorSlot(
            config,
            stream_for(config.modality, dict(config.options), self._audio_clip_seconds),
            self._max_encode_hz[config.modality],
        )
        self.registry.add(slot)
        return slot

    def remove_slot(self, name: str) -> SensorSlot | None:
        return self.registry.remove(name)

    def set_max_encode_hz(self, max_encode_hz: Mapping[str, float]) -> None:
        self._max_encode_hz = dict(max_encode_hz)
        for slot in self.registry.all():
            slot.set_max_encode_hz(self._max_encode_hz[slot.config.modality], self.clock())

    def set_fusion_mode(self, mode: str) -> None:
        if mode not in FUSION_MODES:
            raise ValueError(f"fusion mode {mode!r} must be one of {', '.join(FUSION_MODES)}")
        self.arrival.enabled = mode == "arrival"

    def views(self) -> list[SlotView]:
        return self.registry.views(self.clock())

    def plug_transitions(self) -> list[Transition]:
        """Slots that became active or inactive since the last call, each reported once. An
        unplugged slot drops its buffered data: a returning sensor starts fresh, not with old
        audio."""
        transitions = self._hotplug.update(self.views())
        for transition in transitions:
            slot = self.registry.get(transition.slot)
            if not transition.plugged and slot is not None:
                slot.reset_stream()
        return transitions

    # -- samples, encoding, fusion ------------------------------------------------------------

    def offer(self, slot: SensorSlot, sample: Any, stamp_ns: int, frame_id: str = "") -> None:
        """Store a converted sample in its slot and wake the encoder."""
        slot.offer(sample, stamp_ns, self.clock(), frame_id)
        self.worker.wake()

    def count_bad(self, slot: SensorSlot, problem: str) -> None:
        slot.count_bad(problem, self.clock())

    def encode_due(self) -> int:
        """Encode, in this thread, every slot whose new data is due now (offline driving; in
        arrival mode each new embedding is fused and handed to ``on_scene`` on the way)."""
        return self.worker.run_once()

    def fuse(self) -> SceneResult | None:
        """Fuse the active slots' embeddings now; None when no slot is ready."""
        started = time.perf_counter()
        result = self.fuser.fuse(self.views(), round(self.fusion_window * 1e9))
        if result is None:
            return None
        with self._stats_lock:
            self._fuse_seconds.append(time.perf_counter() - started)
        self.scene_rate.tick(self.clock())
        return result

    def fuse_seconds(self) -> list[float]:
        """Recent fusion durations (wall seconds), for diagnostics."""
        with self._stats_lock:
            return list(self._fuse_seconds)
