"""Simulated sensors (plugged in and out on a schedule) and the perception node.

    ros2 launch omnibind_ros demo.launch.py
    ros2 launch omnibind_ros demo.launch.py seed:=3 namespace:=robot1 model_bundle:=/path/m.omnibind

The same as `omnibind demo`, as separate processes; watch with
`ros2 topic echo /omnibind/scene` (`/robot1/omnibind/scene` in a namespace) and
`ros2 topic echo /omnibind/ground_truth`. Both nodes run in `namespace`, so the simulated
topics (relative names) and the node's default sensors meet there.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, SetEnvironmentVariable
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare

from omnibind_ros.ros.launch_support import (
    as_bool,
    log_level_argument,
    log_level_arguments,
    use_sim_time_argument,
)

PACKAGE = "omnibind_ros"
SIM_NODE_NAME = "omnibind_sim_sensors"
# Fast DDS 2.x (Humble, Jazzy) reads the first, 3.x the second.
PROFILE_ENV_VARS = ("FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE")


def generate_launch_description() -> LaunchDescription:
    share = FindPackageShare(PACKAGE)
    demo_config = PathJoinSubstitution([share, "config", "demo.yaml"])
    profile = PathJoinSubstitution([share, "config", "fastdds_large_messages.xml"])
    forwarded = ("namespace", "use_sim_time", "model_bundle", "log_level")
    return LaunchDescription(
        [
            DeclareLaunchArgument("seed", default_value="0", description="simulated world seed"),
            DeclareLaunchArgument(
                "namespace", default_value="", description="both nodes' namespace"
            ),
            use_sim_time_argument(),
            DeclareLaunchArgument(
                "model_bundle", default_value="", description="model bundle; empty = default"
            ),
            log_level_argument("log level of both nodes' loggers"),
            # Set before either node starts: the simulated camera and lidar publish large messages.
            *(SetEnvironmentVariable(name, profile) for name in PROFILE_ENV_VARS),
            Node(
                package=PACKAGE,
                executable="sim_sensors",
                name=SIM_NODE_NAME,
                namespace=LaunchConfiguration("namespace"),
                parameters=[
                    demo_config,
                    {
                        "seed": ParameterValue(LaunchConfiguration("seed"), value_type=int),
                        "use_sim_time": as_bool("use_sim_time"),
                    },
                ],
                ros_arguments=log_level_arguments(SIM_NODE_NAME),
                output="screen",
                emulate_tty=True,
            ),
            IncludeLaunchDescription(
                PythonLaunchDescriptionSource(
                    PathJoinSubstitution([share, "launch", "perception.launch.py"])
                ),
                launch_arguments={
                    "config": PathJoinSubstitution([share, "config", "perception.yaml"]),
                    "extra_config": demo_config,
                    "dds_profile": profile,
                    **{name: LaunchConfiguration(name) for name in forwarded},
                }.items(),
            ),
        ]
    )
