"""With use_sim_time, staleness and the fusion tick follow /clock, not the wall clock: a
bag played slowly keeps a quiet sensor alive longer in wall time, a clock jump ages it at once
(real rclpy and DDS, /clock published by the test)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from fixtures_model import untrained_model
from rclpy.parameter import Parameter
from ros_harness import JsonRecorder, wait_until
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import Image

from omnibind_ros.ros.conversions import image_to_msg
from omnibind_ros.ros.conversions.header import ns_to_stamp
from omnibind_ros.ros.perception_node import PerceptionNode

pytestmark = pytest.mark.ros

STALE = 1.0  # s of sim time
START_NS = 1_000_000_000_000


class SimClock:
    """Publishes /clock every 20 ms of wall time, advancing ``rate`` sim seconds per second."""

    def __init__(self, publisher) -> None:
        self._publisher = publisher
        self._lock = threading.Lock()
        self._now_ns, self.rate = START_NS, 1.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def now_ns(self) -> int:
        with self._lock:
            return self._now_ns

    def jump(self, seconds: float) -> None:
        with self._lock:
            self._now_ns += round(seconds * 1e9)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            with self._lock:
                self._now_ns += round(0.02 * self.rate * 1e9)
                stamp = ns_to_stamp(self._now_ns)
            self._publisher.publish(Clock(clock=stamp))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)


def test_a_quiet_sensor_goes_stale_after_stale_timeout_of_sim_time(ros) -> None:
    clock = SimClock(ros.helper.create_publisher(Clock, "/clock", 10))
    params = [
        Parameter("use_sim_time", value=True),
        Parameter("sensors.names", Parameter.Type.STRING_ARRAY, ["cam"]),
        Parameter("sensors.cam.modality", value="image"),
        Parameter("sensors.cam.topic", value="/simtime/camera"),
        Parameter("sensors.cam.stale_timeout", value=STALE),
        Parameter("fusion_window", value=10.0),
        Parameter("rate_hz", value=10.0),
        # A scene per timer tick even while the camera is quiet: staleness shows as scenes stopping.
        Parameter("fusion.mode", value="timer"),
    ]
    node = ros.add(
        PerceptionNode(model=untrained_model(), context=ros.context, parameter_overrides=params)
    )
    camera = ros.publisher(Image, "/simtime/camera")
    scenes = JsonRecorder(ros, "/omnibind/scene")
    rgb = np.random.default_rng(1).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    try:
        # Frames stamped in sim time, as a bag replays them, until scenes flow.
        def frame_and_scene() -> bool:
            camera.publish(image_to_msg(rgb, "rgb8", clock.now_ns(), "cam"))
            return scenes.latest() is not None

        assert wait_until(frame_and_scene, 20.0, interval=0.05)
        # The sensor falls quiet while the bag plays at a quarter of real time: 2.5 s of wall
        # time are 0.6 s of sim time, inside stale_timeout, so scenes keep coming.
        clock.rate = 0.25
        quiet_since = time.monotonic()
        time.sleep(2.5)
        late = [t for t in scenes.times_since(quiet_since) if t > quiet_since + 1.5 * STALE]
        assert late, "the sensor went stale on wall time"
        assert node.get_clock().now().nanoseconds < START_NS + 60 * 10**9  # the node is on /clock
        # A jump of the sim clock past stale_timeout ages it at once: scenes stop.
        clock.jump(2 * STALE)
        time.sleep(0.5)
        stopped = time.monotonic()
        time.sleep(1.0)
        assert scenes.times_since(stopped) == []
    finally:
        scenes.close()
        clock.stop()
        ros.remove(node)
