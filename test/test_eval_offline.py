"""Record the simulated sensors into a bag, replay it offline through the node's pipeline, and
check what comes out: the same scenes as the pipeline fed directly with the same samples, a
dropout in the report, truth from a file, where a cut recording stops."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from eval_fixtures import (
    LIDAR_LEAVES_S,
    SCENE_S,
    SECONDS,
    SEED,
    SIM_CONFIGS,
    START_NS,
    dropout_schedule,
    record,
)
from fixtures_model import trained_model

from omnibind_ros.core.errors import OmniBindError
from omnibind_ros.eval.bag import Bag
from omnibind_ros.eval.inputs import open_inputs
from omnibind_ros.eval.offline import evaluate_offline
from omnibind_ros.eval.replay import Replay
from omnibind_ros.eval.topics import resolve_topic
from omnibind_ros.pipeline.pipeline import PerceptionPipeline
from omnibind_ros.pipeline.rate_budget import BURST
from omnibind_ros.ros.outputs import scene_dict
from omnibind_ros.ros.sensor_manager import build_converter
from omnibind_ros.ros.sim_sensors_node import WRITERS, sensor_topic
from omnibind_ros.sim import World

pytestmark = [pytest.mark.ros, pytest.mark.slow]

# Encoding at every message and fusing on the timer: the direct run below then needs no
# encoder or scene-cap timing of its own.
EVERY_MESSAGE = {"/**/omnibind": {"ros__parameters": {"fusion": {"mode": "timer"},
    "max_encode_hz": {m: 1000.0 for m in ("image", "thermal", "event", "tactile", "audio",
                                          "lidar")}}}}  # fmt: skip


@pytest.fixture(scope="module")
def model():
    return trained_model()


@pytest.fixture(scope="module")
def bags(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bags")
    return {storage: record(root / storage, storage) for storage in ("mcap", "sqlite3")}


@pytest.fixture(scope="module")
def every_message_config(tmp_path_factory) -> list[Path]:
    path = tmp_path_factory.mktemp("config") / "every_message.yaml"
    path.write_text(yaml.safe_dump(EVERY_MESSAGE))
    return [*SIM_CONFIGS, path]


@pytest.fixture(scope="module")
def report(bags, model, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("report")
    inputs = open_inputs(bags["mcap"], SIM_CONFIGS)
    evaluate_offline(inputs, [("default", model)], out, command="test")
    return json.loads((out / "report.json").read_text()) | {"dir": out}


def run_directly(model, settings) -> tuple[list[dict], list[tuple[int, str]]]:
    """The pipeline fed the simulator's samples in memory (message builders, converters), on
    the node's timers: no bag, no serialization."""
    now = [0]
    node = settings.node
    pipeline = PerceptionPipeline(
        model, top_k=node.top_k, fusion_window=node.fusion_window,
        max_encode_hz=node.max_encode_hz, clock=lambda: now[0] / 1e9,
    )  # fmt: skip
    by_topic = {resolve_topic(c.topic): c for c in settings.sensors.values()}
    slots, converters = {}, {}
    for topic, config in by_topic.items():
        slots[topic] = pipeline.add_slot(config)
        slots[topic].set_publishers(1)
        converters[topic] = build_converter(config)
    fusion, poll = round(1e9 / node.rate_hz), round(node.poll_period * 1e9)
    ticks = {"poll": START_NS + poll, "fusion": START_NS + fusion}
    scenes, truth = [], []

    def run_ticks_until(t_ns: int) -> None:
        while min(ticks.values()) <= t_ns:
            kind = min(ticks, key=lambda k: (ticks[k], k != "poll"))  # poll first, as the node
            now[0] = ticks[kind]
            if kind == "poll":
                pipeline.plug_transitions()
            elif (result := pipeline.fuse()) is not None:
                scenes.append(scene_dict(result, now[0], result.frame_id))
            ticks[kind] += poll if kind == "poll" else fusion

    stream = World(SEED).stream(SECONDS, dropout_schedule(), scene_duration_s=SCENE_S,
                                start_stamp_ns=START_NS)  # fmt: skip
    last = START_NS
    for sample in stream:
        if not truth or truth[-1][1] != sample.label:
            truth.append((sample.stamp_ns, sample.label))
        spec = next(s for s in dropout_schedule().sensors if s.name == sample.sensor)
        try:
            msg = WRITERS[sample.modality][2](sample.raw, sample.stamp_ns, sample.sensor)
        except OmniBindError:
            continue  # not publishable, so not in the bag either
        run_ticks_until(sample.stamp_ns)
        now[0] = last = sample.stamp_ns
        topic = resolve_topic(sensor_topic(spec))
        converter = converters[topic]
        stamp = converter.stamp_ns(msg) or now[0]
        pipeline.offer(slots[topic], converter.to_sample(msg), stamp, converter.frame_id(msg))
        pipeline.encode_due()
    stale = max(c.stale_timeout for c in settings.sensors.values())
    run_ticks_until(last + round((stale + 2 * node.poll_period) * 1e9))
    return scenes, truth


def _comparable(scene: dict) -> tuple:
    return (
        scene["header"]["stamp"]["sec"],
        scene["header"]["stamp"]["nanosec"],
        tuple(sorted(scene["sensors"])),
        tuple(x["label"] for x in scene["labels"]),
        np.array([x["score"] for x in scene["labels"]]),
    )


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_offline_replay_publishes_what_the_pipeline_does_fed_directly(
    storage, bags, model, every_message_config
) -> None:
    inputs = open_inputs(bags[storage], every_message_config)
    result = Replay(inputs.bag, inputs.settings, inputs.plan, [("m", model)]).run()
    direct, truth = run_directly(model, inputs.settings)
    replayed = result.models[0].scenes
    assert len(replayed) >= 30  # 10 Hz over 4 s of bag
    assert len(replayed) == len(direct)
    for got, want in zip(replayed, direct, strict=True):
        g, w = _comparable(got), _comparable(want)
        assert g[:4] == w[:4]
        np.testing.assert_allclose(g[4], w[4], rtol=1e-6)
    assert result.truth_changes == truth


def test_fusing_on_arrival_publishes_at_encodes_sooner_than_the_timer(bags, model, tmp_path):
    timer_file = tmp_path / "timer.yaml"
    timer_file.write_text(yaml.safe_dump({"/**/omnibind": {"ros__parameters": {
        "fusion": {"mode": "timer"}}}}))  # fmt: skip
    results = {}
    for mode, configs in (("arrival", SIM_CONFIGS), ("timer", [*SIM_CONFIGS, timer_file])):
        inputs = open_inputs(bags["mcap"], configs)
        assert inputs.settings.node.fusion_mode == mode
        results[mode] = Replay(inputs.bag, inputs.settings, inputs.plan, [("m", model)]).run()
    arrival, timer = (results[m].models[0].scenes for m in ("arrival", "timer"))
    # The scene cap holds, in bag time: never more than BURST + rate * T scenes in T seconds.
    rate = inputs.settings.node.max_scene_hz
    published_ns = np.array([s["published_ns"] for s in arrival], dtype=np.int64)
    for start in range(len(published_ns)):
        counts = np.arange(1, len(published_ns) - start + 1)
        seconds = (published_ns[start:] - published_ns[start]) / 1e9
        assert (counts <= BURST + rate * seconds + 1e-6).all()
    assert len(arrival) > 2 * len(timer)  # labels follow the sensors, not a 10 Hz timer
    latency = {m: np.median([s["latency_ms"] for s in results[m].models[0].scenes])
               for m in results}  # fmt: skip
    assert latency["arrival"] < latency["timer"] / 2


def test_replay_is_deterministic(bags, model) -> None:
    inputs = open_inputs(bags["sqlite3"], SIM_CONFIGS)
    runs = [Replay(inputs.bag, inputs.settings, inputs.plan, [("m", model)]).run()]
    runs.append(Replay(inputs.bag, inputs.settings, inputs.plan, [("m", model)]).run())
    first, second = ([_comparable(s)[:4] for s in r.models[0].scenes] for r in runs)
    assert first == second


def test_a_dropout_shows_as_a_change_of_combination(report) -> None:
    model = report["models"][0]
    changes = model["metrics"]["combination_changes"]
    lidar_left = [c for c in changes if c["gone"] == ["lidar"]]
    assert len(lidar_left) == 1
    # Out of the fused set once its last cloud (1.4 s) leaves the 0.5 s fusion window...
    assert LIDAR_LEAVES_S + 0.3 <= lidar_left[0]["t_s"] <= LIDAR_LEAVES_S + 0.7
    # ... and unplugged once that cloud is older than stale_timeout (1 s), at the next poll.
    unplugged = [e for e in model["hotplug"] if e["sensor"] == "lidar" and not e["plugged"]]
    assert unplugged and "stale" in unplugged[0]["reason"]
    assert LIDAR_LEAVES_S + 0.9 <= unplugged[0]["t_s"] <= LIDAR_LEAVES_S + 1.5
    combos = {tuple(c["modalities"]) for c in model["metrics"]["by_combination"]}
    assert any("lidar" in c for c in combos) and any("lidar" not in c for c in combos)
    markdown = (report["dir"] / "report.md").read_text()
    assert "sensor 'lidar' (lidar) unplugged" in markdown
    for figure in model["figures"].values():
        assert (report["dir"] / figure).stat().st_size > 1000


def test_report_scores_scenes_against_the_truth_topic(report) -> None:
    metrics = report["models"][0]["metrics"]
    assert report["truth"] == "topic /omnibind/ground_truth"
    assert metrics["judged"] >= 30
    assert metrics["settled"]["accuracy"] >= 0.5  # ten classes: chance is 0.1
    assert metrics["top_k"]["5"] >= metrics["top_k"]["1"]
    matrix = np.array(metrics["confusion"]["matrix"])
    assert matrix.sum() == metrics["judged"]
    uses = {u["topic"]: u["role"] for u in report["bag"]["topics"]}
    assert uses["/omnibind/ground_truth"] == "truth" and uses["/lidar/points"] == "sensor"


@pytest.mark.parametrize("suffix", [".csv", ".yaml"])
def test_annotation_file_truth_scores_like_the_truth_topic(
    suffix, bags, model, report, tmp_path
) -> None:
    world = World(SEED)
    rows = [(k * SCENE_S, (k + 1) * SCENE_S, world.scene(k).label) for k in range(2)]
    path = tmp_path / f"labels{suffix}"
    if suffix == ".csv":
        path.write_text("start,end,label\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
    else:
        path.write_text(yaml.safe_dump([{"start": a, "end": b, "label": c} for a, b, c in rows]))
    inputs = open_inputs(bags["mcap"], SIM_CONFIGS, annotations=path)
    evaluate_offline(inputs, [("default", model)], tmp_path / "out", command="test")
    annotated = json.loads((tmp_path / "out" / "report.json").read_text())
    assert annotated["truth"] == str(path)
    topic_metrics = report["models"][0]["metrics"]
    file_metrics = annotated["models"][0]["metrics"]
    # The topic's label holds until the bag ends, the file's up to 4.0 s: the same scenes.
    assert file_metrics["judged"] == topic_metrics["judged"]
    assert file_metrics["accuracy"] == pytest.approx(topic_metrics["accuracy"])


def test_a_cut_mcap_is_read_up_to_where_it_stops(bags, model, tmp_path) -> None:
    original = next(bags["mcap"].glob("*.mcap"))
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(original.read_bytes()[: int(original.stat().st_size * 0.6)])
    bag = Bag(cut)
    assert "cut short" in bag.summary.stopped
    full = Bag(bags["mcap"]).summary.message_count
    assert 0.3 * full < bag.summary.message_count < full
    inputs = open_inputs(cut, SIM_CONFIGS)
    evaluate_offline(inputs, [("default", model)], tmp_path / "out", command="test")
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "The bag ends early" in markdown and "cut short" in markdown


def test_two_models_are_evaluated_side_by_side_on_one_replay(bags, model, tmp_path) -> None:
    from fixtures_model import untrained_model

    inputs = open_inputs(bags["mcap"], SIM_CONFIGS)
    models = [("trained", model), ("untrained", untrained_model())]
    evaluate_offline(inputs, models, tmp_path, command="test")
    document = json.loads((tmp_path / "report.json").read_text())
    names = [m["name"] for m in document["models"]]
    assert names == ["trained", "untrained"]
    counts = {m["name"]: m["metrics"]["scenes"] for m in document["models"]}
    assert counts["trained"] == counts["untrained"]  # same replay, same slots, same rules
    assert "## Models side by side" in (tmp_path / "report.md").read_text()


def test_offline_encoder_keeps_the_nodes_rate_limit_and_latest_wins(bags, model, tmp_path) -> None:
    half_rate = tmp_path / "half_rate.yaml"
    half_rate.write_text(yaml.safe_dump({"/**/omnibind": {"ros__parameters": {
        "max_encode_hz": {"image": 15.0}}}}))  # fmt: skip
    inputs = open_inputs(bags["mcap"], [*SIM_CONFIGS, half_rate])  # camera 30 Hz, encoded 15
    result = Replay(inputs.bag, inputs.settings, inputs.plan, [("m", model)]).run()
    stamps = {s["sensors"]["camera"]["stamp_ns"] for s in result.models[0].scenes}
    frames = {round((stamp - START_NS) * 30 / 1e9) for stamp in stamps}
    # The limit holds on average: the budget lets the first frames through at once, then
    # every other frame (the budget refills as the next frame arrives, and that frame wins;
    # but for the last one, which no newer frame follows).
    assert len(frames) <= BURST + 15 * SECONDS
    assert {k % 2 for k in frames if 3 <= k < 30 * SECONDS - 1} == {0}
    assert len(frames) >= 0.9 * 15 * SECONDS  # fused on arrival: every encode reaches a scene
