"""The OmniBind perception node with its parameter file and the large-message DDS profile.

    ros2 launch omnibind_ros perception.launch.py
    ros2 launch omnibind_ros perception.launch.py config:=/path/robot.yaml namespace:=robot1 \
        model_bundle:=/path/model.omnibind device:=cuda use_sim_time:=true log_level:=debug

model_bundle, backend and device override the config file only when given.
"""

from launch import LaunchContext, LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction, SetEnvironmentVariable
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

PACKAGE = "omnibind_ros"
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
        DeclareLaunchArgument("namespace", default_value="", description="node namespace"),
        DeclareLaunchArgument(
            "use_sim_time", default_value="false", description="use /clock (bag replay)"
        ),
        DeclareLaunchArgument(
            "model_bundle", default_value="", description="model bundle; empty = from config"
        ),
        DeclareLaunchArgument(
            "backend", default_value="", description="inference backend; empty = from config"
        ),
        DeclareLaunchArgument(
            "device", default_value="", description="cpu, cuda or cuda:N; empty = from config"
        ),
        DeclareLaunchArgument("log_level", default_value="info", description="ROS log level"),
        DeclareLaunchArgument(
            "dds_profile",
            default_value=PathJoinSubstitution([share, "config", "fastdds_large_messages.xml"]),
            description="Fast DDS profile (large shared-memory segment for images and clouds)",
        ),
    ]


def large_message_profile() -> list[SetEnvironmentVariable]:
    profile = LaunchConfiguration("dds_profile")
    return [SetEnvironmentVariable(name, profile) for name in PROFILE_ENV_VARS]


def perception_node(context: LaunchContext) -> list[Node]:
    overrides = {
        parameter: LaunchConfiguration(argument).perform(context)
        for argument, parameter in OVERRIDES.items()
    }
    use_sim_time = LaunchConfiguration("use_sim_time").perform(context).lower() == "true"
    files = [LaunchConfiguration(a).perform(context) for a in ("config", "extra_config")]
    return [
        Node(
            package=PACKAGE,
            executable="perception_node",
            name="omnibind",
            namespace=LaunchConfiguration("namespace"),
            parameters=[
                *(f for f in files if f),
                {"use_sim_time": use_sim_time, **{k: v for k, v in overrides.items() if v}},
            ],
            ros_arguments=["--log-level", LaunchConfiguration("log_level")],
            output="screen",
            emulate_tty=True,
        )
    ]


def generate_launch_description() -> LaunchDescription:
    return LaunchDescription(
        [*launch_arguments(), *large_message_profile(), OpaqueFunction(function=perception_node)]
    )
