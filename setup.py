"""ament_python package: installs under colcon and, for the venv path, with pip."""

from glob import glob
from os.path import isfile

from setuptools import find_packages, setup

PACKAGE = "omnibind_ros"

setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(include=[PACKAGE, f"{PACKAGE}.*"]),
    package_data={PACKAGE: ["models/*.omnibind"], f"{PACKAGE}.training": ["configs/*.yaml"]},
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        (f"share/{PACKAGE}/launch", glob("launch/*.launch.py")),
        (f"share/{PACKAGE}/config", sorted(filter(isfile, glob("config/*")))),
        (f"share/{PACKAGE}/config/profiles", sorted(glob("config/profiles/*.yaml"))),
    ],
    # The default model ships once, as package data (omnibind_ros/models), where the code
    # looks for it; not a second copy under share/.
    # ROS client libraries and torch come from the ROS install (colcon) or from
    # requirements/venv.txt (venv path): never hard requirements here.
    install_requires=["numpy", "pyyaml"],
    zip_safe=True,
    maintainer="omnibind_ros maintainers",
    maintainer_email="maintainers@omnibind-ros.dev",
    description="OmniBind multi-sensor fusion and open-vocabulary scene labels for ROS 2",
    license="Apache-2.0",
    python_requires=">=3.10",
    entry_points={
        "console_scripts": [
            "omnibind = omnibind_ros.cli:main",
            "perception_node = omnibind_ros.ros.perception_node:main",
            "sim_sensors = omnibind_ros.ros.sim_sensors_node:main",
            "replay_evaluator = omnibind_ros.eval.evaluator_node:main",
        ],
    },
)
