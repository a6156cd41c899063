"""End-to-end latency and label rate of the perception node with all six simulated sensors.

The simulated sensors (all plugged in, natural rates: camera 30 Hz, thermal 9 Hz, event
packets 50 Hz, tactile 30 Hz while touching, audio 10 Hz chunks, lidar 10 Hz) and the
perception node run as two processes, as on a robot; this process only listens to ~/scene.

Latency is publish -> label: for each sensor sample, the time from its stamp (the moment the
simulated sensor published it; audio, which has no header, is stamped by the node on arrival)
to the first ~/scene message that includes it, as received here. Also reported: label rate,
the share of samples that ever made it into a label (the rest were superseded by newer ones:
latest wins), per-modality encode counts, and each process's CPU use.

    python benchmarks/bench_node.py [--seconds 30] [--bundle PATH] [--output PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from omnibind_ros.bench_cli import save_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "node.json"
CONFIGS = [ROOT / "config" / "perception.yaml", ROOT / "config" / "demo.yaml"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def start(module: str, *ros_args: str, env: dict[str, str]) -> subprocess.Popen:
    files = [arg for path in CONFIGS for arg in ("--params-file", str(path))]
    command = [sys.executable, "-m", module, "--ros-args", *files, *ros_args]
    # Logs go to a file: an unread pipe would fill up and stall the process.
    log_path = Path(tempfile.gettempdir()) / f"bench_{module.rsplit('.', 1)[-1]}.log"
    log = log_path.open("w")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


class SceneListener:
    def __init__(self) -> None:
        import rclpy
        from std_msgs.msg import String

        rclpy.init()
        self._rclpy = rclpy
        self.node = rclpy.create_node("bench_node_listener")
        self.recording = False
        self.scenes: list[tuple[int, dict]] = []  # (receive time ns, scene)
        self.node.create_subscription(String, "/omnibind/scene", self._on_scene, 50)
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def _on_scene(self, msg) -> None:
        received = time.time_ns()
        scene = json.loads(msg.data)
        self.latest = scene
        if self.recording:
            self.scenes.append((received, scene))

    def _spin(self) -> None:
        from rclpy.executors import ExternalShutdownException

        with contextlib.suppress(ExternalShutdownException):
            self._rclpy.spin(self.node)

    def wait_for_modalities(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(getattr(self, "latest", {}).get("modalities", [])) >= count:
                return True
            time.sleep(0.2)
        return False

    def close(self) -> None:
        self._rclpy.shutdown()
        self._thread.join(timeout=5)


def summarize(scenes: list[tuple[int, dict]], seconds: float) -> dict:
    first_seen: dict[tuple[str, int], int] = {}
    modality_of: dict[str, str] = {}
    for received, scene in scenes:
        for name, sensor in scene["sensors"].items():
            modality_of[name] = sensor["modality"]
            first_seen.setdefault((name, sensor["stamp_ns"]), received)
    per_sensor = defaultdict(list)
    for (name, stamp), received in first_seen.items():
        per_sensor[name].append((received - stamp) / 1e6)
    everything = [ms for values in per_sensor.values() for ms in values]

    def stats(values: list[float]) -> dict:
        return {
            "samples_labelled": len(values),
            "p50_ms": round(float(np.percentile(values, 50)), 1),
            "p99_ms": round(float(np.percentile(values, 99)), 1),
        }

    sizes = [len(scene["modalities"]) for _, scene in scenes]
    return {
        "label_rate_hz": round(len(scenes) / seconds, 2),
        "mean_modalities_fused": round(float(np.mean(sizes)), 2) if sizes else 0.0,
        "latency_all": stats(everything),
        "latency_by_sensor": {
            f"{name} ({modality_of[name]})": stats(values) for name, values in per_sensor.items()
        },
        "node_reported_latency_ms_p50": round(
            float(np.percentile([s["latency_ms"] for _, s in scenes], 50)), 1
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="measured time")
    parser.add_argument("--bundle", type=Path, help="model bundle (default: the shipped one)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    from omnibind_ros.paths import default_bundle_path
    from omnibind_ros.ros.middleware import use_large_message_profile

    env = dict(os.environ)
    env.setdefault("ROS_DOMAIN_ID", str(100 + os.getpid() % 100))
    env.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    use_large_message_profile(env)
    os.environ.update(env)
    bundle = args.bundle or default_bundle_path()

    perception = start("omnibind_ros.ros.perception_node", "-p", f"model.bundle:={bundle}", env=env)
    sim = start("omnibind_ros.ros.sim_sensors_node", "-p", "hotplug.mode:=always", env=env)
    listener = SceneListener()
    try:
        if not listener.wait_for_modalities(5, timeout=120):
            print("the node never fused five modalities; is the bundle trained?", file=sys.stderr)
            return 1
        time.sleep(2.0)  # past the start-up transients
        cpu_before = {p.pid: cpu_seconds(p.pid) for p in (perception, sim)}
        listener.recording = True
        started = time.monotonic()
        time.sleep(args.seconds)
        listener.recording = False
        elapsed = time.monotonic() - started
        cpu = {p.pid: (cpu_seconds(p.pid) - cpu_before[p.pid]) / elapsed for p in (perception, sim)}
    finally:
        for process in (sim, perception):
            process.send_signal(signal.SIGINT)
        for process in (sim, perception):
            process.wait(timeout=30)
        listener.close()

    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_after": os.getloadavg(),
        "bundle": str(bundle),
        "seconds": round(elapsed, 1),
        **summarize(listener.scenes, elapsed),
        "cpu_cores_used": {
            "perception_node": round(cpu[perception.pid], 2),
            "sim_sensors": round(cpu[sim.pid], 2),
        },
    }
    print(json.dumps(report, indent=2))
    save_results(args.output, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
