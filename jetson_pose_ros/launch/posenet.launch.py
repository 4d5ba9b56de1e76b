"""Launch posenet_node.

    ros2 launch jetson_pose_ros posenet.launch.py input_topic:=/camera/image_raw
    ros2 launch jetson_pose_ros posenet.launch.py network:=resnet18-hand threshold:=0.2 overlay:=links,keypoints,box
    ros2 launch jetson_pose_ros posenet.launch.py config:=/path/to/my_posenet.yaml namespace:=front

Parameters come from `config` (default: the package's config/posenet.yaml); the `network`, `threshold`
and `overlay` arguments override it when they are given (empty = keep the config file's value).
`input_topic` is remapped to the node's `image` input (and `<input_topic>/compressed` to
`image/compressed`, used with input_compressed: true).  `namespace` prefixes the node and its topics.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

PACKAGE = "jetson_pose_ros"

# launch argument -> (node parameter, type); checked against the node's parameters by the tests
PARAMETER_ARGUMENTS = {
    "network": ("network", "str"),
    "threshold": ("threshold", "float"),
    "overlay": ("overlay", "str"),
}

_CASTS = {"str": str, "float": float, "int": int, "bool": lambda v: v.lower() in ("1", "true", "yes", "on")}


def _launch_node(context, *args, **kwargs):
    config = LaunchConfiguration("config").perform(context)
    namespace = LaunchConfiguration("namespace").perform(context)
    input_topic = LaunchConfiguration("input_topic").perform(context)
    overrides = {}
    for argument, (parameter, kind) in PARAMETER_ARGUMENTS.items():
        value = LaunchConfiguration(argument).perform(context)
        if value != "":
            overrides[parameter] = _CASTS[kind](value)
    parameters = [config] if config else []
    if overrides:
        parameters.append(overrides)
    return [Node(
        package=PACKAGE,
        executable="posenet_node",
        name="posenet",
        namespace=namespace,
        output="screen",
        emulate_tty=True,
        parameters=parameters,
        remappings=[("image", input_topic), ("image/compressed", input_topic.rstrip("/") + "/compressed")],
    )]


def generate_launch_description():
    default_config = os.path.join(get_package_share_directory(PACKAGE), "config", "posenet.yaml")
    return LaunchDescription([
        DeclareLaunchArgument("network", default_value="",
                              description="network name (mobilenet-body, resnet18-body, resnet18-hand, ...); "
                                          "empty = the config file's"),
        DeclareLaunchArgument("threshold", default_value="",
                              description="minimum keypoint/pose confidence; empty = the config file's"),
        DeclareLaunchArgument("overlay", default_value="",
                              description="overlay flags (box,links,keypoints or none); empty = the config file's"),
        DeclareLaunchArgument("input_topic", default_value="image",
                              description="sensor_msgs/Image topic to subscribe"),
        DeclareLaunchArgument("config", default_value=default_config,
                              description="parameters file (ros__parameters of the posenet node)"),
        DeclareLaunchArgument("namespace", default_value="",
                              description="namespace of the node and its topics"),
        OpaqueFunction(function=_launch_node),
    ])
