"""ROS 2 interface of jetson_pose_ros (needs rclpy, sensor_msgs, visualization_msgs and jetson_pose_msgs).

Modules: ``node`` (the ``posenet_node`` executable), ``image_conversion`` (sensor_msgs/Image <-> numpy),
``image_publisher`` and ``pose_echo`` (demo helpers).  Nothing outside this sub-package imports rclpy.
"""

ROS_HINT = ("jetson_pose_ros.ros needs ROS 2 (rclpy, sensor_msgs, visualization_msgs) and the jetson_pose_msgs "
            "package: source your ROS 2 workspace, or here `bash scripts/setup_ros.sh && source scripts/ros_env.sh`")


def require_ros() -> None:
    """Raise ImportError with a hint on how to get ROS 2 when rclpy or jetson_pose_msgs is missing."""
    try:
        import rclpy  # noqa: F401
        import jetson_pose_msgs.msg  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"{exc}; {ROS_HINT}") from None
