"""The scene classes of the simulated world, in their default order."""

from __future__ import annotations

from omnibind_ros.sim.objects.base import ObjectModel
from omnibind_ros.sim.objects.bicycle import Bicycle
from omnibind_ros.sim.objects.campfire import Campfire
from omnibind_ros.sim.objects.car import Car
from omnibind_ros.sim.objects.chair import Chair
from omnibind_ros.sim.objects.dog import Dog
from omnibind_ros.sim.objects.fan import Fan
from omnibind_ros.sim.objects.kettle import Kettle
from omnibind_ros.sim.objects.person import Person
from omnibind_ros.sim.objects.walls import Door, GlassWindow

MODELS: dict[str, ObjectModel] = {
    model.name: model
    for model in (
        Person(),
        Dog(),
        Car(),
        Bicycle(),
        Chair(),
        Door(),
        Fan(),
        Kettle(),
        Campfire(),
        GlassWindow(),
    )
}
CLASS_NAMES: tuple[str, ...] = tuple(MODELS)

__all__ = ["CLASS_NAMES", "MODELS", "ObjectModel"]
