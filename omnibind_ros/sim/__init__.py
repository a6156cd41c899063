"""A procedural multi-sensor world: scene classes rendered to an RGB camera, a thermal camera,
an event camera, a tactile pad, a microphone and a lidar, in their true raw formats.

Built so that no single sensor is enough: each modality alone confuses some classes, and
different modalities confuse different ones. Deterministic in (seed, scene index). Imports
nothing else of the package.
"""

from omnibind_ros.sim.conditions import LIGHTING, Conditions
from omnibind_ros.sim.errors import SimConfigError
from omnibind_ros.sim.objects import CLASS_NAMES
from omnibind_ros.sim.rig import SensorRig
from omnibind_ros.sim.samples import EVENT_DTYPE, SENSOR_MODALITIES, AudioClip, EventWindow
from omnibind_ros.sim.stream import DEFAULT_SENSORS, HotPlugSchedule, SensorSpec, StreamSample
from omnibind_ros.sim.world import Scene, World

__all__ = [
    "CLASS_NAMES",
    "DEFAULT_SENSORS",
    "EVENT_DTYPE",
    "LIGHTING",
    "SENSOR_MODALITIES",
    "AudioClip",
    "Conditions",
    "EventWindow",
    "HotPlugSchedule",
    "Scene",
    "SensorRig",
    "SensorSpec",
    "SimConfigError",
    "StreamSample",
    "World",
]
