"""End to end over DDS: simulated sensors publish held-out scenes, the node with a trained model
labels them. Accuracy is reported for all sensors and for subsets, next to the same model's
offline accuracy on the same scenes (the node must not lose what the model knows)."""

from __future__ import annotations

import bisect
import threading
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pytest
from fixtures_model import trained_model
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile
from ros_harness import JsonRecorder, RosHarness, domain_id_for, wait_until
from std_msgs.msg import String

from omnibind_ros.paths import config_file
from omnibind_ros.ros.demo import SHARED_PROCESS_MAX_SCENE_HZ
from omnibind_ros.ros.entities import without_subscription_events
from omnibind_ros.ros.perception_node import PerceptionNode
from omnibind_ros.ros.sim_sensors_node import GROUND_TRUTH_TOPIC, SimSensorsNode
from omnibind_ros.sim import DEFAULT_SENSORS, HotPlugSchedule, World

pytestmark = [pytest.mark.ros, pytest.mark.slow]

HELD_OUT_SEED = 1  # training renders world seed 0; seed 1 is never seen
SCENES = 6
SCENE_S = 2.0
# A scene's labels are judged once its sound fills the ~1 s audio clip and the fusion window
# holds no sample of the scene before.
SETTLE_S = 1.2
SUBSETS = {
    "all six": ("image", "thermal", "event", "tactile", "audio", "lidar"),
    "no camera": ("thermal", "audio", "lidar"),
    "camera only": ("image",),
}


@dataclass
class Score:
    online: float
    offline: float
    judged: int


@pytest.fixture(scope="module")
def ros():
    args = ["--ros-args"]
    for name in ("perception.yaml", "demo.yaml"):
        args += ["--params-file", str(config_file(name))]
    harness = RosHarness(domain_id_for(__name__), args)
    yield harness
    harness.shutdown()


@pytest.fixture(scope="module")
def model():
    return trained_model()


@pytest.fixture(scope="module")
def node(ros, model):
    # The simulated sensors render in this process too, as in `omnibind demo`.
    cap = [Parameter("fusion.max_rate_hz", value=SHARED_PROCESS_MAX_SCENE_HZ)]
    perception = ros.add(PerceptionNode(model=model, context=ros.context, parameter_overrides=cap))
    yield perception
    ros.remove(perception)


class TruthRecorder:
    def __init__(self, ros: RosHarness) -> None:
        self.changes: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self._sub = ros.helper.create_subscription(
            String, GROUND_TRUTH_TOPIC, self._on_msg, latched,
            event_callbacks=without_subscription_events(),
        )  # fmt: skip
        self._ros = ros

    def _on_msg(self, msg: String) -> None:
        with self._lock:
            self.changes.append((time.monotonic(), msg.data))

    def close(self) -> None:
        self._ros.helper.destroy_subscription(self._sub)


def online_accuracy(scenes: list[tuple[float, dict]], truth: list[tuple[float, str]]):
    """Per-scene majority of the top labels published while the scene had settled."""
    starts = [t for t, _ in truth]
    votes: dict[int, Counter] = {}
    for received, scene in scenes:
        k = bisect.bisect_right(starts, received) - 1
        end = starts[k + 1] if k + 1 < len(starts) else float("inf")
        if k >= 0 and received - starts[k] >= SETTLE_S and end - received >= 0.1:
            votes.setdefault(k, Counter())[scene["labels"][0]["label"]] += 1
    hits = [votes[k].most_common(1)[0][0] == truth[k][1] for k in votes]
    return float(np.mean(hits)) if hits else 0.0, len(hits)


def offline_accuracy(model, modalities: tuple[str, ...]) -> float:
    world = World(seed=HELD_OUT_SEED)
    hits = []
    for index in range(SCENES):
        label, raw = world.sample(index, modalities=list(modalities))
        hits.append(model.predict(raw).top_k[0][0] == label)
    return float(np.mean(hits))


def run_subset(ros, model, modalities: tuple[str, ...]) -> Score:
    sensors = tuple(s for s in DEFAULT_SENSORS if s.modality in modalities)
    scenes = JsonRecorder(ros, "/omnibind/scene")
    truth = TruthRecorder(ros)
    sim = ros.add(
        SimSensorsNode(
            context=ros.context,
            schedule=HotPlugSchedule.always(sensors),
            parameter_overrides=[
                Parameter("seed", value=HELD_OUT_SEED),
                Parameter("scene_duration", value=SCENE_S),
                Parameter("duration", value=SCENES * SCENE_S),
            ],
        )
    )
    try:
        assert sim.finished.wait(SCENES * SCENE_S + 30.0), "the simulated stream did not end"
        time.sleep(0.3)
        online, judged = online_accuracy(scenes.items(), truth.changes)
    finally:
        ros.remove(sim)
        scenes.close()
        truth.close()
    # Once the sensors are gone, the node stops labelling: nothing is left to fuse.
    assert wait_until(lambda: scenes_stopped(ros), 5.0)
    return Score(online, offline_accuracy(model, modalities), judged)


def scenes_stopped(ros) -> bool:
    recorder = JsonRecorder(ros, "/omnibind/scene")
    time.sleep(0.5)
    quiet = recorder.latest() is None
    recorder.close()
    return quiet


@pytest.fixture(scope="module")
def scores(ros, node, model) -> dict[str, Score]:
    results = {name: run_subset(ros, model, mods) for name, mods in SUBSETS.items()}
    for name, score in results.items():
        print(
            f"held-out accuracy, {name}: node {score.online:.2f} over {score.judged} scenes, "
            f"offline {score.offline:.2f}"
        )
    return results


def test_all_sensors_label_held_out_scenes_correctly(scores) -> None:
    score = scores["all six"]
    assert score.judged >= SCENES - 1
    assert score.online >= 0.5  # chance is 0.1 with ten classes
    assert score.online >= score.offline - 0.35


@pytest.mark.parametrize("subset", ["no camera", "camera only"])
def test_subsets_label_as_well_as_the_model_does_offline(scores, subset: str) -> None:
    score = scores[subset]
    assert score.judged >= SCENES - 1
    assert score.online >= score.offline - 0.35
