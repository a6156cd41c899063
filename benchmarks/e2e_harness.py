"""What the end-to-end benchmarks share: the replayed sensor load, the nodes under test as
processes, a listener for their labels, and the measures (latency of every published sample to
the first label that includes it, the share never labelled, CPU, peak RSS, start-up time).

A label *includes* a sample of sensor S when its stamp for S is the sample's own stamp or the
stamp of a later sample whose encoded input still holds it: the node's audio clip holds the last
``clip`` seconds of chunks and its event window the last ``window_ms`` of packets (the
``coverage`` of that sensor). A naive node encodes only the latest message (coverage 0).
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
CONFIGS = [ROOT / "config" / "perception.yaml", ROOT / "config" / "demo.yaml"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TAIL_S = 1.0  # samples this close to the end of a window may still be labelled after it


def bench_env() -> dict[str, str]:
    """One DDS domain for this run, local discovery, the large-message Fast DDS profile."""
    from omnibind_ros.ros.middleware import use_large_message_profile

    env = dict(os.environ)
    env.setdefault("ROS_DOMAIN_ID", str(100 + os.getpid() % 100))
    env.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    env["PYTHONUNBUFFERED"] = "1"
    use_large_message_profile(env)
    os.environ.update(env)
    return env


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def start_process(name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
    # Logs go to a file: an unread pipe would fill up and stall the process.
    log = (Path(tempfile.gettempdir()) / f"bench_e2e_{name}.log").open("w")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)


def stop_process(process: subprocess.Popen, timeout: float = 30.0) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Variant:
    """A node under test: ``product`` (perception_node with ``params``), ``naive`` or
    ``receive`` (naive_node.py, with ``params`` its options)."""

    name: str
    kind: str
    params: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)

    @property
    def scene_topic(self) -> str:
        return {"product": "/omnibind/scene", "naive": "/naive/scene"}.get(
            self.kind, "/receive_only/scene"
        )

    def command(self, bundle: Path) -> list[str]:
        if self.kind in ("naive", "receive"):
            files = [str(p) for p in CONFIGS]
            extra = ["--receive-only"] if self.kind == "receive" else []
            return [sys.executable, str(BENCH / "naive_node.py"), "--bundle", str(bundle),
                    "--params", *files, *extra, *self.params]  # fmt: skip
        files = [arg for path in CONFIGS for arg in ("--params-file", str(path))]
        params = [arg for p in (f"model.bundle:={bundle}", *self.params) for arg in ("-p", p)]
        return [sys.executable, "-m", "omnibind_ros.ros.perception_node", "--ros-args",
                *files, *params]  # fmt: skip


def parse_variant(text: str) -> Variant:
    """'naive', 'product', 'product:executor=multi_threaded,threads.encoders=1' (node
    parameters), or 'receive' / 'receive:executor=events' (naive_node.py --receive-only and its
    options: the CPU of taking the topics in at all)."""
    kind, _, settings = text.partition(":")
    if kind not in ("product", "naive", "receive"):
        raise SystemExit(f"variant {text!r}: must start with product, naive or receive")
    pairs = [s.partition("=") for s in settings.split(",") if s]
    if kind == "product":
        params = tuple(f"{key}:={value}" for key, _, value in pairs)
    else:  # naive_node.py's command-line options
        params = tuple(arg for key, _, value in pairs for arg in (f"--{key}", value))
    env = {} if kind == "product" else {"OMP_NUM_THREADS": "1"}
    return Variant(text, kind, params, env)


class Listener:
    """Records every label of the nodes under test (receive time) and answers DDS pings."""

    def __init__(self, topics: list[str]) -> None:
        import rclpy
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.signals import SignalHandlerOptions
        from std_msgs.msg import String

        # Ctrl-C must raise here, so the benchmark stops the processes it started.
        rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
        self._rclpy = rclpy
        self.node = rclpy.create_node("bench_e2e_listener")
        self._lock = threading.Lock()
        self.labels: dict[str, list[tuple[int, dict]]] = {t: [] for t in topics}
        for topic in topics:
            self.node.create_subscription(
                String, topic, lambda msg, t=topic: self._on_label(t, msg), 100
            )
        self._ping = self.node.create_publisher(String, "/e2e/ping", 10)
        self._pongs: dict[str, int] = {}
        self.node.create_subscription(String, "/e2e/pong", self._on_pong, 10)
        self._executor = SingleThreadedExecutor()
        self._executor.add_node(self.node)
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()

    def _on_label(self, topic: str, msg) -> None:
        received = time.time_ns()
        with self._lock:
            self.labels[topic].append((received, json.loads(msg.data)))

    def _on_pong(self, msg) -> None:
        with self._lock:
            self._pongs[msg.data] = time.perf_counter_ns()

    def _spin(self) -> None:
        from rclpy.executors import ExternalShutdownException

        with contextlib.suppress(ExternalShutdownException):
            self._executor.spin()

    def take(self, topic: str) -> list[tuple[int, dict]]:
        with self._lock:
            taken, self.labels[topic] = self.labels[topic], []
        return taken

    def wait_for_label(self, topic: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.labels[topic]:
                    return True
            time.sleep(0.05)
        return False

    def ping_ms(self, count: int = 200) -> dict:
        """DDS one-way latency of a small message, as half the round trip to the replay."""
        from std_msgs.msg import String

        trips = []
        for i in range(count):
            key = f"ping-{i}"
            sent = time.perf_counter_ns()
            self._ping.publish(String(data=key))
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                with self._lock:
                    back = self._pongs.pop(key, None)
                if back is not None:
                    trips.append((back - sent) / 2e6)
                    break
                time.sleep(0.0005)
            time.sleep(0.005)
        return {"pings": len(trips), **percentiles(trips)} if trips else {"pings": 0}

    def close(self) -> None:
        self._executor.shutdown(timeout_sec=2.0)
        self._rclpy.shutdown()
        self._thread.join(timeout=5)


def read_published(path: Path) -> dict[str, list[int]]:
    """topic -> publish stamps (ns), sorted, from the replay's log."""
    stamps: dict[str, list[int]] = defaultdict(list)
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            stamps[parts[0]].append(int(parts[1]))
    return {topic: sorted(values) for topic, values in stamps.items()}


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50_ms": None, "p90_ms": None, "p99_ms": None}
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    return {"p50_ms": round(float(p50), 2), "p90_ms": round(float(p90), 2),
            "p99_ms": round(float(p99), 2)}  # fmt: skip


def first_labels(
    stamps: list[int], labels: list[tuple[int, int]], coverage_ns: int
) -> list[int | None]:
    """For each published stamp, the receive time of the first label including it.

    ``labels``: (receive ns, the label's stamp for this sensor), in receive order."""
    first: list[int | None] = [None] * len(stamps)
    for received, label_stamp in labels:
        newest = bisect.bisect_right(stamps, label_stamp) - 1  # the sample the stamp comes from
        if newest < 0:
            continue
        oldest = bisect.bisect_right(stamps, label_stamp - coverage_ns) if coverage_ns else newest
        for i in range(min(oldest, newest), newest + 1):
            if first[i] is None:
                first[i] = received
    return first


def summarize(
    labels: list[tuple[int, dict]],
    published: dict[str, list[int]],
    sensor_topics: dict[str, str],
    coverage_ns: dict[str, int],
    window: tuple[int, int],
) -> dict:
    """Label rate and the latency/unlabelled share of every sample published in ``window``."""
    start_ns, end_ns = window
    seconds = (end_ns - start_ns) / 1e9
    in_window = [(r, scene) for r, scene in labels if start_ns <= r < end_ns]
    by_sensor: dict[str, dict] = {}
    everything: list[float] = []
    total = unlabelled_total = 0
    for name, topic in sensor_topics.items():
        stamps = published.get(topic, [])
        sensor_labels = [
            (r, scene["sensors"][name]["stamp_ns"]) for r, scene in labels
            if name in scene["sensors"]
        ]  # fmt: skip
        first = first_labels(stamps, sensor_labels, coverage_ns.get(name, 0))
        judged = [
            (s, f) for s, f in zip(stamps, first, strict=True)
            if start_ns <= s < end_ns - TAIL_S * 1e9
        ]  # fmt: skip
        latencies = [(f - s) / 1e6 for s, f in judged if f is not None]
        unlabelled = sum(f is None for _, f in judged)
        total += len(judged)
        unlabelled_total += unlabelled
        everything += latencies
        by_sensor[name] = {
            "published": len(judged),
            "never_labelled_share": round(unlabelled / len(judged), 3) if judged else None,
            **percentiles(latencies),
        }
    sizes = [len(scene["modalities"]) for _, scene in in_window]
    return {
        "label_rate_hz": round(len(in_window) / seconds, 2),
        "mean_modalities_fused": round(float(np.mean(sizes)), 2) if sizes else 0.0,
        "samples_published": total,
        "never_labelled_share": round(unlabelled_total / total, 3) if total else None,
        "latency": percentiles(everything),
        "by_sensor": by_sensor,
    }


def sensor_topics() -> dict[str, str]:
    """The node's sensor names -> topics, from the shipped perception.yaml."""
    import yaml

    section = next(iter(yaml.safe_load(CONFIGS[0].read_text()).values()))
    sensors = section["ros__parameters"]["sensors"]
    return {name: sensors[name]["topic"] for name in sensors["names"]}


def coverage_for(variant: Variant, bundle: Path, names: list[str]) -> dict[str, int]:
    """How far back each sensor's encoded input reaches (see the module docstring): the
    shipped event window (perception.yaml) and the bundle's audio clip."""
    if variant.kind != "product":
        return {}
    from omnibind_ros.core.bundle import read_bundle
    from omnibind_ros.pipeline.streams import audio_clip_seconds

    audio = read_bundle(bundle).config.encoders.get("audio")
    clip = audio_clip_seconds(audio.preprocess if audio else None)
    covered = {"event": 50e6, "mic": clip * 1e9}
    return {n: int(covered[n]) for n in names if n in covered}


@dataclass
class Measured:
    variant: str
    load_before: list[float]
    ready_s: float | None
    cpu_cores: float
    cpu_ms_per_label: float | None
    peak_rss_mib: float
    summary: dict


def measure(
    variant: Variant,
    bundle: Path,
    listener: Listener,
    replay_log: Path,
    env: dict[str, str],
    seconds: float,
    warmup_s: float = 3.0,
    names: list[str] | None = None,
) -> Measured:
    """Start ``variant``, wait for its first label, measure ``seconds``, stop it."""
    topics = sensor_topics()
    names = names or list(topics)
    load_before = load_average()
    listener.take(variant.scene_topic)  # late labels of the node measured before
    started = time.monotonic()
    process = start_process(variant.kind, variant.command(bundle), {**env, **variant.env})
    try:
        ready = listener.wait_for_label(variant.scene_topic, timeout=180.0)
        ready_s = round(time.monotonic() - started, 2) if ready else None
        if not ready:
            raise RuntimeError(f"{variant.name}: no label within 180 s (see its log in /tmp)")
        time.sleep(warmup_s)
        listener.take(variant.scene_topic)
        cpu_before, start_ns = cpu_seconds(process.pid), time.time_ns()
        time.sleep(seconds)
        end_ns, cpu = time.time_ns(), cpu_seconds(process.pid) - cpu_before
        rss = peak_rss_mib(process.pid)
        time.sleep(TAIL_S)  # labels of the last samples
        labels = listener.take(variant.scene_topic)
    finally:
        stop_process(process)
    elapsed = (end_ns - start_ns) / 1e9
    summary = summarize(
        labels,
        read_published(replay_log),
        {n: topics[n] for n in names},
        coverage_for(variant, bundle, names),
        (start_ns, end_ns),
    )
    count = sum(start_ns <= r < end_ns for r, _ in labels)
    return Measured(
        variant=variant.name,
        load_before=load_before,
        ready_s=ready_s,
        cpu_cores=round(cpu / elapsed, 3),
        cpu_ms_per_label=round(cpu * 1e3 / count, 2) if count else None,
        peak_rss_mib=rss,
        summary=summary,
    )


def start_replay(env: dict[str, str], *extra: str) -> tuple[subprocess.Popen, Path]:
    log = Path(tempfile.gettempdir()) / f"bench_e2e_replay_{os.getpid()}.txt"
    command = [sys.executable, str(BENCH / "e2e_replay.py"), "--log", str(log), *extra]
    return start_process("replay", command, env), log
