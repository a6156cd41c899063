"""The shipped Fast DDS profile: valid for Fast DDS and delivering full-size camera frames.

Measured between two processes like a driver and the node: 640x480 rgb8 at 30 Hz under
sensor-data QoS (benchmarks/bench_dds_delivery.py compares with Fast DDS defaults).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from benchmark_modules import load_benchmark_module
from ros_harness import domain_id_for

from omnibind_ros.ros.middleware import (
    PROFILE_ENV_VARS,
    large_message_profile,
    use_large_message_profile,
)

pytestmark = pytest.mark.ros

NS = {"dds": "http://www.eprosima.com/XMLSchemas/fastRTPS_Profiles"}


def load_bench():
    return load_benchmark_module("bench_dds_delivery")


def test_profile_gives_every_participant_a_large_shared_memory_segment() -> None:
    root = ET.parse(large_message_profile()).getroot()
    shm = root.find(".//dds:transport_descriptor[dds:type='SHM']", NS)
    assert int(shm.find("dds:segment_size", NS).text) >= 16 * 1024 * 1024
    participant = root.find(".//dds:participant", NS)
    assert participant.get("is_default_profile") == "true"
    used = [t.text for t in participant.findall(".//dds:userTransports/dds:transport_id", NS)]
    assert shm.find("dds:transport_id", NS).text in used
    assert "UDPv4" in {
        d.find("dds:type", NS).text for d in root.findall(".//dds:transport_descriptor", NS)
    }


def test_profile_is_set_only_when_the_user_chose_none() -> None:
    env: dict[str, str] = {}
    assert use_large_message_profile(env) == large_message_profile()
    assert all(env[name] == str(large_message_profile()) for name in PROFILE_ENV_VARS)
    mine = {"FASTRTPS_DEFAULT_PROFILES_FILE": "/mine.xml"}
    assert use_large_message_profile(mine) is None and mine == {
        "FASTRTPS_DEFAULT_PROFILES_FILE": "/mine.xml"
    }
    other_rmw = {"RMW_IMPLEMENTATION": "rmw_cyclonedds_cpp"}
    assert use_large_message_profile(other_rmw) is None and len(other_rmw) == 1


def test_full_size_frames_arrive_at_30_hz_with_the_profile() -> None:
    bench = load_bench()
    result = bench.measure("image", 30.0, 2.0, with_profile=True, domain=domain_id_for(__name__))
    assert result["sent"] == 60
    assert result["delivered"] >= 0.95, result
