"""Playing a bag over DDS as ``ros2 bag play --clock`` does: in a process of its own.

Every message of the chosen topics goes out as recorded (its CDR bytes) at recorded timing
scaled by ``rate``, with /clock carrying bag time. The player is a separate interpreter, as
``ros2 bag play`` is, because in the caller's process (the evaluator, with torch, an executor
and the scores) garbage collections and executor threads held the interpreter for up to
0.2 s at a time: the player fell behind and then sent its backlog at once, so the node saw
bursts instead of sensor rates. Here the only Python thread is the one publishing, and the
process imports no more than rclpy, the message packages and the bag reader.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import rclpy
from builtin_interfaces.msg import Time
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from rosgraph_msgs.msg import Clock

from omnibind_ros.eval.bag import Bag
from omnibind_ros.eval.errors import EvalError
from omnibind_ros.pipeline.gc_pauses import freeze_start_up_objects
from omnibind_ros.ros.entities import without_publisher_events
from omnibind_ros.ros.optional import message_class
from omnibind_ros.ros.qos import TRUTH_QOS

CLOCK_PERIOD_S = 0.01  # /clock between messages (ros2 bag play --clock defaults to 40 Hz)
TAIL_S = 1.5  # bag seconds of /clock after the last message: the node's last scenes go out
START_TIMEOUT_S = 60.0  # the player's interpreter starting and importing rclpy
FINISH_MARGIN_S = 30.0  # past the bag's length at ``rate``: a loaded machine runs late
PLAYING, PLAYED = "playing", "played"  # what the player process says as it goes


@dataclass(frozen=True)
class PlayedTopic:
    topic: str  # as recorded
    mapped: str  # published as (after the node's remaps)
    msg_type: str
    truth: bool  # latched, as the recorder offered it; otherwise sensor-data QoS


@dataclass(frozen=True)
class PlayRequest:
    bag: Path
    topics: tuple[PlayedTopic, ...]
    rate: float
    domain_id: int | None
    discovery_timeout_s: float  # for a subscriber on every played topic


class PlayerProcess:
    """``python -m omnibind_ros.eval.player REQUEST``: :meth:`run` returns once it has played
    the whole bag. The child says PLAYING once the node listens and PLAYED at the end on its
    stdout, or instead the one-line reason it could not."""

    def __init__(self, request: PlayRequest) -> None:
        self._request = request

    def run(self, bag_duration_s: float) -> None:
        """Play the whole bag; EvalError with the player's one line if it could not."""
        command = [sys.executable, "-m", __name__, json.dumps(_request_to_json(self._request))]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        playing_s = (bag_duration_s + TAIL_S) / self._request.rate + FINISH_MARGIN_S
        try:
            for step, timeout_s in (
                (PLAYING, START_TIMEOUT_S + self._request.discovery_timeout_s),
                (PLAYED, playing_s),
            ):
                said = _next_line(process, timeout_s)
                if said != step:
                    raise EvalError(said)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()


def _next_line(process: subprocess.Popen, timeout_s: float) -> str:
    """The player's next line: a step, or why it stopped."""
    ready, _, _ = select.select([process.stdout], [], [], timeout_s)
    if not ready:
        return f"the bag player did not go on within {timeout_s:g} s"
    line = process.stdout.readline().strip()
    return line or f"the bag player exited with {process.wait()} before it finished"


def _request_to_json(request: PlayRequest) -> dict:
    return {**asdict(request), "bag": str(request.bag)}


def _request_from_json(data: dict) -> PlayRequest:
    topics = tuple(PlayedTopic(**t) for t in data.pop("topics"))
    return PlayRequest(**{**data, "bag": Path(data["bag"]), "topics": topics})


def main(argv: Sequence[str] | None = None) -> int:
    """The player process: its one argument is the JSON request."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        play(_request_from_json(json.loads(argv[0])), on_playing=lambda: _say(PLAYING))
    except EvalError as err:
        _say(str(err))
        return 1
    _say(PLAYED)
    return 0


def _say(line: str) -> None:
    print(line, flush=True)


def play(request: PlayRequest, on_playing: Callable[[], None] = lambda: None) -> None:
    """Play ``request`` from this process (the body of the player process); ``on_playing``
    once a subscriber listens on every played topic."""
    bag = Bag(request.bag)
    context = rclpy.Context()
    rclpy.init(args=[], context=context, domain_id=request.domain_id)
    try:
        player = BagPlayer(bag, request.topics, context)
        try:
            # What is alive now lives until the process ends: no collection walks it again.
            freeze_start_up_objects()
            player.wait_for_subscribers(request.discovery_timeout_s)
            on_playing()
            player.play(request.rate)
        finally:
            player.destroy_node()
    finally:
        rclpy.try_shutdown(context=context)


class BagPlayer(Node):
    """Publishes the bag's topics at recorded timing, and /clock. Publishing needs no
    executor: nothing here is spun."""

    def __init__(self, bag: Bag, topics: Sequence[PlayedTopic], context: rclpy.Context) -> None:
        super().__init__("omnibind_bag_player", context=context)
        self._bag = bag
        self._clock_pub = self.create_publisher(Clock, "/clock", 10)
        self._pubs = {
            t.topic: self.create_publisher(
                message_class(t.msg_type),
                t.mapped,
                TRUTH_QOS if t.truth else qos_profile_sensor_data,
                event_callbacks=without_publisher_events(),
            )
            for t in topics
        }
        self._last_clock_ns = 0

    def wait_for_subscribers(self, timeout_s: float) -> None:
        """Until every topic has a subscriber: the perception node on the sensor topics, the
        evaluator on the truth topic (latched, but a subscriber matched late would stamp the
        first label late)."""
        deadline = time.monotonic() + timeout_s
        while unheard := [t for t, pub in self._pubs.items() if not pub.get_subscription_count()]:
            if time.monotonic() > deadline:
                raise EvalError(
                    f"{self._bag.path}: nothing subscribed to {', '.join(unheard)} within "
                    f"{timeout_s:g} s (is the perception node running?)"
                )
            time.sleep(0.05)

    def play(self, rate: float) -> None:
        start = self._bag.summary.start_ns
        wall0 = time.monotonic()

        def bag_now() -> int:
            return start + round((time.monotonic() - wall0) * rate * 1e9)

        for message in self._bag.messages(set(self._pubs)):
            self._clock_until(message.log_time_ns, bag_now)
            self._publish_clock(message.log_time_ns)
            self._pubs[message.topic].publish(message.data)
        end = self._bag.summary.end_ns + round(TAIL_S * 1e9)
        self._clock_until(end, bag_now)

    def _clock_until(self, t_ns: int, bag_now: Callable[[], int]) -> None:
        """/clock every CLOCK_PERIOD_S of wall time until bag time reaches ``t_ns``."""
        while (now := bag_now()) < t_ns:
            self._publish_clock(now)
            time.sleep(min(CLOCK_PERIOD_S, (t_ns - now) / 1e9))

    def _publish_clock(self, t_ns: int) -> None:
        if t_ns <= self._last_clock_ns:
            return  # behind schedule: bag time never runs backwards
        self._last_clock_ns = t_ns
        sec, nanosec = divmod(t_ns, 1_000_000_000)
        self._clock_pub.publish(Clock(clock=Time(sec=sec, nanosec=nanosec)))


if __name__ == "__main__":
    sys.exit(main())
