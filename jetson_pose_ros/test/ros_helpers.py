"""Helpers for the ROS 2 tests (test_ros_*.py): real rclpy, a real posenet_node subprocess.

Tests skip (with the reason) when rclpy / jetson_pose_msgs cannot be imported, i.e. outside the
environment of ``source scripts/ros_env.sh`` (after ``bash scripts/setup_ros.sh``).
"""
from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import PKG_DIR  # noqa: E402  (<repo>/jetson_pose_ros)
REPO = PKG_DIR.parent
CONFIG_YAML = PKG_DIR / "config" / "posenet.yaml"
LAUNCH_FILE = PKG_DIR / "launch" / "posenet.launch.py"
FASTDDS_PROFILE = PKG_DIR / "config" / "fastdds_large_images.xml"
ROS_HINT = "run `bash scripts/setup_ros.sh` and `source scripts/ros_env.sh` first"


def shared_dir() -> Path | None:
    """The shared data directory: $JETSON_POSE_SHARED, or ../shared beside the repository."""
    for cand in (os.environ.get("JETSON_POSE_SHARED"), REPO.parent / "shared", REPO / "shared"):
        if cand and (Path(cand) / "data" / "jetson_inference" / "images").is_dir():
            return Path(cand)
    return None


def image_path(name: str) -> Path:
    shared = shared_dir()
    if shared is None:
        pytest.skip("sample photos not found (expected ../shared/data/jetson_inference/images beside the repo "
                    "or $JETSON_POSE_SHARED)")
    path = shared / "data" / "jetson_inference" / "images" / name
    if not path.is_file():
        pytest.skip(f"sample photo {path} not found")
    return path


def load_bgr(name: str):
    import cv2

    image = cv2.imread(str(image_path(name)), cv2.IMREAD_COLOR)
    assert image is not None, name
    return image


def require_ros() -> None:
    """Skip the calling test module unless the ROS 2 Python packages and jetson_pose_msgs import."""
    try:
        import rclpy  # noqa: F401
        import sensor_msgs.msg  # noqa: F401
        import visualization_msgs.msg  # noqa: F401
        import jetson_pose_msgs.msg  # noqa: F401
    except Exception as exc:  # ImportError, or a missing shared library (OSError / RuntimeError)
        pytest.skip(f"ROS 2 not available ({type(exc).__name__}: {exc}); {ROS_HINT}", allow_module_level=True)


def setup_environment() -> None:
    """Isolate the tests' DDS traffic and point the model registry at the shared models.

    Called before rclpy.init(); node subprocesses inherit the environment.
    """
    if "JETSON_POSE_TEST_DOMAIN" in os.environ:
        os.environ["ROS_DOMAIN_ID"] = os.environ["JETSON_POSE_TEST_DOMAIN"]
    else:  # a private domain per test run: parallel runs and other ROS graphs do not interfere
        os.environ["ROS_DOMAIN_ID"] = str(random.Random(os.getpid() ^ time.time_ns()).randint(120, 220))
    os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    os.environ.pop("ROS_STATIC_PEERS", None)
    os.environ["FASTDDS_DEFAULT_PROFILES_FILE"] = str(FASTDDS_PROFILE)
    os.environ.pop("FASTRTPS_DEFAULT_PROFILES_FILE", None)
    os.environ["RCUTILS_COLORIZED_OUTPUT"] = "0"
    shared = shared_dir()
    if "MODEL_MIRROR" not in os.environ and shared is not None and (shared / "models").is_dir():
        os.environ["MODEL_MIRROR"] = str(shared / "models")


def node_command() -> list[str]:
    exe = shutil.which("posenet_node")
    return [exe] if exe else [sys.executable, "-m", "jetson_pose_ros.ros.node"]


class LoggedProcess:
    """A subprocess whose output (stdout + stderr) goes to ``log_path``; tests read it back."""

    poll_s = 0.05

    def __init__(self, cmd: list[str], log_path: Path, **popen):
        self.log_path = Path(log_path)
        self.cmd = list(cmd)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self._log, stderr=subprocess.STDOUT, **popen)

    def log(self) -> str:
        if not self._log.closed:        # after stop() the file is closed (and complete)
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_log(self, pattern: str, timeout: float = 30.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log())
            if m:
                return m
            if not self.alive():
                break
            time.sleep(self.poll_s)
        raise AssertionError(f"{pattern!r} not in the output of {' '.join(self.cmd)} "
                             f"(rc={self.proc.poll()}):\n{self.log()[-4000:]}")


@contextmanager
def running(proc: "NodeProcess"):
    """``proc`` ready (stopped again if it never gets there); stopped afterwards, which must be a clean
    exit (code 0)."""
    try:
        proc.wait_ready()
    except BaseException:
        proc.stop()
        raise
    yield proc
    rc = proc.stop()
    assert rc == 0, f"node exit code {rc}:\n{proc.log()[-2000:]}"


class NodeProcess(LoggedProcess):
    """``posenet_node`` in a subprocess; its output goes to ``log_path``."""

    def __init__(self, log_path: Path, namespace: str = "", params: dict | None = None,
                 extra_args: list[str] | None = None, num_threads: int | None = None, preexec_fn=None):
        self.namespace = namespace
        args = node_command() + ["--ros-args"]
        if namespace:
            args += ["-r", f"__ns:={namespace}"]
        merged = {} if num_threads is None else {"num_threads": num_threads}
        merged.update(params or {})
        for key, value in merged.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            args += ["-p", f"{key}:={value}"]
        args += list(extra_args or [])
        self.args = args
        super().__init__(args, log_path, cwd=str(REPO), preexec_fn=preexec_fn)

    @property
    def fqn(self) -> str:
        return f"{self.namespace.rstrip('/')}/posenet" if self.namespace else "/posenet"

    def topic(self, name: str) -> str:
        return f"{self.namespace.rstrip('/')}/{name}" if self.namespace else f"/{name}"

    def wait_ready(self, timeout: float = 120.0) -> None:
        self.wait_log(r"\[(?:[\w.]+\.)?posenet\]: network '.*' .*ready", timeout)

    def stop(self, timeout: float = 10.0, sig: int = signal.SIGINT) -> int:
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode


def run_node_to_exit(args: list[str], timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run(node_command() + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout, cwd=str(REPO))


# Client.send's re-send period for a node whose state moves with every frame (tracking, debounced
# gestures): a frame re-sent while the node is still working on it (seconds per frame on a loaded
# machine) would be taken twice and move that state twice, so only a frame lost on the way (a
# best-effort input) is re-sent, after this long.
STATEFUL_RESEND_S = 30.0


class Client:
    """An in-process rclpy node that talks to one posenet_node."""

    def __init__(self, target: NodeProcess, name: str = "test_client", compressed: bool = False):
        from rclpy.node import Node
        from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
        from rcl_interfaces.srv import GetParameters, ListParameters, SetParameters
        from sensor_msgs.msg import CompressedImage, Image
        from visualization_msgs.msg import MarkerArray

        from jetson_pose_msgs.msg import Pose2DArray

        self.target = target
        self.node = Node(name)
        reliable = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10, reliability=ReliabilityPolicy.RELIABLE)
        self.compressed = compressed
        if compressed:
            self.image_pub = self.node.create_publisher(CompressedImage, target.topic("image/compressed"), reliable)
        else:
            self.image_pub = self.node.create_publisher(Image, target.topic("image"), reliable)
        self.poses: dict[tuple[int, int], object] = {}
        self.overlays: dict[tuple[int, int], object] = {}
        self.markers: dict[tuple[int, int], object] = {}
        self.all_poses: list = []
        self.poses_sub = self.node.create_subscription(Pose2DArray, target.topic("poses"), self._on_poses, reliable)
        self.overlay_sub = None
        self.markers_sub = None
        self._overlay_type, self._markers_type, self._qos = Image, MarkerArray, reliable
        self.set_cli = self.node.create_client(SetParameters, f"{target.fqn}/set_parameters")
        self.get_cli = self.node.create_client(GetParameters, f"{target.fqn}/get_parameters")
        self.list_cli = self.node.create_client(ListParameters, f"{target.fqn}/list_parameters")
        self._sec = 1000 + random.randint(0, 10_000)
        self._nsec = 0

    # -- subscriptions -------------------------------------------------------
    @staticmethod
    def key(header) -> tuple[int, int]:
        return (int(header.stamp.sec), int(header.stamp.nanosec))

    def _on_poses(self, msg) -> None:
        self.poses[self.key(msg.header)] = msg
        self.all_poses.append(msg)

    def subscribe_overlay(self) -> None:
        if self.overlay_sub is None:
            self.overlay_sub = self.node.create_subscription(
                self._overlay_type, self.target.topic("overlay"),
                lambda m: self.overlays.__setitem__(self.key(m.header), m), self._qos)

    def subscribe_markers(self) -> None:
        if self.markers_sub is None:
            self.markers_sub = self.node.create_subscription(
                self._markers_type, self.target.topic("markers"),
                lambda m: self.markers.__setitem__(self.key(m.markers[0].header), m) if m.markers else None,
                self._qos)

    # -- spinning ----------------------------------------------------------------
    def spin(self, seconds: float) -> None:
        import rclpy

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            rclpy.spin_once(self.node, timeout_sec=min(0.05, max(0.0, end - time.monotonic())))

    def spin_until(self, predicate, timeout: float) -> bool:
        import rclpy

        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            rclpy.spin_once(self.node, timeout_sec=0.05)
        return bool(predicate())

    def wait_connected(self, timeout: float = 60.0) -> None:
        """Wait until frames sent now reach the node and its results reach this client, by what the
        node shows, not by time (a loaded 2-core machine takes seconds for what takes milliseconds
        on an idle one):

        1. the graph: the node's input, its ``poses`` publisher and its parameter services are seen;
        2. the node keeps its input: a lazy node takes its input at once for ``LAZY_GRACE_S`` after
           start and then only while a result topic has a subscriber.  When the grace ends before the
           node has discovered this client, it drops its input and takes it again (a new reader:
           frames sent meanwhile are lost).  A /diagnostics status of the node stamped after the
           grace that is not "idle" says that it has a listener and keeps its input from now on;
        3. this client's frames reach that input: a frame the node refuses at once (an unsupported
           encoding or format, unique to this call, so the log line is not throttled) is re-sent
           until the node logs it (a best-effort input loses what arrives before it matched this
           publisher).  The node counts it as bad and logs a warning; nothing else changes.
        """
        from diagnostic_msgs.msg import DiagnosticArray
        from sensor_msgs.msg import CompressedImage, Image

        from jetson_pose_ros.ros.node import LAZY_GRACE_S

        end = time.monotonic() + timeout

        def left() -> float:
            return max(0.0, end - time.monotonic())

        ok = self.spin_until(lambda: self.image_pub.get_subscription_count() > 0
                             and self.poses_sub.get_publisher_count() > 0
                             and self.set_cli.service_is_ready(), left())
        assert ok, f"posenet node not discovered within {timeout}s:\n{self.target.log()[-2000:]}"

        ready = re.findall(r"\[(\d+\.\d+)\] \[(?:[\w.]+\.)?posenet\]: network '.*' .*ready", self.target.log())
        assert ready, f"no 'ready' line with a time stamp in the node's log:\n{self.target.log()[-2000:]}"
        grace_end = float(ready[-1]) + LAZY_GRACE_S
        kept: list = []

        def on_diagnostics(msg) -> None:
            stamp = msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9
            kept.extend(st for st in msg.status if st.hardware_id == self.target.fqn
                        and st.name.endswith(": frames") and stamp > grace_end and not st.message.startswith("idle"))

        sub = self.node.create_subscription(DiagnosticArray, "/diagnostics", on_diagnostics, 10)
        try:
            ok = self.spin_until(lambda: bool(kept), left())
        finally:
            self.node.destroy_subscription(sub)
        assert ok, f"the node did not keep its input after its start-up grace:\n{self.target.log()[-2000:]}"

        tokens: list[str] = []
        while not any(t in self.target.log() for t in tokens):
            assert left() > 0, f"no hand-shake frame reached the node within {timeout}s:\n{self.target.log()[-2000:]}"
            tokens.append(f"{self.node.get_name()}_handshake{len(tokens)}")
            if self.compressed:
                msg = CompressedImage(header=self.next_header("handshake"), format=f"compressedDepth {tokens[-1]}")
            else:
                msg = Image(header=self.next_header("handshake"), height=1, width=1, encoding=tokens[-1], step=3,
                            data=[0, 0, 0])
            self.image_pub.publish(msg)
            self.spin_until(lambda: tokens[-1] in self.target.log(), min(2.0, left()))

    # -- frames ----------------------------------------------------------------
    def next_header(self, frame_id: str = "camera"):
        from builtin_interfaces.msg import Time
        from std_msgs.msg import Header

        self._nsec += 1_000_003
        if self._nsec >= 1_000_000_000:
            self._sec, self._nsec = self._sec + 1, 7
        return Header(frame_id=frame_id, stamp=Time(sec=self._sec, nanosec=self._nsec))

    def publish(self, msg) -> tuple[int, int]:
        self.image_pub.publish(msg)
        return self.key(msg.header)

    def send(self, msg, timeout: float = 60.0, resend_every: float = 3.0, want_overlay: bool = False,
             want_markers: bool = False):
        """Publish ``msg`` (re-publish every ``resend_every`` s: a best-effort input may lose a frame;
        see ``STATEFUL_RESEND_S``) until its Pose2DArray (and overlay/markers) arrive."""
        key = self.key(msg.header)
        end = time.monotonic() + timeout

        def done():
            return (key in self.poses and (not want_overlay or key in self.overlays)
                    and (not want_markers or key in self.markers))

        while time.monotonic() < end:
            self.image_pub.publish(msg)
            if self.spin_until(done, min(resend_every, max(0.0, end - time.monotonic()))):
                return self.poses[key]
        raise AssertionError(f"no result for frame {key} within {timeout}s (node alive: {self.target.alive()}):\n"
                             f"{self.target.log()[-2000:]}")

    def image_msg(self, bgr, encoding: str = "bgr8", frame_id: str = "camera", **kw):
        from jetson_pose_ros.msgs.image_conversion import bgr_to_image

        return bgr_to_image(bgr, encoding, header=self.next_header(frame_id), **kw)

    def compressed_msg(self, bgr, fmt: str = "jpeg", frame_id: str = "camera"):
        from jetson_pose_ros.msgs.image_conversion import bgr_to_compressed

        return bgr_to_compressed(bgr, fmt, header=self.next_header(frame_id))

    # -- parameters ---------------------------------------------------------------
    def _call(self, client, request, timeout: float = 30.0):
        assert client.wait_for_service(timeout_sec=timeout), f"service {client.srv_name} not available"
        future = client.call_async(request)
        assert self.spin_until(future.done, timeout), f"service {client.srv_name} did not answer"
        return future.result()

    def set_parameters(self, **values) -> list:
        from rcl_interfaces.srv import SetParameters
        from rclpy.parameter import Parameter

        req = SetParameters.Request(parameters=[Parameter(k, value=v).to_parameter_msg() for k, v in values.items()])
        return list(self._call(self.set_cli, req).results)

    def get_parameters(self, names: list[str]) -> dict:
        from rcl_interfaces.srv import GetParameters
        from rclpy.parameter import parameter_value_to_python

        res = self._call(self.get_cli, GetParameters.Request(names=list(names)))
        return {n: parameter_value_to_python(v) for n, v in zip(names, res.values)}

    def list_parameters(self) -> list[str]:
        from rcl_interfaces.srv import ListParameters

        return list(self._call(self.list_cli, ListParameters.Request()).result.names)

    def destroy(self) -> None:
        self.node.destroy_node()
