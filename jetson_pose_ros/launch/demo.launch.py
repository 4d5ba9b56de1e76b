"""Demo without a camera: image_publisher on the sample photos -> posenet_node -> pose_echo.

    ros2 launch jetson_pose_ros demo.launch.py                     # jetson-inference sample photos, 2 Hz, looped
    ros2 launch jetson_pose_ros demo.launch.py images:=/path/to/photos rate:=5 network:=movenet-body rviz:=true

Every argument of posenet.launch.py (network, threshold, namespace, rviz, ...) is accepted and passed
on.  `images` defaults to $JETSON_POSE_SHARED/data/jetson_inference/images, or shared/data/... beside
the source checkout.  pose_echo prints one line per Pose2DArray.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, OpaqueFunction, Shutdown, LogInfo
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from jetson_pose_ros.ros import launch_support as ls


def _sources(context, *args, **kwargs):
    images = LaunchConfiguration("images").perform(context)
    namespace = LaunchConfiguration("namespace").perform(context)
    if not images or not os.path.exists(images):
        return [LogInfo(msg=f"demo: sample photos not found ({images or 'no default'}); pass images:=DIR"),
                Shutdown(reason="no images for the demo")]
    return [
        Node(package=ls.PACKAGE, executable="image_publisher", name="image_publisher", namespace=namespace,
             arguments=[images, "--rate", LaunchConfiguration("rate").perform(context), "--loop", "--quiet"],
             output="screen"),
        Node(package=ls.PACKAGE, executable="pose_echo", name="pose_echo", namespace=namespace, output="screen"),
    ]


def generate_launch_description():
    posenet = os.path.join(get_package_share_directory(ls.PACKAGE), "launch", "posenet.launch.py")
    return LaunchDescription([
        DeclareLaunchArgument("images", default_value=ls.sample_images(),
                              description="image file, directory or glob published on `image`"),
        DeclareLaunchArgument("rate", default_value="2", description="frames per second of image_publisher"),
        DeclareLaunchArgument("namespace", default_value="", description="namespace of all the demo's nodes"),
        IncludeLaunchDescription(PythonLaunchDescriptionSource(posenet)),
        OpaqueFunction(function=_sources),
    ])
