"""The simulated robot's sensors: resolutions, fields of view, windows and point density."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from omnibind_ros.sim.errors import SimConfigError
from omnibind_ros.sim.geometry import PinholeGrid, SpinningGrid
from omnibind_ros.sim.layout import CAMERA_HEIGHT, LIDAR_HEIGHT


@dataclass(frozen=True)
class SensorRig:
    """Sensor intrinsics. Sizes are (width, height) in pixels.

    The defaults follow common small sensors: a 96 px RGB camera, an 80x60 Lepton-class thermal
    camera, a 128x128 DVS-class event camera with 50 ms windows, a 64 px GelSight-like tactile
    pad, a 16 kHz microphone with 1 s clips, and a 32-beam lidar sector of about 5,000 rays
    (``lidar_beams`` x ``lidar_steps``; up to about 100k rays).
    """

    image_size: tuple[int, int] = (96, 96)
    image_hfov_deg: float = 60.0
    thermal_size: tuple[int, int] = (80, 60)
    thermal_hfov_deg: float = 57.0
    event_size: tuple[int, int] = (128, 128)
    event_hfov_deg: float = 60.0
    event_window_s: float = 0.05
    tactile_size: int = 64
    audio_rate: int = 16000
    audio_duration_s: float = 1.0
    lidar_beams: int = 32
    lidar_steps: int = 160
    lidar_vfov_deg: tuple[float, float] = (-25.0, 10.0)
    lidar_hfov_deg: float = 100.0
    lidar_organized: bool = False  # keep rays without a return as NaN rows

    def __post_init__(self) -> None:
        for name in ("image_size", "thermal_size", "event_size"):
            w, h = getattr(self, name)
            if not (8 <= w <= 2048 and 8 <= h <= 2048):
                raise SimConfigError(f"{name}={(w, h)}: each side must be in [8, 2048] pixels")
        if not 0.001 <= self.event_window_s <= 1.0:
            raise SimConfigError(f"event_window_s={self.event_window_s}: expected 0.001..1 s")
        if not 16 <= self.tactile_size <= 512:
            raise SimConfigError(f"tactile_size={self.tactile_size}: expected 16..512 pixels")
        if not 4000 <= self.audio_rate <= 96000 or not 0.01 <= self.audio_duration_s <= 60:
            raise SimConfigError(
                "audio_rate must be 4000..96000 Hz and audio_duration_s 0.01..60 s"
            )
        if not (1 <= self.lidar_beams <= 256 and 1 <= self.lidar_steps <= 4096):
            raise SimConfigError("lidar_beams must be 1..256 and lidar_steps 1..4096")

    @cached_property
    def image_grid(self) -> PinholeGrid:
        return PinholeGrid(*self.image_size, self.image_hfov_deg, CAMERA_HEIGHT)

    @cached_property
    def thermal_grid(self) -> PinholeGrid:
        return PinholeGrid(*self.thermal_size, self.thermal_hfov_deg, CAMERA_HEIGHT)

    @cached_property
    def event_grid(self) -> PinholeGrid:
        return PinholeGrid(*self.event_size, self.event_hfov_deg, CAMERA_HEIGHT)

    @cached_property
    def lidar_grid(self) -> SpinningGrid:
        return SpinningGrid(
            self.lidar_beams,
            self.lidar_steps,
            self.lidar_vfov_deg,
            self.lidar_hfov_deg,
            LIDAR_HEIGHT,
        )
