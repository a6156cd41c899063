"""QoS profiles a sensor slot can subscribe with, by the names the `qos` parameter takes."""

from __future__ import annotations

from rclpy.qos import (
    DurabilityPolicy,
    HistoryPolicy,
    QoSProfile,
    ReliabilityPolicy,
    qos_profile_sensor_data,
    qos_profile_system_default,
)

from omnibind_ros.core.errors import ConfigError

# sensor_data (best effort) matches reliable and best-effort publishers alike, which is why it
# is the default: a reliable subscription would never hear a best-effort camera driver.
_PROFILES: dict[str, QoSProfile] = {
    "sensor_data": qos_profile_sensor_data,
    "reliable": QoSProfile(
        history=HistoryPolicy.KEEP_LAST, depth=10, reliability=ReliabilityPolicy.RELIABLE
    ),
    "best_effort": QoSProfile(
        history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.BEST_EFFORT
    ),
    "system_default": qos_profile_system_default,
}

# Ground-truth labels as the simulator and rosbag2 offer them: latched, so a late joiner has
# the current one.
TRUTH_QOS = QoSProfile(
    depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL, reliability=ReliabilityPolicy.RELIABLE
)


def qos_profile(name: str) -> QoSProfile:
    """The profile behind one of ``params.QOS_PROFILES``."""
    try:
        return _PROFILES[name]
    except KeyError:
        known = ", ".join(_PROFILES)
        raise ConfigError(f"QoS profile {name!r} unknown; use one of {known}") from None
