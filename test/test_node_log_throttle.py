"""Warnings about bad messages are throttled per sensor, not per call site."""

from omnibind_ros.pipeline.log_throttle import KeyedThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_each_sensor_gets_its_own_throttle_window() -> None:
    clock = FakeClock()
    throttle = KeyedThrottle(5.0, clock)
    assert throttle.allow("camera") == (True, 0)
    assert throttle.allow("thermal") == (True, 0)  # another sensor is not silenced
    assert throttle.allow("camera") == (False, 0)
    assert throttle.allow("camera") == (False, 0)
    clock.now = 5.0
    assert throttle.allow("camera") == (True, 2)  # reports what it held back
    assert throttle.allow("camera") == (False, 0)
