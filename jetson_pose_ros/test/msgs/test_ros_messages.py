"""jetson_pose_msgs definitions and the PoseNet result <-> message conversions (real generated messages)."""
from __future__ import annotations

import json
import math

import pytest

import ros_helpers

ros_helpers.require_ros()

from builtin_interfaces.msg import Time  # noqa: E402
from rclpy.serialization import deserialize_message, serialize_message  # noqa: E402
from std_msgs.msg import Header  # noqa: E402
from visualization_msgs.msg import Marker  # noqa: E402

from jetson_pose_msgs.msg import Keypoint, ObjectPose, Pose2DArray  # noqa: E402
from jetson_pose_ros.core.pose import Keypoint as Kp  # noqa: E402
from jetson_pose_ros.core.pose import ObjectPose as Pose  # noqa: E402
from jetson_pose_ros.msgs.messages import (msg_to_poses, pose_msg_to_dict, poses_to_markers,  # noqa: E402
                                          poses_to_msg)
from jetson_pose_ros.ros.pose_echo import summary  # noqa: E402

NAMES = ["nose", "left_eye", "right_eye", "neck"]
SKELETON = [(0, 1), (0, 3), (2, 3)]


def test_message_fields():
    assert Keypoint.get_fields_and_field_types() == {
        "found": "boolean", "x": "float", "y": "float", "score": "float", "derived": "boolean"}
    assert ObjectPose.get_fields_and_field_types() == {
        "index": "int32", "track_id": "int32", "score": "float", "left": "float", "top": "float", "right": "float",
        "bottom": "float", "keypoints": "sequence<jetson_pose_msgs/Keypoint>", "handedness": "string",
        "handedness_score": "float"}
    assert Pose2DArray.get_fields_and_field_types() == {
        "header": "std_msgs/Header", "network": "string", "image_width": "uint32", "image_height": "uint32",
        "keypoint_names": "sequence<string>", "skeleton": "sequence<uint16>",
        "poses": "sequence<jetson_pose_msgs/ObjectPose>"}
    assert ObjectPose.NO_TRACK == -1


def sample_poses():
    a = Pose.from_keypoints(0, [Kp(0, 10.5, 20.25, 0.9, "nose"), Kp(3, 12.0, 40.0, 0.8, "neck"),
                                Kp(1, 8.0, 18.0, 0.7, "left_eye")], SKELETON, derived_keypoints=["neck"])
    b = Pose.from_keypoints(1, [Kp(2, 100.0, 50.0, 0.5, "right_eye")], SKELETON, handedness="left",
                            handedness_score=0.75)
    b.track_id = 7
    return [a, b]


def test_round_trip_through_the_wire():
    header = Header(stamp=Time(sec=123, nanosec=456), frame_id="cam")
    msg = poses_to_msg(sample_poses(), header, "mobilenet-body", 640, 480, NAMES)
    msg = deserialize_message(serialize_message(msg), Pose2DArray)
    assert (msg.header.stamp.sec, msg.header.stamp.nanosec, msg.header.frame_id) == (123, 456, "cam")
    assert (msg.network, msg.image_width, msg.image_height) == ("mobilenet-body", 640, 480)
    assert list(msg.keypoint_names) == NAMES
    # the skeleton once, as pairs of keypoint ids (the links both of whose ends were found somewhere)
    assert list(msg.skeleton) == [0, 1, 0, 3]
    a, b = msg.poses
    # one keypoint per topology keypoint, indexable by id; not found = found false, NaN, score 0
    assert [len(p.keypoints) for p in msg.poses] == [len(NAMES), len(NAMES)]
    assert [k.found for k in a.keypoints] == [True, True, False, True]
    assert (a.keypoints[3].x, a.keypoints[3].y, a.keypoints[3].score) == pytest.approx((12.0, 40.0, 0.8))
    assert math.isnan(a.keypoints[2].x) and math.isnan(a.keypoints[2].y) and a.keypoints[2].score == 0.0
    assert [k.derived for k in a.keypoints] == [False, False, False, True]
    assert (a.index, a.track_id, b.index, b.track_id) == (0, -1, 1, 7)
    assert (a.handedness, b.handedness, b.handedness_score) == ("", "left", pytest.approx(0.75))
    nose = msg.keypoint_names.index("nose")
    assert a.keypoints[nose].x == pytest.approx(10.5) and not b.keypoints[nose].found

    back = msg_to_poses(msg)
    want = sample_poses()
    assert len(back) == 2
    for got, exp in zip(back, want):
        assert got.id == exp.id and got.track_id == exp.track_id and got.links == exp.links
        assert [(k.id, k.name) for k in got.keypoints] == [(k.id, k.name) for k in exp.keypoints]
        assert [k.x for k in got.keypoints] == pytest.approx([k.x for k in exp.keypoints])
        assert (got.left, got.top, got.right, got.bottom) == pytest.approx((exp.left, exp.top, exp.right, exp.bottom))
        assert got.attributes.get("handedness") == exp.attributes.get("handedness")
        assert got.attributes.get("derived_keypoints") == exp.attributes.get("derived_keypoints")
    d = pose_msg_to_dict(msg)
    assert json.loads(json.dumps(d))["poses"][0]["links"] == [[0, 1], [0, 2]]
    assert summary(msg) == "stamp 123.000000456 frame cam network mobilenet-body 640x480 people 2 keypoints 4"


def test_empty_array():
    msg = poses_to_msg([], Header(frame_id="cam"), "mobilenet-body", 10, 10, NAMES)
    msg = deserialize_message(serialize_message(msg), Pose2DArray)
    assert list(msg.poses) == [] and msg_to_poses(msg) == []


def test_detections_from_a_frame():
    from jetson_pose_ros.msgs import detections as det

    ok, why = det.available()
    if not ok:
        pytest.skip(f"vision_msgs not installed ({why})")
    from vision_msgs.msg import Detection2DArray

    header = Header(stamp=Time(sec=9, nanosec=1), frame_id="cam")
    out = det.to_detections(header, [[10.0, 20.0, 30.0, 60.0], [0.0, 0.0, 4.0, 2.0]], [0.9, 0.4], [5, -1], "person")
    out = deserialize_message(serialize_message(out), Detection2DArray)
    assert out.header.frame_id == "cam" and (out.header.stamp.sec, out.header.stamp.nanosec) == (9, 1)
    first, second = out.detections
    assert first.header.frame_id == "cam" and (first.id, second.id) == ("5", "")
    assert (first.bbox.center.position.x, first.bbox.center.position.y, first.bbox.size_x, first.bbox.size_y) \
        == pytest.approx((20.0, 40.0, 20.0, 40.0))
    assert [(r.hypothesis.class_id, r.hypothesis.score) for r in first.results] == [("person", pytest.approx(0.9))]
    assert det.object_class("mediapipe-hand") == "hand" and det.object_class("movenet-body") == "person"


def test_markers():
    header = Header(stamp=Time(sec=5), frame_id="cam")
    colors = [(255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 128), (10, 20, 30, 255)]
    arr = poses_to_markers(sample_poses(), header, colors, scale=0.01)
    kinds = [(m.action, m.type, m.ns, m.id) for m in arr.markers]
    assert kinds[0][0] == Marker.DELETEALL
    assert kinds[1:] == [(Marker.ADD, Marker.LINE_LIST, "links", 0), (Marker.ADD, Marker.SPHERE_LIST, "keypoints", 0),
                         (Marker.ADD, Marker.SPHERE_LIST, "keypoints", 1)]  # a pose without links has no LINE_LIST
    lines, spheres = arr.markers[1], arr.markers[2]
    assert len(lines.points) == 4 and len(lines.colors) == 4
    assert (spheres.points[0].x, spheres.points[0].y) == pytest.approx((0.105, 0.2025))
    for kp, color in zip(sample_poses()[0].keypoints, spheres.colors):  # coloured by topology id
        r, g, b, a = colors[kp.id]
        assert (color.r, color.g, color.b, color.a) == pytest.approx((r / 255, g / 255, b / 255, a / 255))
    assert lines.colors[1].g == 1.0  # link (nose, left_eye) has the colour of its second end, left_eye
    assert all(m.header.frame_id == "cam" for m in arr.markers)
