"""Helpers for the launch tests: `ros2 launch` and the `ros2` CLI run as subprocesses, the way a
user types them, in a private DDS domain (localhost only) with the ros2 daemon started first."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

import ros_helpers

HINT = ("the launch tests need `ros2 launch` and the ros2 CLI: bash scripts/setup_ros.sh installs them "
        "(from ../shared/ros2-extras where the ROS installation lacks them), then source scripts/ros_env.sh")


def require_launch() -> None:
    ros_helpers.require_ros()
    try:
        import launch  # noqa: F401
        import launch_ros  # noqa: F401
        import ros2cli  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"{exc}; {HINT}", allow_module_level=True)
    if shutil.which("ros2") is None:
        pytest.skip(f"no `ros2` command on PATH; {HINT}", allow_module_level=True)
    try:
        from ament_index_python.packages import get_package_share_directory

        get_package_share_directory("jetson_pose_ros")
    except Exception as exc:  # noqa: BLE001 - PackageNotFoundError, or no AMENT_PREFIX_PATH
        pytest.skip(f"jetson_pose_ros is not in the ament index ({exc}); {HINT}", allow_module_level=True)


def ros2(*args: str, timeout: float = 60.0, check: bool = True) -> subprocess.CompletedProcess:
    """Run `ros2 ARGS...` and return it (stdout and stderr together in .stdout)."""
    res = subprocess.run(["ros2", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=timeout)
    if check:
        assert res.returncode == 0, f"ros2 {' '.join(args)} -> {res.returncode}:\n{res.stdout[-3000:]}"
    return res


class Launch(ros_helpers.LoggedProcess):
    """`ros2 launch jetson_pose_ros FILE ARGS...` in its own process group; output in ``log_path``."""

    poll_s = 0.1

    def __init__(self, launch_file: str, args: list[str], log_path: Path):
        super().__init__(["ros2", "launch", "jetson_pose_ros", launch_file, *args], log_path, start_new_session=True)

    def wait_log(self, pattern: str, timeout: float = 90.0) -> re.Match:
        return super().wait_log(pattern, timeout)

    def stop(self, timeout: float = 20.0) -> int:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGINT)   # as Ctrl-C: launch shuts its processes down
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode


class Publisher:
    """Publishes one image message again and again (5 Hz) from a thread until stopped, so that a
    `ros2 topic echo --once` started meanwhile receives a result of it."""

    def __init__(self, node, msg_type, topic: str, msg, period: float = 0.2):
        from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

        qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.RELIABLE)
        self.pub = node.create_publisher(msg_type, topic, qos)
        self.msg, self.period = msg, period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.pub.publish(self.msg)
            self._stop.wait(self.period)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)


def echo_once(topic: str, timeout: float = 60.0, extra: tuple[str, ...] = ()) -> str:
    """`ros2 topic echo --once TOPIC`: the first message as YAML text."""
    res = ros2("topic", "echo", "--once", "--timeout", str(int(timeout)), *extra, topic, timeout=timeout + 30)
    return res.stdout


def yaml_messages(text: str) -> dict:
    import yaml

    return yaml.safe_load(text.split("\n---")[0])
