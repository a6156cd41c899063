"""Sensor slot state: latest wins, rate limit, activity, counters, rate estimate."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from omnibind_ros.pipeline.params import SensorConfig
from omnibind_ros.pipeline.slots import RateEstimator, SensorSlot
from omnibind_ros.pipeline.streams import LatestOnly

CONFIG = SensorConfig("cam", "image", "/cam", "sensor_msgs/msg/Image", stale_timeout=1.0)
EMBEDDING = np.ones(4, dtype=np.float32) / 2


def make_slot(max_encode_hz: float = 10.0) -> SensorSlot:
    slot = SensorSlot(CONFIG, LatestOnly(), max_encode_hz)
    slot.set_publishers(1)
    return slot


def test_encoder_gets_only_the_newest_sample_and_overwritten_ones_are_counted() -> None:
    slot = make_slot()
    for i in range(5):
        slot.offer(f"frame{i}", stamp_ns=i, now=0.0)
    job = slot.take_job(now=0.0)
    assert (job.sample, job.stamp_ns) == ("frame4", 4)
    assert slot.take_job(now=1.0) is None  # nothing new: never encode the same sample twice
    view = slot.view(now=0.0)
    assert (view.received, view.superseded) == (5, 4)


def test_encode_rate_limit_lets_one_early_sample_through_then_defers_keeping_the_newest() -> None:
    slot = make_slot(max_encode_hz=10.0)
    slot.offer("a", 1, now=0.0)
    assert slot.take_job(now=0.0).sample == "a"
    slot.offer("b", 2, now=0.05)
    assert slot.take_job(now=0.05).sample == "b"  # half a period early: not held back
    slot.offer("c", 3, now=0.06)
    slot.offer("d", 4, now=0.07)
    assert slot.take_job(now=0.07) is None  # two in 70 ms: the budget is spent
    assert slot.next_job_due(now=0.07) == pytest.approx(0.03)
    assert slot.take_job(now=0.1).sample == "d"
    assert slot.next_job_due(now=0.1) is None


def test_slot_becomes_active_with_publisher_fresh_message_and_embedding() -> None:
    slot = SensorSlot(CONFIG, LatestOnly(), 10.0)
    assert slot.view(0.0).reason == "no publisher"
    slot.set_publishers(2)
    assert slot.view(0.0).reason == "no message yet"
    slot.offer("a", 100, now=0.0)
    assert slot.view(0.1).reason == "waiting for a first encoded sample"
    slot.store_embedding(slot.take_job(0.1), EMBEDDING)
    view = slot.view(0.2)
    assert view.active and view.reason == ""
    assert view.stamp_ns == 100
    assert np.array_equal(view.embedding, EMBEDDING)


def test_slot_goes_inactive_when_stale_even_with_a_publisher() -> None:
    slot = make_slot()
    slot.offer("a", 1, now=0.0)
    slot.store_embedding(slot.take_job(0.0), EMBEDDING)
    assert slot.view(0.99).active
    view = slot.view(1.0)
    assert not view.active and view.reason.startswith("stale")


def test_slot_goes_inactive_at_once_when_the_publisher_leaves() -> None:
    slot = make_slot()
    slot.offer("a", 1, now=0.0)
    slot.store_embedding(slot.take_job(0.0), EMBEDDING)
    slot.set_publishers(0)
    assert slot.view(0.01).reason == "no publisher"


def test_reset_stream_forgets_buffered_data_and_embedding() -> None:
    slot = make_slot()
    slot.offer("a", 1, now=0.0)
    slot.store_embedding(slot.take_job(0.0), EMBEDDING)
    slot.offer("b", 2, now=0.05)
    slot.reset_stream()
    assert slot.take_job(1.0) is None
    assert slot.view(0.1).embedding is None


def test_an_older_result_never_replaces_a_newer_embedding() -> None:
    slot = make_slot(max_encode_hz=1000.0)
    slot.offer("a", 1, now=0.0)
    old = slot.take_job(0.0)
    slot.offer("b", 2, now=0.01)
    new = slot.take_job(0.01)
    slot.store_embedding(new, EMBEDDING)
    slot.store_embedding(old, -EMBEDDING)
    assert slot.view(0.02).stamp_ns == 2


def test_bad_and_failed_samples_are_counted_separately_with_the_last_problem() -> None:
    slot = make_slot()
    slot.count_bad("truncated data", now=0.0)
    slot.count_invalid("all NaN")
    slot.count_encode_error("RuntimeError: boom")
    view = slot.view(0.0)
    assert (view.bad, view.encode_errors, view.received) == (2, 1, 1)
    assert view.last_error == "RuntimeError: boom"


def test_offers_from_many_threads_lose_no_count() -> None:
    slot = make_slot()

    def offer_many() -> None:
        for i in range(2000):
            slot.offer(i, i, now=0.0)

    threads = [threading.Thread(target=offer_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    view = slot.view(0.0)
    assert view.received == 8000
    assert view.superseded == 7999


def test_rate_estimate_tracks_arrivals_and_decays_when_they_stop() -> None:
    rate = RateEstimator(window=2.0)
    assert rate.rate(0.0) == 0.0
    for i in range(61):
        rate.tick(i / 30)
    assert rate.rate(2.0) == pytest.approx(30, rel=0.05)
    assert rate.rate(3.0) == pytest.approx(15)  # half the window silent
    assert rate.rate(10.0) == 0.0


def test_last_sample_is_the_newest_message_as_converted() -> None:
    slot = make_slot()
    assert slot.last_sample() is None
    slot.offer("a", 1, now=0.0)
    slot.offer("b", 2, now=0.0)
    assert slot.last_sample() == "b"
    slot.reset_stream()
    assert slot.last_sample() is None


def test_changing_the_encode_rate_applies_to_the_next_job() -> None:
    slot = make_slot(max_encode_hz=1.0)
    for sample, stamp in (("a", 1), ("b", 2)):
        slot.offer(sample, stamp, now=0.0)
        slot.take_job(0.0)
    slot.offer("c", 3, now=0.1)
    assert slot.take_job(0.2) is None
    assert slot.next_job_due(0.2) == pytest.approx(0.8)
    slot.set_max_encode_hz(5.0, now=0.2)
    assert slot.next_job_due(0.2) == pytest.approx(0.16)
    assert slot.take_job(0.36).sample == "c"


def test_rate_estimate_survives_ticks_and_reads_from_two_threads_at_once() -> None:
    # The fusion timer ticks while the diagnostics timer reads: an unguarded deque raised
    # "deque mutated during iteration" here.
    rate = RateEstimator(window=1e9, max_events=1024)
    errors: list[BaseException] = []
    stop = threading.Event()

    def tick() -> None:
        n = 0
        while not stop.is_set():
            rate.tick(float(n))
            n += 1

    def read() -> None:
        try:
            for _ in range(3000):
                rate.rate(1e6)
        except BaseException as err:  # the failure under test
            errors.append(err)
        finally:
            stop.set()

    threads = [threading.Thread(target=tick), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
