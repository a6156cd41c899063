"""Soak: the perception node against six simulated sensors that come and go, with malformed
messages mixed in, for N minutes. Exits 1 when an invariant breaks.

The node runs as its own process with the shipped configuration (config/perception.yaml +
config/demo.yaml), as on a robot. This process plays the six simulated sensors (pre-rendered
samples of the sim world, re-stamped, at the sensors' natural rates) through the product's
writers. Each sensor is unplugged and plugged in again at random (its publisher destroyed and
created: the ROS graph really changes), except the camera, which stays so that labels always
flow; a share ``--bad-rate`` of the messages is corrupted (soak_faults.py).

Invariants, each measured against what this process did (the reference):
- the node never dies and logs no exception (Traceback, "conversion failed", "encoding
  failed", "fusion failed", ERROR lines);
- no wrong modality set: no scene reports a modality whose publisher left more than
  stale_timeout + one hot-plug poll + one fusion period ago, nor lacks one whose publisher has
  published for longer than the plug grace and sent a well-formed message within the fusion
  window (less one encode period);
- no scene gap over 2 fusion periods while a sensor is live;
- RSS grows less than 5 % from the end of the warm-up to the end;
- bad messages counted in /diagnostics = bad messages delivered (published to a matched
  subscription), and every message delivered is received;
- every scene's scores are finite.
Also reported: plug and unplug reaction times (publisher created / destroyed -> first scene
with / without the modality), RSS over time, the node's CPU use, the machine's load.

    omnibind bench soak -- --minutes 30 [--bad-rate 0.05] [--seed 0] [--output PATH]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import multiprocessing
import os
import platform
import re
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from soak_faults import corrupt

from omnibind_ros.bench_cli import save_results
from omnibind_ros.ros.node_process import NodeProcess

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "soak.json"
CONFIGS = [ROOT / "config" / "perception.yaml", ROOT / "config" / "demo.yaml"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The node's timing (config/perception.yaml): what the invariants allow for.
FUSION_PERIOD_S = 0.1
POLL_PERIOD_S = 0.5
STALE_TIMEOUT_S = 1.0
FUSION_WINDOW_S = 0.5
# A well-formed message this recent must be in the scene: the fusion window less the longest
# wait for an encode (1 / max_encode_hz of the slowest sensor, 10 Hz).
RECENT_GOOD_S = FUSION_WINDOW_S - 0.1
# A plugged sensor must be in the scene this long after its first message: one poll to see the
# publisher, ~1 s of sound before the first audio clip is full, encoding.
PLUG_GRACE_S = 3.0
SETTLE_S = 0.3  # after a publisher matched, before it is destroyed
# The node stamps on the system clock, this process times on the monotonic one.
WALL_MINUS_MONOTONIC = time.time() - time.monotonic()
EXCEPTION_LINE = re.compile(r"Traceback|conversion failed|encoding failed|fusion failed|\[ERROR\]")


@dataclass
class Plug:
    """One time a sensor's publisher existed (monotonic seconds)."""

    created: float
    first_publish: float | None = None
    destroyed: float | None = None
    good_published: list[float] = field(default_factory=list)  # each well-formed message


@dataclass
class SensorRecord:
    modality: str
    plugs: list[Plug] = field(default_factory=list)
    good: int = 0
    bad: int = 0
    faults: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)


def prerender(seconds: float) -> dict[str, list[Any]]:
    """Raw samples of every default sensor from the first ``seconds`` of the sim world."""
    from omnibind_ros.sim import HotPlugSchedule, World

    samples: dict[str, list[Any]] = defaultdict(list)
    for sample in World(seed=0).stream(seconds, HotPlugSchedule.always()):
        samples[sample.sensor].append(sample.raw)
    return samples


def restamped(raw: Any, stamp_ns: int) -> Any:
    """Event packets carry absolute times: move them to the new stamp."""
    if not hasattr(raw, "events"):
        return raw
    events = raw.events.copy()
    events["t"] += stamp_ns - int(events["t"].min())
    return type(raw)(events, raw.width, raw.height)


class SensorPlayer(threading.Thread):
    """Plays one simulated sensor: publishes at its rate while plugged, unplugs and plugs
    again after random times, corrupts a share of its messages."""

    def __init__(self, node, lock, spec, samples, args, rng, stop: threading.Event) -> None:
        super().__init__(name=f"soak-{spec.name}", daemon=True)
        from omnibind_ros.ros.sim_sensors_node import WRITERS, sensor_topic

        self._node, self._lock, self._spec, self._samples = node, lock, spec, samples
        self._topic = sensor_topic(spec)
        self._msg_type, self._write = WRITERS[spec.modality][1], WRITERS[spec.modality][2]
        self._args, self._rng, self._halt = args, rng, stop
        self.record = SensorRecord(spec.modality)
        self._publisher = None

    def run(self) -> None:
        try:
            self._play()
        except Exception as err:  # reported: a player that dies would fake a quiet sensor
            self.record.errors.append(repr(err))

    def _play(self) -> None:
        always = self._spec.name in self._args.always_on
        period = 1.0 / self._spec.rate_hz
        index = 0
        while not self._halt.is_set():
            self._plug()
            on_for = math.inf if always else self._rng.exponential(self._args.mean_on)
            until = time.monotonic() + on_for
            next_tick = time.monotonic()
            while not self._halt.is_set() and time.monotonic() < until:
                self._publish(self._samples[index % len(self._samples)])
                index += 1
                next_tick += period
                self._halt.wait(max(0.0, next_tick - time.monotonic()))
            self._unplug()
            self._halt.wait(self._rng.exponential(self._args.mean_off))

    def _plug(self) -> None:
        from omnibind_ros.ros.entities import without_publisher_events
        from omnibind_ros.ros.qos import qos_profile

        with self._lock:
            self._publisher = self._node.create_publisher(
                self._msg_type,
                self._topic,
                qos_profile(self._args.qos),
                event_callbacks=without_publisher_events(),
            )
        self.record.plugs.append(Plug(created=time.monotonic()))
        # Messages sent before discovery matched both ends are lost: wait for the match,
        # then for the subscriber's side of it.
        deadline = time.monotonic() + 10.0
        while self._publisher.get_subscription_count() == 0 and time.monotonic() < deadline:
            self._halt.wait(0.01)
        self._halt.wait(SETTLE_S)

    def _unplug(self) -> None:
        time.sleep(SETTLE_S)  # let the last message arrive before the writer goes
        # Unplugged when the destroy starts: the node may see the writer leave (DDS) before
        # destroy_publisher returns here, tens of ms later.
        self.record.plugs[-1].destroyed = time.monotonic()
        with self._lock:
            self._node.destroy_publisher(self._publisher)

    def _publish(self, raw: Any) -> None:
        stamp_ns = time.time_ns()
        msg = self._write(restamped(raw, stamp_ns), stamp_ns, self._spec.name)
        bad = self._rng.random() < self._args.bad_rate
        if bad:
            msg, fault = corrupt(self._spec.modality, msg, self._rng)
        if self._publisher.get_subscription_count() == 0:
            return  # the node is not listening (yet): nothing delivered, nothing counted
        self._publisher.publish(msg)
        plug = self.record.plugs[-1]
        plug.first_publish = plug.first_publish or time.monotonic()
        if bad:
            self.record.bad += 1
            self.record.faults[fault] += 1
        else:
            self.record.good += 1
            plug.good_published.append(time.monotonic())


class Listener:
    """~/scene and /diagnostics of the node, recorded with monotonic receive times."""

    def __init__(self, node) -> None:
        from diagnostic_msgs.msg import DiagnosticArray
        from std_msgs.msg import String

        # Kept as received: strings are not tracked by the garbage collector, whose pauses would
        # grow with tens of thousands of parsed scenes and show up as scene gaps.
        self.scenes: list[tuple[float, str]] = []
        self.sensors: dict[str, dict[str, str]] = {}  # sensor name -> latest diagnostics values
        self.gc_pause_ms_max = 0.0  # the node's longest garbage-collector pause it reported
        node.create_subscription(String, "/omnibind/scene", self._on_scene, 50)
        node.create_subscription(DiagnosticArray, "/diagnostics", self._on_diagnostics, 10)

    def _on_scene(self, msg) -> None:
        self.scenes.append((time.monotonic(), msg.data))

    def _on_diagnostics(self, msg) -> None:
        for status in msg.status:
            values = {kv.key: kv.value for kv in status.values}
            if ": sensor " in status.name:
                self.sensors[status.name.split(": sensor ", 1)[1]] = values
            elif "gc_pause_ms_max" in values:
                pause = float(values["gc_pause_ms_max"])
                self.gc_pause_ms_max = max(self.gc_pause_ms_max, pause)


def listen(ready, stop, results) -> None:
    """The listener's process: it sends (scenes, sensor diagnostics) on ``results`` once
    ``stop`` is set. A process of its own, as any user of the node is: in the players' process,
    creating a publisher holds the interpreter for up to ~0.25 s, and scenes received there
    would show the players' stalls as the node's."""
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    rclpy.init()
    node = rclpy.create_node("omnibind_soak_listener")
    listener = Listener(node)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    ready.set()
    while not stop.is_set():
        executor.spin_once(timeout_sec=0.1)
    results.send((listener.scenes, listener.sensors, listener.gc_pause_ms_max))
    executor.shutdown()
    node.destroy_node()
    rclpy.try_shutdown()


def start_node(env: dict[str, str], qos: str, settings: list[str]) -> NodeProcess:
    sensors = ("camera", "thermal", "event", "tactile", "mic", "lidar")  # perception.yaml's
    overrides = {f"sensors.{name}.qos": qos for name in sensors}
    overrides.update(setting.split("=", 1) for setting in settings)
    return NodeProcess(CONFIGS, overrides, env=env).start()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


# -- analysis ---------------------------------------------------------------------------------


def _plug_at(plugs: list[Plug], t: float) -> Plug | None:
    """The newest plug created at or before ``t``."""
    before = [p for p in plugs if p.created <= t]
    return before[-1] if before else None


def is_live(plugs: list[Plug], t: float) -> bool:
    """Published for longer than the grace, still plugged at ``t``, and a well-formed message
    recent enough that the node's rules must fuse it: the node leaves out samples older than
    fusion_window, so a sensor that went silent (the 0.3 s before each unplug) or sent only
    malformed messages for that long is rightly missing from a scene."""
    plug = _plug_at(plugs, t)
    if plug is None or plug.first_publish is None or plug.first_publish + PLUG_GRACE_S > t:
        return False
    if plug.destroyed is not None and t >= plug.destroyed:
        return False
    newest_good = bisect.bisect_right(plug.good_published, t)
    return newest_good > 0 and t - plug.good_published[newest_good - 1] <= RECENT_GOOD_S


def is_gone(plugs: list[Plug], t: float) -> bool:
    """Unplugged longer ago than the node may take to notice (or never plugged)."""
    plug = _plug_at(plugs, t)
    allowance = STALE_TIMEOUT_S + POLL_PERIOD_S + FUSION_PERIOD_S
    return plug is None or (plug.destroyed is not None and t > plug.destroyed + allowance)


def wrong_modality_events(scenes, records: dict[str, SensorRecord], start: float) -> list[dict]:
    """Each scene's wrong modalities, with what the node was doing: the gap before the scene
    (a stalled node) and the scene's own latency (stamp of its newest sample -> published)."""
    events = []
    previous = None
    for received, scene in scenes:
        gap, previous = (received - previous if previous else 0.0), received
        if received < start:
            continue
        reported = set(scene["modalities"])
        for record in records.values():
            m = record.modality
            if m in reported and is_gone(record.plugs, received):
                kind = "stale"
            elif m not in reported and is_live(record.plugs, received):
                kind = "missing"
            else:
                continue
            events.append(
                {
                    "t": round(received - start, 2),
                    "modality": m,
                    "kind": kind,
                    "gap_before_s": round(gap, 3),
                    "oldest_sample_ms": round(scene.get("oldest_sample_ms", 0.0)),
                }
            )
    return events


def after_a_stall(events: list[dict], scenes, start: float) -> int:
    """Wrong-modality events within 2 s after a scene gap of more than 2 fusion periods."""
    times = [t - start for t, _ in scenes]
    stalls = [t1 for t0, t1 in itertools.pairwise(times) if t1 - t0 > 2 * FUSION_PERIOD_S]
    return sum(any(0 <= e["t"] - s <= 2.0 for s in stalls) for e in events)


def published_at(scene: dict) -> float:
    """When the node published ``scene``, on this process's monotonic clock: its newest
    sample's stamp plus its latency, both on the node's (system) clock."""
    stamp = scene["header"]["stamp"]
    wall = stamp["sec"] + stamp["nanosec"] / 1e9 + scene["latency_ms"] / 1e3
    return wall - WALL_MINUS_MONOTONIC


def live_gaps(times: list[float], records: dict[str, SensorRecord]) -> list[float]:
    """The gaps between consecutive ``times`` over which some sensor stayed live."""
    return [
        float(t1 - t0)
        for t0, t1 in itertools.pairwise(times)
        if any(is_live(r.plugs, t0) and is_live(r.plugs, t1) for r in records.values())
    ]


def scene_gaps(scenes, records: dict[str, SensorRecord], start: float) -> dict[str, Any]:
    """Gaps between scenes as received here (the invariant), and as the node published them:
    a gap in receipt that is not one in publication was spent in transport or in this
    process, not in the node."""
    times = [t for t, _ in scenes if t >= start]
    gaps = np.diff(times) if len(times) > 1 else np.zeros(0)
    received = live_gaps(times, records)
    published = live_gaps(sorted(published_at(s) for t, s in scenes if t >= start), records)
    return {
        "scenes": len(times),
        "max_gap_s": round(float(gaps.max()), 3) if gaps.size else None,
        "max_gap_while_live_s": round(max(received), 3) if received else None,
        "p99_gap_while_live_s": round(float(np.percentile(received, 99)), 3) if received else None,
        "gaps_over_2_periods_while_live": sum(g > 2 * FUSION_PERIOD_S for g in received),
        "max_publish_gap_while_live_s": round(max(published), 3) if published else None,
        "publish_gaps_over_2_periods_while_live": sum(g > 2 * FUSION_PERIOD_S for g in published),
    }


def reaction_times(scenes, records: dict[str, SensorRecord]) -> dict[str, Any]:
    """Seconds from publisher created (destroyed) to the first scene with (without) it; an
    unplug the sensor came back from before any scene lacked it is counted apart."""
    plugged, unplugged, unnoticed = [], [], 0
    for record in records.values():
        m = record.modality
        for plug, following in zip(record.plugs, [*record.plugs[1:], None], strict=True):
            end = plug.destroyed or math.inf
            seen = [t for t, s in scenes if plug.created <= t < end and m in s["modalities"]]
            if seen:
                plugged.append(seen[0] - plug.created)
            if plug.destroyed is None or not seen:
                continue
            back = following.created if following else math.inf
            gone = [t for t, s in scenes if plug.destroyed <= t < back and m not in s["modalities"]]
            if gone:
                unplugged.append(gone[0] - plug.destroyed)
            else:
                unnoticed += 1
    return {
        "plug": _stats(plugged),
        "unplug": _stats(unplugged),
        "unplugs_back_before_noticed": unnoticed,
    }


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "p50_s": round(float(np.percentile(values, 50)), 3),
        "p95_s": round(float(np.percentile(values, 95)), 3),
        "max_s": round(float(np.max(values)), 3),
    }


def bad_message_counts(records: dict[str, SensorRecord], diagnostics: dict) -> dict[str, Any]:
    """Per node sensor (by modality): sent (published to a matched subscription), received
    and bad counted by the node."""
    by_modality = {values.get("modality"): values for values in diagnostics.values()}
    table = {}
    for name, record in records.items():
        values = by_modality.get(record.modality, {})
        received = int(values.get("received", -1))
        table[name] = {
            "sent": record.good + record.bad,
            "received": received,
            "lost_in_transport": record.good + record.bad - received,
            "bad_sent": record.bad,
            "bad_counted": int(values.get("bad_messages", -1)),
            "faults": dict(record.faults),
        }
    return table


def bad_ones_all_counted(count: dict[str, Any]) -> bool:
    """Every bad message that reached the node was counted, and no good one was.

    Exact when the transport lost nothing. Under CPU starvation a subscription's queue
    (depth 5) can overflow: then which messages were lost is unknown, and the check is that
    the bad ones missing are no more than the messages lost.
    """
    missing_bad = count["bad_sent"] - count["bad_counted"]
    if count["lost_in_transport"] == 0:
        return missing_bad == 0
    return 0 <= missing_bad <= count["lost_in_transport"]


def rss_growth_pct(rss: list[tuple[float, float]], warm_up_end: float) -> float | None:
    after = [mb for t, mb in rss if t >= warm_up_end]
    if len(after) < 4:
        return None
    first, last = np.median(after[:3]), np.median(after[-3:])
    return round(float(100.0 * (last - first) / first), 2)


# -- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="soak duration")
    parser.add_argument("--bad-rate", type=float, default=0.05, help="share of malformed msgs")
    parser.add_argument("--mean-on", type=float, default=8.0, help="mean s a sensor stays")
    parser.add_argument("--mean-off", type=float, default=3.0, help="mean s a sensor is away")
    parser.add_argument("--always-on", nargs="*", default=["camera"], help="never unplugged")
    parser.add_argument(
        "--qos",
        default="sensor_data",
        choices=["sensor_data", "reliable"],
        help="sensor QoS of both ends (sensor_data: the shipped configuration)",
    )
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="node parameters over the shipped configs (e.g. fusion.max_rate_hz=60.0)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warm-up", type=float, default=None, help="s; default 10%% (<= 120 s)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--raw", type=Path, help="also save scene and plug timelines here")
    args = parser.parse_args()
    seconds = args.minutes * 60.0
    warm_up = args.warm_up if args.warm_up is not None else min(120.0, 0.1 * seconds)

    from omnibind_ros.ros.middleware import use_large_message_profile
    from omnibind_ros.sim import DEFAULT_SENSORS

    env = dict(os.environ)
    env.setdefault("ROS_DOMAIN_ID", str(100 + os.getpid() % 100))
    env.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")
    use_large_message_profile(env)
    os.environ.update(env)

    print("pre-rendering the simulated sensors ...", flush=True)
    samples = prerender(8.0)
    node_process = start_node(env, args.qos, args.set)
    log_path = node_process.log_path

    import rclpy

    spawn = multiprocessing.get_context("spawn")
    listening, stop_listening = spawn.Event(), spawn.Event()
    received, sender = spawn.Pipe(duplex=False)
    listener = spawn.Process(
        target=listen, args=(listening, stop_listening, sender), name="soak-listener"
    )
    listener.start()
    rclpy.init()
    node = rclpy.create_node("omnibind_soak")
    stop = threading.Event()
    lock = threading.Lock()
    rng = np.random.default_rng(args.seed)
    players = [
        SensorPlayer(node, lock, spec, samples[spec.name], args, rng.spawn(1)[0], stop)
        for spec in DEFAULT_SENSORS
        if samples.get(spec.name)
    ]
    rss: list[tuple[float, float]] = []
    died = None
    try:
        ready = node_process.wait_ready(180.0)
        if not listening.wait(60.0):
            print("the listener process did not start", file=sys.stderr)
            return 1
        if not ready or node_process.poll() is not None:
            print(f"the node did not start; its log: {log_path}", file=sys.stderr)
            return 1
        start = time.monotonic()
        cpu_before = cpu_seconds(node_process.pid), time.process_time()
        for player in players:
            player.start()
        print(f"soaking for {args.minutes:g} min (node log: {log_path}) ...", flush=True)
        while time.monotonic() - start < seconds:
            if node_process.poll() is not None:
                died = node_process.poll()
                break
            rss.append((time.monotonic() - start, rss_mb(node_process.pid)))
            time.sleep(5.0)
        elapsed = time.monotonic() - start
        own_cpu = (time.process_time() - cpu_before[1]) / elapsed
        cpu = (cpu_seconds(node_process.pid) - cpu_before[0]) / elapsed if died is None else None
    finally:
        stop.set()
        try:
            for player in players:
                player.join(timeout=15)
            time.sleep(1.5)  # a last /diagnostics with the final counts
            stop_listening.set()
            scenes, diagnostics, gc_pause_ms = (
                received.recv() if received.poll(120.0) else ([], {}, None)
            )
            scenes = [(t, json.loads(data)) for t, data in scenes]
        finally:
            stop_listening.set()
            listener.join(timeout=30)
            exit_code = node_process.stop()
            node.destroy_node()
            rclpy.try_shutdown()

    records = {p.name.removeprefix("soak-"): p.record for p in players}
    log_lines = log_path.read_text().splitlines()
    exceptions = [line for line in log_lines if EXCEPTION_LINE.search(line)]
    exceptions += [f"soak player {n}: {e}" for n, r in records.items() for e in r.errors]
    wrong = wrong_modality_events(scenes, records, start + warm_up)
    gaps = scene_gaps(scenes, records, start + warm_up)
    counts = bad_message_counts(records, diagnostics)
    nonfinite = sum(
        not all(math.isfinite(label["score"]) for label in scene["labels"]) for _, scene in scenes
    )
    growth = rss_growth_pct(rss, warm_up)
    invariants = {
        "node_alive_and_exits_0": died is None and exit_code == 0,
        "no_exceptions": not exceptions,
        "no_wrong_modality_set": not wrong,
        "no_scene_gap_over_2_periods_while_live": gaps["gaps_over_2_periods_while_live"] == 0,
        "rss_growth_under_5_pct": growth is not None and growth < 5.0,
        "bad_counted_equals_bad_delivered": all(map(bad_ones_all_counted, counts.values())),
        "finite_scores": nonfinite == 0,
    }
    report = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average_after": os.getloadavg(),
        "settings": {
            **{k: v for k, v in vars(args).items() if k not in ("output", "raw")},
            "warm_up_s": warm_up,
        },
        "seconds": round(elapsed, 1),
        "invariants": invariants,
        "node_exit_code": exit_code,
        "exceptions_in_log": exceptions[:20],
        "wrong_modality_set_events": wrong[:50],
        "wrong_modality_set_count": len(wrong),
        "wrong_modality_set_by_kind": {
            kind: sum(e["kind"] == kind for e in wrong) for kind in ("stale", "missing")
        },
        "wrong_modality_set_within_2_s_after_a_stall": after_a_stall(
            wrong, scenes, start + warm_up
        ),
        "scene_gaps": gaps,
        "reaction_times": reaction_times(scenes, records),
        "plugs_per_sensor": {name: len(r.plugs) for name, r in records.items()},
        "messages": counts,
        "nonfinite_scenes": nonfinite,
        "rss_mb": {
            "growth_pct_after_warm_up": growth,
            "samples": [[round(t), round(mb, 1)] for t, mb in rss],
        },
        "node_cpu_cores_used": round(cpu, 2) if cpu is not None else None,
        "node_gc_pause_ms_max": gc_pause_ms,
        "soak_process_cpu_cores_used": round(own_cpu, 2),  # the simulated sensors
    }
    print(json.dumps({k: v for k, v in report.items() if k != "rss_mb"}, indent=2))
    print(f"RSS growth after warm-up: {growth} %")
    save_results(args.output, report)
    if args.raw:
        raw = {
            "start": start,
            "scenes": [
                [t, published_at(s), s["modalities"], s.get("oldest_sample_ms")] for t, s in scenes
            ],
            "plugs": {n: [vars(p) for p in r.plugs] for n, r in records.items()},
        }
        save_results(args.raw, raw)
    broken = [name for name, ok in invariants.items() if not ok]
    if broken:
        print(f"INVARIANTS BROKEN: {', '.join(broken)}", file=sys.stderr)
        return 1
    print("all invariants held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
