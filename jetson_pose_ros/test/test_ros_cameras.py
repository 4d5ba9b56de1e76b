"""Two cameras into one node and one network (ros/cameras.py, real rclpy): camera A (raw Image) at
10 Hz, camera B (CompressedImage) at 1 Hz.  Each camera's poses equal the library's result for its
frames, headers are preserved, and neither camera is starved (counts per camera)."""
from __future__ import annotations

import threading
import time

import cv2
import pytest

import ros_helpers

ros_helpers.require_ros()
ros_helpers.setup_environment()

import rclpy  # noqa: E402
from builtin_interfaces.msg import Time  # noqa: E402
from rclpy.executors import MultiThreadedExecutor  # noqa: E402
from rclpy.qos import QoSProfile, ReliabilityPolicy  # noqa: E402
from sensor_msgs.msg import CompressedImage, Image  # noqa: E402
from std_msgs.msg import Header  # noqa: E402

from jetson_pose_msgs.msg import Pose2DArray  # noqa: E402
from jetson_pose_ros.errors import PoseNetError  # noqa: E402
from jetson_pose_ros.pipeline import Pipeline  # noqa: E402
from jetson_pose_ros.ros import image_conversion as conv  # noqa: E402
from jetson_pose_ros.ros.cameras import CameraSet, parse_input_topics  # noqa: E402
from jetson_pose_ros.ros.messages import msg_to_poses  # noqa: E402


def test_parse_input_topics():
    a, b = parse_input_topics(["/front/image_raw", "/rear/image_raw/compressed"])
    assert (a.compressed, a.namespace, a.output("poses")) == (False, "/front", "/front/poses")
    assert (b.compressed, b.namespace, b.output("overlay")) == (True, "/rear", "/rear/overlay")
    for bad, words in ((["/image"], "no namespace"), (["/a/image", "/a/image/compressed"], "share the namespace"),
                       ([""], "bad topic")):
        with pytest.raises(PoseNetError, match=words):
            parse_input_topics(bad)


def assert_same(msg, frame):
    got, want = msg_to_poses(msg), frame.poses()
    assert len(got) == len(want) > 0
    for g, w in zip(got, want):
        assert [k.id for k in g.keypoints] == [k.id for k in w.keypoints]
        assert [c for k in g.keypoints for c in (k.x, k.y)] == pytest.approx([c for k in w.keypoints for c in (k.x, k.y)],
                                                                     abs=1e-3)


def test_two_cameras_one_node_fair_and_equal_to_library():
    img_a = ros_helpers.load_bgr("humans_0.jpg")
    jpeg_b = cv2.imencode(".jpg", ros_helpers.load_bgr("humans_1.jpg"))[1]
    library = Pipeline()
    want_a, want_b = library.process(img_a.copy()), library.process(cv2.imdecode(jpeg_b, cv2.IMREAD_COLOR))

    ctx = rclpy.Context()                   # own context: other ROS test modules may hold the default one
    rclpy.init(context=ctx)
    qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    node = rclpy.create_node("posenet", context=ctx)
    feeder = rclpy.create_node("feeder", context=ctx)
    cams = CameraSet(node, parse_input_topics(["/cam_a/image_raw", "/cam_b/image_raw/compressed"]), library.net,
                     {}, QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE), qos,
                     settings=lambda: {}, on_error=lambda e: errors.append(e))
    errors, got = [], {"a": [], "b": []}
    pub_a = feeder.create_publisher(Image, "/cam_a/image_raw", qos)
    pub_b = feeder.create_publisher(CompressedImage, "/cam_b/image_raw/compressed", qos)
    feeder.create_subscription(Pose2DArray, "/cam_a/poses", got["a"].append, qos)
    feeder.create_subscription(Pose2DArray, "/cam_b/poses", got["b"].append, qos)
    executor = MultiThreadedExecutor(context=ctx)
    executor.add_node(node)
    executor.add_node(feeder)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    sent = {"a": [], "b": []}
    try:
        deadline = time.monotonic() + 10
        while pub_a.get_subscription_count() == 0 or pub_b.get_subscription_count() == 0 or \
                node.count_publishers("/cam_a/poses") == 0:
            assert time.monotonic() < deadline, "discovery timed out"
            time.sleep(0.05)
        time.sleep(0.5)
        start = time.monotonic()
        for i in range(60):                             # 6 s: A every 0.1 s, B every 1 s
            header = Header(stamp=Time(sec=1000 + i, nanosec=7), frame_id="cam_a_optical")
            pub_a.publish(conv.bgr_to_image(img_a, "bgr8", header=header))
            sent["a"].append(1000 + i)
            if i % 10 == 0:
                msg = CompressedImage(header=Header(stamp=Time(sec=2000 + i, nanosec=9), frame_id="cam_b_optical"),
                                      format="jpeg", data=jpeg_b.tobytes())
                pub_b.publish(msg)
                sent["b"].append(2000 + i)
            time.sleep(max(0.0, start + (i + 1) * 0.1 - time.monotonic()))
        deadline = time.monotonic() + 20
        while len(got["b"]) < len(sent["b"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
    finally:
        stats = [dict(s) for s in cams.worker.stats]
        cams.stop()
        executor.shutdown()
        node.destroy_node()
        feeder.destroy_node()
        ctx.try_shutdown()
    print("per camera:", {"a": len(got["a"]), "b": len(got["b"])}, "sent", {k: len(v) for k, v in sent.items()},
          "worker", stats)
    assert not errors
    # the slow camera is never starved: its frames are all processed (the first may meet a subscription
    # not yet matched both ways), while the fast camera floods the node
    b_stamps = [m.header.stamp.sec for m in got["b"]]
    assert b_stamps == sorted(b_stamps) and set(sent["b"][1:]) <= set(b_stamps) <= set(sent["b"]), stats
    # the fast camera gets the rest (newest frames only), in order
    a_stamps = [m.header.stamp.sec for m in got["a"]]
    assert len(a_stamps) >= 5 and a_stamps == sorted(a_stamps) and set(a_stamps) <= set(sent["a"])
    for m in got["a"]:
        assert (m.header.frame_id, m.header.stamp.nanosec) == ("cam_a_optical", 7)
        assert_same(m, want_a)
    for m in got["b"]:
        assert (m.header.frame_id, m.header.stamp.nanosec) == ("cam_b_optical", 9)
        assert_same(m, want_b)
