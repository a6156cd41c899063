"""Live replay evaluation: `ros2 bag play --clock` into the perception node (on sim time) and the
replay evaluator, which scores ~/scene against the bag's truth topic and writes the report
when the bag has finished.

    ros2 launch omnibind_ros replay_eval.launch.py bag:=/data/run1 report_dir:=/tmp/run1_live
    ros2 launch omnibind_ros replay_eval.launch.py bag:=/data/run1 rate:=0.5 \
        config:=/path/robot.yaml annotations:=/data/run1_labels.csv model_bundle:=/path/m.omnibind

The same report as `omnibind eval` (offline), so the two can be compared. For bags of
`omnibind sim record`, add extra_config:=<share>/config/demo.yaml (the simulated robot).
"""

from launch import LaunchContext, LaunchDescription
from launch.actions import (
    DeclareLaunchArgument,
    EmitEvent,
    ExecuteProcess,
    OpaqueFunction,
    RegisterEventHandler,
    SetEnvironmentVariable,
    TimerAction,
)
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

PACKAGE = "omnibind_ros"
# launch argument -> perception node parameter it overrides when not empty
OVERRIDES = {"model_bundle": "model.bundle", "backend": "backend", "device": "device"}
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
            "config",
            default_value=PathJoinSubstitution([share, "config", "perception.yaml"]),
            description="parameter file of the perception node",
        ),
        DeclareLaunchArgument(
            "extra_config", default_value="", description="second parameter file (overrides)"
        ),
        DeclareLaunchArgument(
            "truth_topic", default_value="/omnibind/ground_truth", description="label topic"
        ),
        DeclareLaunchArgument(
            "annotations", default_value="", description="CSV/YAML truth instead of the topic"
        ),
        DeclareLaunchArgument("model_bundle", default_value="", description="empty = config"),
        DeclareLaunchArgument("backend", default_value="", description="empty = config"),
        DeclareLaunchArgument("device", default_value="", description="empty = config"),
        DeclareLaunchArgument(
            "startup_s",
            default_value="10.0",
            description="s before playing: the node loads its model and warms its encoders",
        ),
        DeclareLaunchArgument(
            "dds_profile",
            default_value=PathJoinSubstitution([share, "config", "fastdds_large_messages.xml"]),
            description="Fast DDS profile (large shared-memory segment for images and clouds)",
        ),
    ]


def nodes_and_player(context: LaunchContext) -> list:
    value = {name: LaunchConfiguration(name).perform(context) for name in (
        "bag", "report_dir", "rate", "config", "extra_config", "truth_topic", "annotations",
        "startup_s", *OVERRIDES)}  # fmt: skip
    files = [f for f in (value["config"], value["extra_config"]) if f]
    overrides = {param: value[arg] for arg, param in OVERRIDES.items() if value[arg]}
    perception = Node(
        package=PACKAGE,
        executable="perception_node",
        name="omnibind",
        parameters=[*files, {"use_sim_time": True, **overrides}],
        output="screen",
    )
    evaluator = Node(
        package=PACKAGE,
        executable="replay_evaluator",
        name="omnibind_replay_evaluator",
        parameters=[
            {
                "use_sim_time": True,
                "bag": value["bag"],
                "report_dir": value["report_dir"],
                "config": files,
                "truth_topic": value["truth_topic"],
                "annotations": value["annotations"],
            }
        ],
        output="screen",
    )
    play = ExecuteProcess(
        cmd=["ros2", "bag", "play", value["bag"], "--clock", "--rate", value["rate"]],
        output="screen",
    )
    # The bag finished: give the last scenes a moment, then stop everything (the evaluator
    # writes its report as it stops).
    finish = RegisterEventHandler(
        OnProcessExit(
            target_action=play,
            on_exit=[
                TimerAction(period=2.0, actions=[EmitEvent(event=Shutdown(reason="bag done"))])
            ],
        )
    )
    return [
        perception,
        evaluator,
        finish,
        TimerAction(period=float(value["startup_s"]), actions=[play]),
    ]


def generate_launch_description() -> LaunchDescription:
    profile = LaunchConfiguration("dds_profile")
    return LaunchDescription(
        [
            *launch_arguments(),
            *(SetEnvironmentVariable(name, profile) for name in PROFILE_ENV_VARS),
            OpaqueFunction(function=nodes_and_player),
        ]
    )
