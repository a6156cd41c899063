"""Live replay evaluation: `ros2 bag play --clock` into the perception node (perception.launch.py,
on sim time) and the replay evaluator, which scores ~/scene against the bag's truth topic and
writes the report when the bag has finished.

    ros2 launch omnibind_ros replay_eval.launch.py bag:=/data/run1 report_dir:=/tmp/run1_live
    ros2 launch omnibind_ros replay_eval.launch.py bag:=/data/run1 rate:=0.5 \
        config:=/path/robot.yaml annotations:=/data/run1_labels.csv model_bundle:=/path/m.omnibind

The same report as `omnibind eval` (offline), so the two can be compared. For bags of
`omnibind sim record`, add extra_config:=<share>/config/demo.yaml (the simulated robot).
"""

from launch import LaunchDescription
from launch.actions import (
    DeclareLaunchArgument,
    EmitEvent,
    ExecuteProcess,
    GroupAction,
    IncludeLaunchDescription,
    RegisterEventHandler,
    SetEnvironmentVariable,
    TimerAction,
)
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

PACKAGE = "omnibind_ros"
# Passed through to perception.launch.py, which declares them (empty: from the config file).
NODE_ARGUMENTS = ("config", "extra_config", "model_bundle", "backend", "device")
# Fast DDS 2.x (Humble, Jazzy) reads the first, 3.x the second; bag play needs it as well.
PROFILE_ENV_VARS = ("FASTRTPS_DEFAULT_PROFILES_FILE", "FASTDDS_DEFAULT_PROFILES_FILE")


def launch_arguments() -> list[DeclareLaunchArgument]:
    share = FindPackageShare(PACKAGE)
    return [
        DeclareLaunchArgument("bag", description="bag directory (or .mcap/.db3 file) to play"),
        DeclareLaunchArgument(
            "report_dir", default_value="replay_report", description="where the report goes"
        ),
        DeclareLaunchArgument("rate", default_value="1.0", description="playback rate"),
        DeclareLaunchArgument(
            "truth_topic", default_value="/omnibind/ground_truth", description="label topic"
        ),
        DeclareLaunchArgument(
            "annotations", default_value="", description="CSV/YAML truth instead of the topic"
        ),
        DeclareLaunchArgument(
            "startup_s",
            default_value="10.0",
            description="s before playing: the node loads its model and warms its encoders",
        ),
        # Also declared by perception.launch.py: the evaluator reads the same files.
        DeclareLaunchArgument(
            "config",
            default_value=PathJoinSubstitution([share, "config", "perception.yaml"]),
            description="parameter file of the perception node",
        ),
        DeclareLaunchArgument(
            "extra_config", default_value="", description="second parameter file (overrides)"
        ),
        DeclareLaunchArgument(
            "dds_profile",
            default_value=PathJoinSubstitution([share, "config", "fastdds_large_messages.xml"]),
            description="Fast DDS profile (large shared-memory segment for images and clouds)",
        ),
    ]


def perception_node() -> GroupAction:
    """perception.launch.py, scoped: its launch-wide parameter files reach its node only, not
    the evaluator started after it."""
    path = PathJoinSubstitution([FindPackageShare(PACKAGE), "launch", "perception.launch.py"])
    passed = {name: LaunchConfiguration(name) for name in NODE_ARGUMENTS}
    include = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(path),
        launch_arguments={**passed, "use_sim_time": "true"}.items(),
    )
    return GroupAction([include], scoped=True)


def evaluator() -> Node:
    setting = LaunchConfiguration
    return Node(
        package=PACKAGE,
        executable="replay_evaluator",
        name="omnibind_replay_evaluator",
        parameters=[
            {
                "use_sim_time": True,
                "bag": setting("bag"),
                "report_dir": setting("report_dir"),
                "config": [setting("config"), setting("extra_config")],
                "truth_topic": setting("truth_topic"),
                "annotations": setting("annotations"),
            }
        ],
        output="screen",
    )


def player_and_shutdown() -> list:
    play = ExecuteProcess(
        cmd=["ros2", "bag", "play", LaunchConfiguration("bag"), "--clock",
             "--rate", LaunchConfiguration("rate")],
        output="screen",
    )  # fmt: skip
    # The bag finished: give the last scenes a moment, then stop everything (the evaluator
    # writes its report as it stops).
    stop = TimerAction(period=2.0, actions=[EmitEvent(event=Shutdown(reason="bag played"))])
    return [
        RegisterEventHandler(OnProcessExit(target_action=play, on_exit=[stop])),
        TimerAction(period=LaunchConfiguration("startup_s"), actions=[play]),
    ]


def generate_launch_description() -> LaunchDescription:
    profile = LaunchConfiguration("dds_profile")
    return LaunchDescription(
        [
            *launch_arguments(),
            *(SetEnvironmentVariable(name, profile) for name in PROFILE_ENV_VARS),
            perception_node(),
            evaluator(),
            *player_and_shutdown(),
        ]
    )
