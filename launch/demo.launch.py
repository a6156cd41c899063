"""Simulated sensors (plugged in and out on a schedule) and the perception node.

    ros2 launch omnibind_ros demo.launch.py
    ros2 launch omnibind_ros demo.launch.py seed:=3 model_bundle:=/path/model.omnibind

The same as `omnibind demo`, as separate processes; watch with
`ros2 topic echo /omnibind/scene` and `ros2 topic echo /omnibind/ground_truth`.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, SetEnvironmentVariable
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare

PACKAGE = "omnibind_ros"
# Fast DDS 2.x (Humble, Jazzy) reads the first, 3.x the second.
PROFILE_ENV_VARS = ("FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE")


def generate_launch_description() -> LaunchDescription:
    share = FindPackageShare(PACKAGE)
    demo_config = PathJoinSubstitution([share, "config", "demo.yaml"])
    profile = PathJoinSubstitution([share, "config", "fastdds_large_messages.xml"])
    return LaunchDescription(
        [
            DeclareLaunchArgument("seed", default_value="0", description="simulated world seed"),
            DeclareLaunchArgument(
                "model_bundle", default_value="", description="model bundle; empty = default"
            ),
            DeclareLaunchArgument("log_level", default_value="info", description="ROS log level"),
            # Set before either node starts: the simulated camera and lidar publish large messages.
            *(SetEnvironmentVariable(name, profile) for name in PROFILE_ENV_VARS),
            Node(
                package=PACKAGE,
                executable="sim_sensors",
                name="omnibind_sim_sensors",
                parameters=[
                    demo_config,
                    {"seed": ParameterValue(LaunchConfiguration("seed"), value_type=int)},
                ],
                ros_arguments=["--log-level", LaunchConfiguration("log_level")],
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
                    "model_bundle": LaunchConfiguration("model_bundle"),
                    "dds_profile": profile,
                    "log_level": LaunchConfiguration("log_level"),
                }.items(),
            ),
        ]
    )
