"""Launch posenet_node (and optionally rviz2).

    ros2 launch jetson_pose_ros posenet.launch.py input_topic:=/camera/image_raw
    ros2 launch jetson_pose_ros posenet.launch.py network:=movenet-body threshold:=0.2 track:=true
    ros2 launch jetson_pose_ros posenet.launch.py namespace:=front rviz:=true
    ros2 launch jetson_pose_ros posenet.launch.py params_file:=/path/to/my_posenet.yaml
    ros2 launch jetson_pose_ros posenet.launch.py input_topic:=/camera/color/image_raw \
        depth_topic:=/camera/aligned_depth_to_color/image_raw track:=true      # people in 3D
    ros2 launch jetson_pose_ros posenet.launch.py --show-args        # every argument with its help

Parameters come from `params_file` (default: the package's config/posenet.yaml); the arguments
network, threshold, pose_threshold, overlay, input_compressed, qos_reliability, output_reliability,
overlay_reliability, track, smooth, gestures, gesture_debounce, hri, lazy, autostart and the depth ones
(depth_topic, camera_info_topic, depth_window, min_depth, max_depth, sync_slop, target_frame; docs/depth.md)
override it when given (empty = keep the file's value).  `input_topic` is remapped to the node's `image` input; the compressed input is
`<input_topic>/compressed` (image_transport naming), so nothing else needs remapping.  `namespace`
prefixes the node and its topics; rviz2's config follows it.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, LogInfo, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from jetson_pose_ros.ros import launch_support as ls

HELP = {
    "network": "network name (mobilenet-body, movenet-body, yolo11n-body, mediapipe-hand, ...)",
    "threshold": "minimum keypoint confidence",
    "pose_threshold": "minimum pose score",
    "overlay": "overlay flags: box,links,keypoints,ids,gestures or none",
    "input_compressed": "true: subscribe <input_topic>/compressed (sensor_msgs/CompressedImage)",
    "qos_reliability": "input QoS: best_effort (sensor data) or reliable",
    "output_reliability": "QoS of poses, detections and markers: reliable or best_effort",
    "overlay_reliability": "QoS of the overlay image: reliable or best_effort",
    "track": "true: persistent track ids across frames",
    "smooth": "true: One-Euro keypoint smoothing (implies track)",
    "gestures": "true: gesture/posture labels with scores per pose on the gestures topic (implies track for hands)",
    "gesture_debounce": "a tracked pose's gesture label changes after this many consistent frames",
    "hri": "true: REP-155 output (/humans/bodies/...: tracked, roi, cropped, skeleton2d, gesture, posture)",
    "autostart": "true: the lifecycle node configures and activates itself at start",
    "lazy": "true: subscribe to the camera only while a result topic has a subscriber (false: always process)",
    "depth_topic": "aligned depth image topic (e.g. /camera/aligned_depth_to_color/image_raw): poses_3d, "
                   "markers_3d and /tf body_b<id> frames; empty: no 3D",
    "camera_info_topic": "camera_info of the depth image (default: the depth topic's sibling camera_info)",
    "depth_window": "odd side in depth pixels of the median window that lifts a keypoint",
    "min_depth": "nearest valid depth in metres",
    "max_depth": "farthest valid depth in metres",
    "sync_slop": "largest stamp difference in seconds between a colour image and its depth image",
    "target_frame": "TF frame for poses_3d and markers_3d (needs tf2_ros); empty: the depth optical frame",
}


def _launch(context, *args, **kwargs):
    value = {name: LaunchConfiguration(name).perform(context) for name in
             list(ls.PARAMETER_ARGUMENTS) + ["params_file", "namespace", "input_topic", "rviz", "log_level"]}
    overrides = ls.parameter_overrides(value)
    parameters = [value["params_file"]] if value["params_file"] else []
    if overrides:
        parameters.append(overrides)
    namespace = value["namespace"]
    actions = [Node(
        package=ls.PACKAGE,
        executable="posenet_node",
        name=ls.NODE_NAME,
        namespace=namespace,
        output="screen",
        emulate_tty=True,
        parameters=parameters,
        remappings=[("image", value["input_topic"])],
        arguments=["--ros-args", "--log-level", f"{ls.NODE_NAME}:={value['log_level']}"],
    )]
    if ls.cast(value["rviz"], "bool"):
        if ls.rviz2_available():
            template = os.path.join(get_package_share_directory(ls.PACKAGE), "rviz", "posenet.rviz")
            config = ls.write_rviz_config(template, namespace)
            actions.append(Node(package="rviz2", executable="rviz2", name="rviz2", namespace=namespace,
                                arguments=["-d", config], output="screen"))
        else:
            actions.append(LogInfo(msg=ls.RVIZ_MISSING))
    return actions


def generate_launch_description():
    default_params = os.path.join(get_package_share_directory(ls.PACKAGE), "config", "posenet.yaml")
    arguments = [DeclareLaunchArgument(name, default_value="",
                                       description=f"{HELP[name]}; empty = the params_file's value")
                 for name in ls.PARAMETER_ARGUMENTS]
    arguments += [
        DeclareLaunchArgument("input_topic", default_value="image",
                              description="sensor_msgs/Image topic to subscribe "
                                          "(compressed: <input_topic>/compressed)"),
        DeclareLaunchArgument("params_file", default_value=default_params,
                              description="parameters file (ros__parameters of the posenet node)"),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of the node and its topics"),
        DeclareLaunchArgument("rviz", default_value="false",
                              description="true: also start rviz2 showing the overlay and markers of this node"),
        DeclareLaunchArgument("log_level", default_value="info", description="log level of the node"),
    ]
    return LaunchDescription(arguments + [OpaqueFunction(function=_launch)])
