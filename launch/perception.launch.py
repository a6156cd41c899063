"""The OmniBind perception node with its parameter file and the large-message DDS profile.

    ros2 launch omnibind_ros perception.launch.py
    ros2 launch omnibind_ros perception.launch.py config:=/path/robot.yaml namespace:=robot1 \
        model_bundle:=/path/model.omnibind device:=cuda use_sim_time:=true log_level:=debug

The parameter files and the overrides are launch-wide parameters (SetParametersFromFile,
SetParameter) set in order before the node, so later ones win: config, extra_config, then
model_bundle, backend and device, each only when given. The node itself stays a plain Node
(`ros2 launch --print` shows it). log_level applies to the node's own logger only.
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, SetEnvironmentVariable
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node, SetParameter, SetParametersFromFile
from launch_ros.substitutions import FindPackageShare

from omnibind_ros.ros.launch_support import (
    BACKENDS,
    DEVICES,
    as_bool,
    choice_argument,
    given,
    log_level_argument,
    log_level_arguments,
    use_sim_time_argument,
)

PACKAGE = "omnibind_ros"
NODE_NAME = "omnibind"
# launch argument -> node parameter it overrides when not empty
OVERRIDES = {"model_bundle": "model.bundle", "backend": "backend", "device": "device"}
# Fast DDS 2.x (Humble, Jazzy) reads the first, 3.x the second.
PROFILE_ENV_VARS = ("FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE")


def launch_arguments() -> list[DeclareLaunchArgument]:
    share = FindPackageShare(PACKAGE)
    return [
        DeclareLaunchArgument(
            "config",
            default_value=PathJoinSubstitution([share, "config", "perception.yaml"]),
            description="parameter file of the node (sensors, labels, rates)",
        ),
        DeclareLaunchArgument(
            "extra_config",
            default_value="",
            description="optional second parameter file, loaded after config (overrides it)",
        ),
        DeclareLaunchArgument(
            "namespace", default_value="", description="node namespace (relative topics too)"
        ),
        use_sim_time_argument(),
        DeclareLaunchArgument(
            "model_bundle", default_value="", description="model bundle; empty = from config"
        ),
        choice_argument("backend", "", BACKENDS, "inference backend; empty = from config"),
        choice_argument("device", "", DEVICES, "cpu, cuda or cuda:N; empty = from config"),
        log_level_argument("log level of the node's logger (other loggers keep theirs)"),
        DeclareLaunchArgument(
            "dds_profile",
            default_value=PathJoinSubstitution([share, "config", "fastdds_large_messages.xml"]),
            description="Fast DDS profile (large shared-memory segment for images and clouds)",
        ),
    ]


def node_parameters() -> list:
    """Launch-wide parameters in order of precedence (the last wins)."""
    files = [
        SetParametersFromFile(LaunchConfiguration("config")),
        SetParametersFromFile(LaunchConfiguration("extra_config"), condition=given("extra_config")),
    ]
    overrides = [
        SetParameter(parameter, LaunchConfiguration(argument), condition=given(argument))
        for argument, parameter in OVERRIDES.items()
    ]
    return [*files, *overrides]


def generate_launch_description() -> LaunchDescription:
    profile = LaunchConfiguration("dds_profile")
    node = Node(
        package=PACKAGE,
        executable="perception_node",
        name=NODE_NAME,
        namespace=LaunchConfiguration("namespace"),
        parameters=[{"use_sim_time": as_bool("use_sim_time")}],
        ros_arguments=log_level_arguments(NODE_NAME),
        output="screen",
        emulate_tty=True,
    )
    return LaunchDescription(
        [
            *launch_arguments(),
            *(SetEnvironmentVariable(name, profile) for name in PROFILE_ENV_VARS),
            *node_parameters(),
            node,
        ]
    )
