"""Live replay evaluation: `ros2 bag play --clock` into the perception node (on sim time) and the
replay evaluator, which scores ~/scene against the bag's truth topic and writes the report
when the bag has finished.

    ros2 launch omnibind_ros replay_eval.launch.py bag:=/data/run1 report_dir:=/tmp/run1_live
    ros2 launch omnibind_ros replay_eval.launch.py bag:=/data/run1 rate:=0.5 \
        config:=/path/robot.yaml annotations:=/data/run1_labels.csv model_bundle:=/path/m.omnibind

The same report as `omnibind eval` (offline), so the two can be compared. For bags of
`omnibind sim record`, add extra_config:=<share>/config/demo.yaml (the simulated robot).
The perception node's parameter files apply inside a scoped group, so the evaluator gets only
its own parameters; both nodes are plain Nodes (`ros2 launch --print` shows them).
"""

from launch import LaunchDescription
from launch.actions import (
    DeclareLaunchArgument,
    EmitEvent,
    ExecuteProcess,
    GroupAction,
    RegisterEventHandler,
    SetEnvironmentVariable,
    TimerAction,
)
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node, SetParameter, SetParametersFromFile
from launch_ros.substitutions import FindPackageShare

from omnibind_ros.ros.launch_support import (
    BACKENDS,
    DEVICES,
    choice_argument,
    given,
    log_level_argument,
    log_level_arguments,
)

PACKAGE = "omnibind_ros"
NODE_NAME = "omnibind"
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
        DeclareLaunchArgument("namespace", default_value="", description="namespace of both nodes"),
        DeclareLaunchArgument(
            "truth_topic", default_value="/omnibind/ground_truth", description="label topic"
        ),
        DeclareLaunchArgument(
            "annotations", default_value="", description="CSV/YAML truth instead of the topic"
        ),
        DeclareLaunchArgument("model_bundle", default_value="", description="empty = config"),
        choice_argument("backend", "", BACKENDS, "inference backend; empty = from config"),
        choice_argument("device", "", DEVICES, "cpu, cuda or cuda:N; empty = from config"),
        log_level_argument("log level of the perception node's logger"),
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


def perception_group() -> GroupAction:
    """The perception node with its parameter files and overrides, scoped to it (last wins)."""
    overrides = [
        SetParameter(parameter, LaunchConfiguration(argument), condition=given(argument))
        for argument, parameter in OVERRIDES.items()
    ]
    node = Node(
        package=PACKAGE,
        executable="perception_node",
        name=NODE_NAME,
        namespace=LaunchConfiguration("namespace"),
        parameters=[{"use_sim_time": True}],
        ros_arguments=log_level_arguments(NODE_NAME),
        output="screen",
        emulate_tty=True,
    )
    files = [
        SetParametersFromFile(LaunchConfiguration("config")),
        SetParametersFromFile(LaunchConfiguration("extra_config"), condition=given("extra_config")),
    ]
    return GroupAction([*files, *overrides, node], scoped=True)


def evaluator_node() -> Node:
    return Node(
        package=PACKAGE,
        executable="replay_evaluator",
        name="omnibind_replay_evaluator",
        namespace=LaunchConfiguration("namespace"),
        parameters=[
            {
                "use_sim_time": True,
                "bag": LaunchConfiguration("bag"),
                "report_dir": LaunchConfiguration("report_dir"),
                # An empty extra_config is skipped by the evaluator.
                "config": [LaunchConfiguration("config"), LaunchConfiguration("extra_config")],
                "truth_topic": LaunchConfiguration("truth_topic"),
                "annotations": LaunchConfiguration("annotations"),
            }
        ],
        output="screen",
    )


def generate_launch_description() -> LaunchDescription:
    profile = LaunchConfiguration("dds_profile")
    play = ExecuteProcess(
        cmd=[
            "ros2", "bag", "play", LaunchConfiguration("bag"), "--clock",
            "--rate", LaunchConfiguration("rate"),
        ],
        output="screen",
    )  # fmt: skip
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
    return LaunchDescription(
        [
            *launch_arguments(),
            *(SetEnvironmentVariable(name, profile) for name in PROFILE_ENV_VARS),
            perception_group(),
            evaluator_node(),
            finish,
            TimerAction(period=LaunchConfiguration("startup_s"), actions=[play]),
        ]
    )
