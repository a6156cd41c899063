"""The end-to-end benchmark's reference nodes: variants name the right process, and the
receive-only node takes the topics in and reports their stamps with no model loaded."""

from __future__ import annotations

from benchmark_modules import load_benchmark_module
from ros_harness import JsonRecorder, Repeater, wait_until
from sensor_msgs.msg import Image

harness = load_benchmark_module("e2e_harness")


def test_receive_variant_runs_the_naive_script_without_a_model_on_its_executor() -> None:
    variant = harness.parse_variant("receive:executor=events")
    command = variant.command(harness.ROOT / "any.omnibind")
    assert command[1].endswith("naive_node.py")
    assert "--receive-only" in command
    assert command[-2:] == ["--executor", "events"]
    assert variant.scene_topic == "/receive_only/scene"
    assert variant.env == {"OMP_NUM_THREADS": "1"}


def test_product_variant_passes_its_settings_as_node_parameters() -> None:
    variant = harness.parse_variant("product:executor=multi_threaded,threads.encoders=1")
    command = variant.command(harness.ROOT / "any.omnibind")
    assert command[command.index("-m") + 1] == "omnibind_ros.ros.perception_node"
    assert command[-4:] == ["-p", "executor:=multi_threaded", "-p", "threads.encoders:=1"]
    assert variant.scene_topic == "/omnibind/scene"


def test_receive_only_node_publishes_each_sensors_stamp_and_no_labels(ros) -> None:
    naive = load_benchmark_module("naive_node")
    node = ros.add(naive.NaiveNode(None, harness.CONFIGS, context=ros.context))
    assert node.model is None
    recorder = JsonRecorder(ros, "/receive_only/scene")
    image = Image(height=4, width=4, encoding="rgb8", step=12, data=bytes(48))
    image.header.stamp.sec = 7
    repeater = Repeater(ros.publisher(Image, "/camera/image_raw"), lambda: image, 20.0)
    try:
        assert wait_until(lambda: recorder.latest() is not None, timeout=10.0)
        scene = recorder.latest()
    finally:
        repeater.stop()
        recorder.close()
        ros.remove(node)
    assert scene["labels"] == []
    assert scene["modalities"] == ["image"]
    assert scene["sensors"] == {"camera": {"modality": "image", "stamp_ns": 7_000_000_000}}
