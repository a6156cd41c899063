"""What one sensor message may cost: the defaults of the per-sensor caps and the hard limits.

A message that breaks a cap is rejected as bad (and counted) before anything is allocated for
it, so a corrupt size field cannot make the node spend seconds or gigabytes. The defaults sit
well above real sensors; the node's `sensors.<name>.max_*` parameters raise or lower them.
"""

from __future__ import annotations

# 4096 x 4096: 8 x a 1080p camera frame; a 4K (3840 x 2160) frame fits.
DEFAULT_MAX_PIXELS = 1 << 24
# Points per cloud: an Ouster OS2-128 at 2048 columns sends 262 144.
DEFAULT_MAX_POINTS = 2_000_000
# Events per packet: 1 s of a busy 1 Mpx event camera at 2 Mev/s.
DEFAULT_MAX_EVENTS = 2_000_000
# Event sensor side in pixels, configured or taken from the largest coordinate; the largest
# event cameras are 1280 x 960.
DEFAULT_MAX_SENSOR_SIDE = 2048

# Hard limits, not configurable. The event histogram costs 12 bytes per cell (pixel of the
# counted square or sensor, times 2 polarities x time bins): 2^23 cells are 100 MB, room for
# a 2048 x 2048 square of 1 time bin or a 1280 x 720 sensor stretched with 4.
MAX_EVENT_HISTOGRAM_CELLS = 1 << 23
MAX_EVENT_SENSOR_SIDE = 1 << 16  # uint16 coordinates
# The highest rate of common audio hardware (ultrasonic microphones included); resampling and
# buffering cost grows with the rate, so a mistyped one (2147483647) must not be accepted.
MAX_SAMPLE_RATE = 384_000
