"""The node when nobody listens, and how fast it starts (issue 24), with a real camera-like publisher.

    source scripts/ros_env.sh
    python benchmarks/node_idle.py --seconds 30 --starts 5 [--json out.json]

1. CPU of ``posenet_node`` over ``--seconds`` while a test publisher sends humans_1.jpg at 10 Hz and
   nothing subscribes to a result topic, for ``lazy:=true`` and ``lazy:=false`` (from /proc/PID/stat);
2. lazy: a ``poses`` subscriber appears -> seconds to the first message; it leaves -> seconds until
   the node's input subscription is gone (read from the graph);
3. ``ros2 launch jetson_pose_ros posenet.launch.py`` -> first ``poses`` message, with the publisher
   already running and a subscriber waiting: the first run with empty OpenVINO and backend-choice
   caches (cold), then ``--starts`` runs with warm caches (median), and the node's own breakdown
   (its "start:" log line).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import rclpy
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

from jetson_pose_msgs.msg import Pose2DArray
from jetson_pose_ros.runtime.tuning import cpu_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT.parent / "shared" / "data" / "jetson_inference" / "images" / "humans_1.jpg"
QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)




def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Camera:
    def __init__(self, ns: str):
        self.node = Node("bench_camera_" + ns.strip("/"))
        self.pub = self.node.create_publisher(Image, f"{ns}/image", QOS)
        bgr = cv2.imread(str(PHOTO))
        self.msg = Image(height=bgr.shape[0], width=bgr.shape[1], encoding="bgr8", step=bgr.shape[1] * 3,
                         data=bgr.tobytes())
        self.timer = self.node.create_timer(0.1, lambda: self.pub.publish(self.msg))
        self.poses: list = []
        self.sub = None
        self.ns = ns

    def listen(self):
        self.sub = self.node.create_subscription(Pose2DArray, f"{self.ns}/poses", self.poses.append, QOS)

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


def node_process(ns: str, lazy: bool, log: Path) -> subprocess.Popen:
    cmd = ["posenet_node", "--ros-args", "-r", f"__ns:={ns}", "-p", f"lazy:={'true' if lazy else 'false'}"]
    return subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT)


def wait_log(log: Path, pattern: str, timeout: float, cam: Camera) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(pattern, log.read_text(errors="replace"))
        if m:
            return m
        rclpy.spin_once(cam.node, timeout_sec=0.05)
    raise RuntimeError(f"{pattern!r} not in {log}:\n{log.read_text(errors='replace')[-2000:]}")


def idle_cpu(seconds: float, tmp: Path) -> dict:
    out = {}
    for lazy in (True, False):
        ns = f"/idle_{'lazy' if lazy else 'eager'}"
        cam = Camera(ns)
        log = tmp / f"node{ns.replace('/', '_')}.log"
        proc = node_process(ns, lazy, log)
        try:
            wait_log(log, r"ready", 120, cam)
            cam.spin_until(lambda: False, 3.0)            # settle (discovery, warm-up done)
            c0, t0 = cpu_seconds(proc.pid), time.monotonic()
            cam.spin_until(lambda: False, seconds)
            share = (cpu_seconds(proc.pid) - c0) / (time.monotonic() - t0)
            row = {"cpu_share_of_a_core": round(share, 4)}
            if lazy:
                cam.listen()
                row["subscriber_to_first_poses_s"] = cam.spin_until(lambda: cam.poses, 30.0)
                cam.spin_until(lambda: False, 2.0)
                cam.leave()
                row["leave_to_input_unsubscribed_s"] = cam.spin_until(
                    lambda: cam.pub.get_subscription_count() == 0, 30.0)
            out["lazy" if lazy else "not_lazy"] = row
            print(f"lazy={lazy}: {row}", flush=True)
        finally:
            proc.terminate()
            proc.wait(20)
            cam.node.destroy_node()
    return out


def launch_to_first_poses(starts: int, tmp: Path) -> dict:
    ns = "/start"
    cam = Camera(ns)
    cam.listen()
    runs = []
    cold_cache = tmp / "cold_cache"
    for i in range(starts + 1):
        env = dict(os.environ)
        if i == 0:                      # cold: empty compiled-model and backend-choice caches
            env["JETSON_POSE_OV_CACHE"] = str(cold_cache / "openvino")
            env["JETSON_POSE_CACHE"] = str(cold_cache)
        log = tmp / f"launch_{i}.log"
        cam.poses.clear()
        t0 = time.monotonic()
        proc = subprocess.Popen(["ros2", "launch", "jetson_pose_ros", "posenet.launch.py", "namespace:=start",
                                 f"input_topic:={ns}/image"], stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        took = cam.spin_until(lambda: cam.poses, 120.0)
        time.sleep(0.5)
        breakdown = re.search(r"start: (.*)", log.read_text(errors="replace"))
        os.killpg(proc.pid, 2)
        proc.wait(30)
        cam.spin_until(lambda: cam.node.count_publishers(f"{ns}/poses") == 0, 10.0)
        runs.append({"first_poses_s": round(took, 3) if took else None,
                     "node_breakdown": breakdown.group(1) if breakdown else None, "cold": i == 0})
        print(f"start {i} ({'cold' if i == 0 else 'warm'}): {runs[-1]}", flush=True)
        t_wait = time.monotonic()
        while time.monotonic() - t_wait < 1.0:
            rclpy.spin_once(cam.node, timeout_sec=0.05)
    warm = [r["first_poses_s"] for r in runs[1:] if r["first_poses_s"]]
    cam.node.destroy_node()
    return {"cold": runs[0], "warm_runs": runs[1:], "warm_median_s": statistics.median(warm) if warm else None}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--starts", type=int, default=5)
    p.add_argument("--json")
    p.add_argument("--skip-idle", action="store_true", help="only the start-up part")
    args = p.parse_args()
    rclpy.init()
    result = {"cpu": cpu_model(), "cores": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M")}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_idle:
            result["idle"] = idle_cpu(args.seconds, Path(tmp))
        result["start"] = launch_to_first_poses(args.starts, Path(tmp))
    rclpy.try_shutdown()
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
