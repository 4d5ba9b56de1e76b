"""What the node cases share (``node_overhead``, ``node_soak``): a private local DDS domain, the shared
sample photos, ``posenet_node`` as a subprocess with its log in a file, and a client node that
publishes images and records when each ``Pose2DArray`` (by stamp) came back."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import data

REPO = data.REPO


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def setup_environment() -> Path:
    """Private local DDS domain, large-image Fast DDS profile, model mirror; returns the photos folder."""
    os.environ.setdefault("ROS_DOMAIN_ID", str(150 + os.getpid() % 50))
    os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE",
                          str(REPO / "jetson_pose_ros" / "config" / "fastdds_large_images.xml"))
    data.use_model_mirror()
    return data.photos()


class NodeBench:
    """``posenet_node`` in namespace ``ns`` (extra ``--ros-args``), and a client that publishes on
    ``<ns>/image`` and keeps the arrival time of each ``<ns>/poses`` message by stamp in ``got``.
    A context manager: leaving it stops both (SIGINT, then kill)."""

    def __init__(self, ns: str, ros_args: list[str], name: str):
        import rclpy  # optional: ROS 2 (the case needs it)
        from rclpy.node import Node
        from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image

        from jetson_pose_msgs.msg import Pose2DArray

        exe = shutil.which("posenet_node")
        cmd = ([exe] if exe else [sys.executable, "-m", "jetson_pose_ros.ros.node"]) + [
            "--ros-args", "-r", f"__ns:=/{ns}", *ros_args]
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"{name}_{os.getpid()}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT)
        rclpy.init()
        self.rclpy = rclpy
        self.node = Node(f"{name}_client")
        self.qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self.pub = self.node.create_publisher(Image, f"/{ns}/image", self.qos)
        self.got: dict[tuple[int, int], float] = {}
        self.node.create_subscription(Pose2DArray, f"/{ns}/poses", self._on_poses, self.qos)

    def _on_poses(self, msg) -> None:
        self.got[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = time.perf_counter()

    def spin_until(self, pred, timeout: float, step: float = 0.01) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            self.rclpy.spin_once(self.node, timeout_sec=step)
        return pred()

    def wait_node(self, timeout: float) -> None:
        if not self.spin_until(lambda: self.pub.get_subscription_count() > 0, timeout):
            raise RuntimeError(f"posenet_node did not come up:\n{self.log_text()[-2000:]}")

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> "NodeBench":
        return self

    def __exit__(self, *exc) -> None:
        self.node.destroy_node()
        self.rclpy.try_shutdown()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()
