"""The Fast DDS profile for large messages (config/fastdds_large_messages.xml).

Fast DDS's default shared-memory segment is 512 KB: a 640x480 rgb8 frame (922 KB) or a
100k-point cloud (1.6 MB) does not fit, and under sensor-data QoS most such messages are
silently lost. The shipped profile raises the segment to 64 MB. It must be in the
environment before rclpy.init() creates the DDS participant.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

from omnibind_ros.paths import config_file

PROFILE_NAME = "fastdds_large_messages.xml"
# Fast DDS 2.x (Humble, Jazzy) reads the first, Fast DDS 3.x (Kilted and later) the second.
PROFILE_ENV_VARS = ("FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE")


def large_message_profile() -> Path:
    return config_file(PROFILE_NAME)


def use_large_message_profile(environ: MutableMapping[str, str] = os.environ) -> Path | None:
    """Point Fast DDS at the shipped profile; returns it, or None when left alone.

    A profile the user already chose wins, and other middlewares (RMW_IMPLEMENTATION not
    Fast DDS) are not touched.
    """
    rmw = environ.get("RMW_IMPLEMENTATION", "rmw_fastrtps_cpp")
    if "fastrtps" not in rmw or any(environ.get(name) for name in PROFILE_ENV_VARS):
        return None
    profile = large_message_profile()
    for name in PROFILE_ENV_VARS:
        environ[name] = str(profile)
    return profile
