"""Fusion on arrival: a scene is fused and handed on as soon as a new embedding lands.

Latency then is convert + preprocess + encode + fuse + transport, instead of that plus half a
timer period. A maximum scene rate caps the work when many sensors encode at once (a
``RateBudget``: on average, so two embeddings landing close together are not held apart); an
embedding that lands when the budget is spent is not dropped: the scene is fused as soon as
the budget allows (trailing edge), so every encoded sample still reaches a label.

Called from the encoder threads (``poll``); one scene is fused and published at a time, in
order. The cap runs on its own clock (wall monotonic by default): it bounds CPU use, which is
wall time, also while a simulated clock stands still.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from omnibind_ros.pipeline.inference import SceneResult
from omnibind_ros.pipeline.rate_budget import RateBudget

Clock = Callable[[], float]


class ArrivalFusion:
    """``poll()`` after every stored embedding fuses now, or says when it may (the cap)."""

    def __init__(
        self,
        fuse: Callable[[], SceneResult | None],
        publish: Callable[[SceneResult], None],
        max_rate_hz: float,
        *,
        report_error: Callable[[Exception], None] = lambda err: None,
        clock: Clock = time.monotonic,
    ) -> None:
        self._fuse = fuse
        self._publish = publish
        self._report_error = report_error
        self._clock = clock
        self._lock = threading.Lock()
        self._budget = RateBudget(max_rate_hz)
        self._pending = False  # an embedding landed that no published scene includes yet
        self._busy = False  # a thread is fusing/publishing now
        self.enabled = True

    def set_max_rate_hz(self, max_rate_hz: float) -> None:
        with self._lock:
            self._budget.set_rate(max_rate_hz, self._clock())

    def embedding_landed(self) -> float | None:
        """Mark new data and fuse if the cap allows; the worker's ``on_embedding`` hook."""
        with self._lock:
            self._pending = self._pending or self.enabled
        return self.poll()

    def poll(self) -> float | None:
        """Fuse and publish if data is new and the cap allows; else seconds until it does
        (None: nothing new, or another thread is fusing and will look again)."""
        while True:
            with self._lock:
                if not self._pending or self._busy:
                    return None
                now = self._clock()
                if not self._budget.take(now):
                    return self._budget.wait(now)
                self._pending, self._busy = False, True
            try:
                result = self._fuse()
                if result is not None:
                    self._publish(result)
            except Exception as err:  # a fusion or publishing bug must not stop the encoder
                self._report_error(err)
            finally:
                with self._lock:
                    self._busy = False
            # Loop: an embedding may have landed while this scene was fused.
