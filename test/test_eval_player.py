"""The bag player of live replay (in place of ``ros2 bag play --clock``): a process of its own
that waits until every topic it plays has a subscriber, then publishes the recorded messages
with bag time on /clock."""

from __future__ import annotations

import threading

import pytest
from eval_fixtures import SECONDS, record
from rclpy.qos import QoSProfile, ReliabilityPolicy
from ros_harness import domain_id_for
from rosgraph_msgs.msg import Clock
from std_msgs.msg import Int16MultiArray, String

from omnibind_ros.eval.bag import Bag
from omnibind_ros.eval.errors import EvalError
from omnibind_ros.eval.player import PlayedTopic, PlayerProcess, PlayRequest
from omnibind_ros.ros.entities import without_subscription_events
from omnibind_ros.ros.qos import TRUTH_QOS
from omnibind_ros.ros.sim_sensors_node import GROUND_TRUTH_TOPIC

pytestmark = pytest.mark.ros
# As the player offers sensor topics (best effort), deep enough that the test loses none.
BEST_EFFORT = QoSProfile(depth=100, reliability=ReliabilityPolicy.BEST_EFFORT)

AUDIO = PlayedTopic("/audio", "/played/audio", "std_msgs/msg/Int16MultiArray", truth=False)
TRUTH = PlayedTopic(GROUND_TRUTH_TOPIC, GROUND_TRUTH_TOPIC, "std_msgs/msg/String", truth=True)


@pytest.fixture(scope="module")
def bag(tmp_path_factory: pytest.TempPathFactory):
    return record(tmp_path_factory.mktemp("player") / "bag")


def request(bag, rate: float = 1.0, discovery_timeout_s: float = 15.0) -> PlayRequest:
    return PlayRequest(bag, (AUDIO, TRUTH), rate, domain_id_for(__name__), discovery_timeout_s)


def test_player_with_nothing_subscribed_fails_with_one_line_naming_the_topics(bag) -> None:
    with pytest.raises(EvalError) as raised:
        PlayerProcess(request(bag, discovery_timeout_s=1.0)).run(SECONDS)
    message = str(raised.value)
    assert "\n" not in message
    assert f"nothing subscribed to /audio, {GROUND_TRUTH_TOPIC} within 1 s" in message


def test_player_sends_every_label_and_message_with_bag_time_on_clock(bag, ros) -> None:
    lock = threading.Lock()
    heard: dict[str, list] = {"truth": [], "audio": [], "clock": []}

    def keep(kind: str, value_of):
        def on_message(msg) -> None:
            with lock:
                heard[kind].append(value_of(msg))

        return on_message

    for msg_type, topic, qos, kind, value_of in (
        (String, TRUTH.mapped, TRUTH_QOS, "truth", lambda m: m.data),
        (Int16MultiArray, AUDIO.mapped, BEST_EFFORT, "audio", lambda m: len(m.data)),
        (Clock, "/clock", 100, "clock", lambda m: m.clock.sec * 10**9 + m.clock.nanosec),
    ):
        ros.helper.create_subscription(
            msg_type, topic, keep(kind, value_of), qos,
            event_callbacks=without_subscription_events(),
        )  # fmt: skip
    summary = Bag(bag).summary
    PlayerProcess(request(bag, rate=2.0)).run(summary.duration_s)
    with lock:
        assert heard["truth"] == ["campfire", "chair"]
        assert len(heard["audio"]) == summary.topics["/audio"].count
        clock = heard["clock"]
    assert clock == sorted(clock), "bag time ran backwards"
    assert clock[0] <= summary.start_ns + 0.1e9 and clock[-1] >= summary.end_ns
