"""A robot's first subscriber: keypoints indexed by topology id find the same joints as the library,
and the README's ROS pointing example (examples/ros_pointing.py) runs against a real node."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import numpy as np
import pytest

import ros_helpers
from ros_helpers import Client, NodeProcess

ros_helpers.require_ros()

import rclpy  # noqa: E402

EXAMPLE = ros_helpers.REPO / "examples" / "ros_pointing.py"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    ros_helpers.setup_environment()
    rclpy.init()
    proc = NodeProcess(tmp_path_factory.mktemp("pointing") / "posenet_node.log", namespace="/pointing")
    try:
        proc.wait_ready()
        client = Client(proc, name="pointing_test_client")
        client.wait_connected()
        yield proc, client
        client.destroy()
    finally:
        proc.stop()
        rclpy.try_shutdown()


@pytest.fixture(scope="module")
def library():
    from jetson_pose_ros import PoseNet

    return PoseNet("mobilenet-body", threshold=0.15)


@pytest.mark.parametrize("name", ["humans_0.jpg", "humans_1.jpg", "humans_4.jpg"])
def test_left_wrist_by_index_is_the_librarys_left_wrist(node, library, name):
    """`pose.keypoints[msg.keypoint_names.index("left_wrist")]` is the left wrist of every person
    whose left wrist the library finds, and not found for the others."""
    _, client = node
    bgr = ros_helpers.load_bgr(name)
    msg = client.send(client.image_msg(bgr, "bgr8"))
    wrist = list(msg.keypoint_names).index("left_wrist")
    poses = library.process(bgr.copy(), overlay="none")
    assert len(msg.poses) == len(poses) and poses
    found = 0
    for got, want in zip(msg.poses, poses):
        assert len(got.keypoints) == len(msg.keypoint_names)
        i = want.find_keypoint("left_wrist")
        kp = got.keypoints[wrist]
        if i < 0:
            assert not kp.found and np.isnan(kp.x) and np.isnan(kp.y) and kp.score == 0.0
        else:
            found += 1
            assert kp.found
            assert (kp.x, kp.y, kp.score) == pytest.approx(
                (want.keypoints[i].x, want.keypoints[i].y, want.keypoints[i].score), rel=1e-4, abs=1e-3)
    assert found >= 1, f"{name}: the library finds no left wrist"


def test_readme_pointing_subscriber_on_humans_4(node, library):
    proc, client = node
    page = (ros_helpers.REPO / "docs" / "ros2.md").read_text()
    assert EXAMPLE.read_text().strip() in page, "docs/ros2.md's pointing example differs from examples/ros_pointing.py"
    bgr = ros_helpers.load_bgr("humans_4.jpg")
    want = []
    for pose in library.process(bgr.copy(), overlay="none"):
        w, s = pose.find_keypoint("left_wrist"), pose.find_keypoint("left_shoulder")
        if w >= 0 and s >= 0:
            ws, ss = pose.keypoints[w], pose.keypoints[s]
            want.append((pose.id, ss.x - ws.x, ss.y - ws.y))
    assert want, "the library finds no pointing person on humans_4.jpg"

    example = subprocess.Popen([sys.executable, str(EXAMPLE), "--ros-args", "-r", f"__ns:={proc.namespace}"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        pattern = re.compile(r"person (\d+) is pointing towards \((\S+), (\S+)\)")
        lines: list[str] = []
        end = time.monotonic() + 60
        msg = client.image_msg(bgr, "bgr8")
        import os
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(example.stdout, selectors.EVENT_READ)
        os.set_blocking(example.stdout.fileno(), False)
        buf = ""
        while time.monotonic() < end and len([ln for ln in lines if pattern.search(ln)]) < len(want):
            client.publish(msg)
            client.spin(0.3)
            for _ in sel.select(timeout=0.2):
                buf += example.stdout.read() or ""
            *done, buf = buf.split("\n")
            lines += done
            if example.poll() is not None:
                break
        got = [(int(m.group(1)), float(m.group(2)), float(m.group(3)))
               for m in map(pattern.search, lines) if m][:len(want)]
    finally:
        example.terminate()
        try:
            example.wait(30)            # rclpy's shutdown takes seconds on a loaded machine
        except subprocess.TimeoutExpired:
            example.kill()
            example.wait(10)
    assert len(got) == len(want), f"example printed {lines[-10:]}, want {want}"
    for (gi, gx, gy), (wi, wx, wy) in zip(got, want):
        assert gi == wi and (gx, gy) == pytest.approx((wx, wy), rel=1e-4, abs=1e-2)
