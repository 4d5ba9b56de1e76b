"""The node when nobody listens, and how fast it starts (issue 24), with a camera-like publisher.

1. CPU of ``posenet_node`` over ``seconds`` while a publisher sends humans_1.jpg at 10 Hz and
   nothing subscribes to a result topic, for ``lazy:=true`` and ``lazy:=false`` (/proc/PID/stat);
2. lazy: a ``poses`` subscriber appears -> seconds to the first message; it leaves -> seconds
   until the node's input subscription is gone (read from the graph);
3. ``ros2 launch jetson_pose_ros posenet.launch.py`` -> first ``poses`` message, with the
   publisher running and a subscriber waiting: the first run with empty OpenVINO and
   backend-choice caches (cold), then ``starts`` runs with warm caches (median), and the node's
   own breakdown (its "start:" log line).
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from suite import data, ros_node

TITLE = "posenet_node idle CPU with nobody subscribed (lazy on/off), and launch -> first /poses"
TARGET = "lazy: ~0 % CPU with no subscriber (issue 24)"
NEEDS = ("shared_data", "ros")
PARAMS = {"seconds": 30.0, "starts": 5, "skip_idle": False}
QUICK = {"seconds": 8.0, "starts": 1}


def _camera_class():
    # optional: ROS 2 and OpenCV, only in run() (--list imports every case)
    import cv2
    import rclpy
    from rclpy.node import Node
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image

    from jetson_pose_msgs.msg import Pose2DArray

    qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)

    class Camera:
        def __init__(self, ns: str):
            self.node = Node("bench_camera_" + ns.strip("/"))
            self.pub = self.node.create_publisher(Image, f"{ns}/image", qos)
            bgr = cv2.imread(str(data.photos() / "humans_1.jpg"))
            self.msg = Image(height=bgr.shape[0], width=bgr.shape[1], encoding="bgr8", step=bgr.shape[1] * 3,
                             data=bgr.tobytes())
            self.timer = self.node.create_timer(0.1, lambda: self.pub.publish(self.msg))
            self.poses: list = []
            self.sub = None
            self.ns = ns

        def listen(self):
            self.sub = self.node.create_subscription(Pose2DArray, f"{self.ns}/poses", self.poses.append, qos)

        def leave(self):
            self.node.destroy_subscription(self.sub)
            self.sub = None

        def spin_until(self, predicate, timeout: float) -> float | None:
            t0 = time.monotonic()
            while time.monotonic() - t0 < timeout:
                if predicate():
                    return time.monotonic() - t0
                rclpy.spin_once(self.node, timeout_sec=0.01)
            return None

    return Camera


def _wait_log(log: Path, pattern: str, timeout: float, cam) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, log.read_text(errors="replace")):
            return
        cam.spin_until(lambda: False, 0.05)
    raise RuntimeError(f"{pattern!r} not in {log}:\n{log.read_text(errors='replace')[-2000:]}")


def idle_cpu(Camera, seconds: float, tmp: Path) -> dict:
    out = {}
    for lazy in (True, False):
        ns = f"/idle_{'lazy' if lazy else 'eager'}"
        cam = Camera(ns)
        log = tmp / f"node{ns.replace('/', '_')}.log"
        proc = subprocess.Popen(["posenet_node", "--ros-args", "-r", f"__ns:={ns}", "-p",
                                 f"lazy:={'true' if lazy else 'false'}"], stdout=open(log, "wb"),
                                stderr=subprocess.STDOUT)
        try:
            _wait_log(log, r"ready", 120, cam)
            cam.spin_until(lambda: False, 3.0)            # settle (discovery, warm-up done)
            c0, t0 = ros_node.cpu_seconds(proc.pid), time.monotonic()
            cam.spin_until(lambda: False, seconds)
            row = {"cpu_share_of_a_core": (ros_node.cpu_seconds(proc.pid) - c0) / (time.monotonic() - t0)}
            if lazy:
                cam.listen()
                row["subscriber_to_first_poses_s"] = cam.spin_until(lambda: cam.poses, 30.0)
                cam.spin_until(lambda: False, 2.0)
                cam.leave()
                row["leave_to_input_unsubscribed_s"] = cam.spin_until(
                    lambda: cam.pub.get_subscription_count() == 0, 30.0)
            out["lazy" if lazy else "not_lazy"] = row
        finally:
            proc.terminate()
            proc.wait(20)
            cam.node.destroy_node()
    return out


def launch_to_first_poses(Camera, starts: int, tmp: Path) -> dict:
    ns = "/start"
    cam = Camera(ns)
    cam.listen()
    runs = []
    for i in range(starts + 1):
        env = dict(os.environ)
        if i == 0:                      # cold: empty compiled-model and backend-choice caches
            env["JETSON_POSE_OV_CACHE"] = str(tmp / "cold_cache" / "openvino")
            env["JETSON_POSE_CACHE"] = str(tmp / "cold_cache")
        log = tmp / f"launch_{i}.log"
        cam.poses.clear()
        proc = subprocess.Popen(["ros2", "launch", "jetson_pose_ros", "posenet.launch.py", "namespace:=start",
                                 f"input_topic:={ns}/image"], stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        took = cam.spin_until(lambda: cam.poses, 120.0)
        time.sleep(0.5)
        breakdown = re.search(r"start: (.*)", log.read_text(errors="replace"))
        os.killpg(proc.pid, 2)
        proc.wait(30)
        cam.spin_until(lambda: cam.node.count_publishers(f"{ns}/poses") == 0, 10.0)
        runs.append({"first_poses_s": took, "node_breakdown": breakdown.group(1) if breakdown else None,
                     "cold": i == 0})
        cam.spin_until(lambda: False, 1.0)
    warm = [r["first_poses_s"] for r in runs[1:] if r["first_poses_s"]]
    cam.node.destroy_node()
    return {"cold": runs[0], "warm_runs": runs[1:], "warm_median_s": statistics.median(warm) if warm else None}


def run(p: dict) -> dict:
    import rclpy  # optional: ROS 2, only in run()

    ros_node.setup_environment()
    Camera = _camera_class()
    rclpy.init()
    out = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if not p["skip_idle"]:
                out["idle"] = idle_cpu(Camera, p["seconds"], Path(tmp))
            out["start"] = launch_to_first_poses(Camera, p["starts"], Path(tmp))
    finally:
        rclpy.try_shutdown()
    if "idle" in out:
        out["met"] = out["idle"]["lazy"]["cpu_share_of_a_core"] < 0.02
    return out


def plot(result: dict, fig) -> None:
    left, right = fig.subplots(1, 2)
    idle = result.get("idle")
    if idle:
        left.bar([0, 1], [100 * idle["lazy"]["cpu_share_of_a_core"], 100 * idle["not_lazy"]["cpu_share_of_a_core"]],
                 color=["C2", "C1"])
        left.set_xticks([0, 1], ["lazy:=true", "lazy:=false"])
        left.set_ylabel("% of a core, nobody subscribed")
        left.set_title(f"subscriber -> first /poses {idle['lazy']['subscriber_to_first_poses_s'] or float('nan'):.2f} s",
                       fontsize=9)
    start = result["start"]
    vals = [start["cold"]["first_poses_s"] or 0.0] + [r["first_poses_s"] or 0.0 for r in start["warm_runs"]]
    right.bar(range(len(vals)), vals, color=["C0"] + ["C9"] * (len(vals) - 1))
    right.set_xticks(range(len(vals)), ["cold"] + [f"warm {i + 1}" for i in range(len(vals) - 1)])
    right.set_ylabel("ros2 launch -> first /poses, s")
