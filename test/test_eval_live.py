"""Live replay on loopback: the bag published over DDS at recorded timing into a real
perception node on sim time, its ~/scene scored; the result must match offline replay."""

from __future__ import annotations

import json

import pytest
from eval_fixtures import SIM_CONFIGS, record
from fixtures_model import trained_model
from ros_harness import domain_id_for

from omnibind_ros.eval.inputs import open_inputs
from omnibind_ros.eval.live import evaluate_live
from omnibind_ros.eval.offline import evaluate_offline

pytestmark = [pytest.mark.ros, pytest.mark.slow]


@pytest.mark.xfail(
    strict=False,
    reason="known: the in-process live replay (player, node and evaluator in one interpreter) "
    "falls behind on 2 cores: 9-35 scenes of the ~120 offline in quiet runs, 120 in one; the "
    "node should run as its own process, as the soak benchmark runs it",
)
def test_live_replay_scores_within_a_few_points_of_offline(tmp_path) -> None:
    model = trained_model()
    inputs = open_inputs(record(tmp_path / "bag"), SIM_CONFIGS)
    evaluate_offline(inputs, [("m", model)], tmp_path / "offline", command="test")
    # Half speed: on a loaded 2-core machine the node keeps up (on sim time the rate changes
    # nothing else).
    evaluate_live(
        inputs, model, tmp_path / "live", command="test", rate=0.5,
        domain_id=domain_id_for(__name__),
    )  # fmt: skip
    offline, live = (
        json.loads((tmp_path / d / "report.json").read_text())["models"][0]["metrics"]
        for d in ("offline", "live")
    )
    print(f"accuracy offline {offline['accuracy']:.3f} over {offline['judged']} scenes, "
          f"live {live['accuracy']:.3f} over {live['judged']}")  # fmt: skip
    assert live["judged"] >= 0.8 * offline["judged"]  # 10 Hz scenes over the 4 s bag
    assert abs(live["accuracy"] - offline["accuracy"]) <= 0.1
    assert abs(live["settled"]["accuracy"] - offline["settled"]["accuracy"]) <= 0.1
    # The lidar leaves in the bag: the live node shows it too.
    assert any(c["gone"] == ["lidar"] for c in live["combination_changes"])
