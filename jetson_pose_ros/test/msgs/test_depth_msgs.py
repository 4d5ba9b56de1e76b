"""The 3D messages (Keypoint3D, Pose3D, Pose3DArray): fields, NaN through serialisation (rclpy's
generated classes), and registration in the recordings' typestore (rosbags)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import ros_helpers

ros_helpers.require_ros()

from geometry_msgs.msg import Point  # noqa: E402
from rclpy.serialization import deserialize_message, serialize_message  # noqa: E402

try:
    from jetson_pose_msgs.msg import Keypoint3D, Pose3D, Pose3DArray
except ImportError as exc:                       # a workspace built before these messages existed
    pytest.fail(f"{exc}: rebuild the messages (bash scripts/setup_ros.sh)", pytrace=False)


def test_message_fields():
    assert Keypoint3D.get_fields_and_field_types() == {
        "found": "boolean", "x": "float", "y": "float", "z": "float", "score": "float"}
    assert Pose3D.get_fields_and_field_types() == {
        "index": "int32", "track_id": "int32", "position": "geometry_msgs/Point",
        "keypoints": "sequence<jetson_pose_msgs/Keypoint3D>"}
    assert Pose3DArray.get_fields_and_field_types() == {
        "header": "std_msgs/Header", "keypoint_names": "sequence<string>", "skeleton": "sequence<uint16>",
        "poses": "sequence<jetson_pose_msgs/Pose3D>"}
    assert Pose3D.NO_TRACK == -1


def test_nan_survives_serialisation():
    nan = math.nan
    msg = Pose3DArray(keypoint_names=["nose", "neck"], skeleton=[0, 1])
    msg.header.frame_id = "camera_color_optical_frame"
    msg.header.stamp.sec, msg.header.stamp.nanosec = 1_700_000_000, 33_000_000
    msg.poses = [Pose3D(index=0, track_id=12, position=Point(x=0.1, y=-0.2, z=2.0),
                        keypoints=[Keypoint3D(found=True, x=0.1, y=-0.3, z=2.0, score=0.9),
                                   Keypoint3D(found=False, x=nan, y=nan, z=nan, score=0.0)]),
                 Pose3D(index=1, track_id=Pose3D.NO_TRACK, position=Point(x=nan, y=nan, z=nan))]
    back = deserialize_message(serialize_message(msg), Pose3DArray)
    assert back.header == msg.header and list(back.skeleton) == [0, 1]
    a, b = back.poses
    assert (a.index, a.track_id, b.track_id) == (0, 12, -1)
    assert a.keypoints[0].z == pytest.approx(2.0) and not a.keypoints[1].found
    assert all(math.isnan(v) for v in (a.keypoints[1].x, a.keypoints[1].z, b.position.x, b.position.z))


def test_recordings_typestore_has_them():
    pytest.importorskip("rosbags")
    from jetson_pose_ros.io import rosbag
    ts = rosbag.typestore(("jetson_pose_msgs",))
    assert {"jetson_pose_msgs/msg/Keypoint3D", "jetson_pose_msgs/msg/Pose3D",
            "jetson_pose_msgs/msg/Pose3DArray"} <= set(ts.types)
    Arr, P, K = (ts.types[f"jetson_pose_msgs/msg/{n}"] for n in ("Pose3DArray", "Pose3D", "Keypoint3D"))
    Header, Time, Pt = (ts.types[n] for n in ("std_msgs/msg/Header", "builtin_interfaces/msg/Time",
                                              "geometry_msgs/msg/Point"))
    msg = Arr(header=Header(stamp=Time(sec=5, nanosec=7), frame_id="depth_optical"), keypoint_names=["a"],
              skeleton=np.array([], np.uint16),
              poses=[P(index=0, track_id=3, position=Pt(x=1.0, y=2.0, z=3.0),
                       keypoints=[K(found=True, x=1.0, y=2.0, z=3.0, score=0.5)])])
    raw = ts.serialize_cdr(msg, "jetson_pose_msgs/msg/Pose3DArray")
    back = deserialize_message(bytes(raw), Pose3DArray)                 # read by rclpy's generated class
    assert back.header.frame_id == "depth_optical" and back.poses[0].keypoints[0].z == 3.0
