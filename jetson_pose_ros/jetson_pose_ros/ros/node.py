"""``posenet_node``: the ROS 2 pose estimation node.

Subscribes ``image`` (sensor_msgs/Image) or, with ``input_compressed:=true``, ``image/compressed``
(sensor_msgs/CompressedImage, jpeg/png).  Publishes for every processed frame

* ``poses``   jetson_pose_msgs/Pose2DArray (header copied from the input; also when nobody is found),
* ``overlay`` sensor_msgs/Image bgr8 with the skeletons drawn (same header; only rendered while it
  has a subscriber or ``publish_overlay`` is true),
* ``markers`` visualization_msgs/MarkerArray of the skeletons (only while it has a subscriber or
  ``publish_markers`` is true).

Only the newest frame is processed: the subscription callback keeps the latest message and a worker
thread processes it, so a slow network never builds a backlog of stale frames.

    posenet_node --ros-args -p network:=mobilenet-body -p threshold:=0.2 -r image:=/camera/image_raw
    posenet_node --ros-args --params-file config/posenet.yaml
"""
from __future__ import annotations

import signal
import sys
import threading
import time
from collections import deque

from . import require_ros

require_ros()

import rclpy  # noqa: E402
import rclpy.executors  # noqa: E402
from rclpy.exceptions import ParameterException
from rcl_interfaces.msg import ParameterDescriptor, ParameterType, SetParametersResult
from rclpy.node import Node
from rclpy.qos import (HistoryPolicy, QoSProfile, ReliabilityPolicy, DurabilityPolicy,
                       qos_profile_sensor_data)
from sensor_msgs.msg import CompressedImage, Image
from visualization_msgs.msg import MarkerArray

from jetson_pose_msgs.msg import Pose2DArray

from ..errors import PoseNetError
from ..overlay import parse_flags
from ..smoothing import PoseSmoother
from ..tracking import PoseTracker
from . import image_conversion as conv
from .messages import poses_to_markers, poses_to_msg

NODE_NAME = "posenet"

# name -> (default, description, read_only).  config/posenet.yaml lists the same parameters.
PARAMETERS: dict[str, tuple[object, str, bool]] = {
    "network": ("mobilenet-body", "registry network name (mobilenet-body, resnet18-body, resnet18-hand, ...)", True),
    "model": ("", "path to the model file; empty = the registry's file (MODEL_MIRROR / JETSON_POSE_MODELS)", True),
    "topology": ("", "topology JSON overriding the network's keypoint names and skeleton; empty = default", True),
    "colors": ("", "colors.txt with one 'r g b [a]' line per keypoint; empty = default", True),
    "threshold": (0.15, "minimum keypoint/pose confidence (runtime-changeable)", False),
    "overlay": ("links,keypoints", "overlay flags: box, links, keypoints or none, comma-separated (runtime-changeable)", False),
    "keypoint_scale": (0.0052, "keypoint circle radius as a fraction of the image's larger side (runtime-changeable)", False),
    "link_scale": (0.0013, "link line width as a fraction of the image's larger side (runtime-changeable)", False),
    "backend": ("onnxruntime", "inference backend", True),
    "preset": ("", "fast | balanced | accurate: network + input size + scales + flip; when set it chooses the network ('' = none)", True),
    "scales": ("", "test scales, e.g. '0.5,1.0,1.5' ('' = 1.0; PAF/dynamic-size networks)", True),
    "flip": (False, "flip test: also run on the mirrored image and average (about 2x inference)", True),
    "num_threads": (0, "inference threads; 0 = the backend's default", True),
    "qos_reliability": ("best_effort", "input subscription reliability: best_effort (sensor data QoS, depth 1) or reliable (depth 1)", True),
    "input_compressed": (False, "subscribe image/compressed (sensor_msgs/CompressedImage) instead of image", True),
    "publish_overlay": (False, "render and publish the overlay even when nobody subscribes (runtime-changeable)", False),
    "publish_markers": (False, "publish the MarkerArray even when nobody subscribes (runtime-changeable)", False),
    "marker_scale": (0.001, "metres per image pixel of the rviz markers (runtime-changeable)", False),
    "track": (False, "persistent pose IDs across frames: pose id = track ID (OKS matching)", True),
    "track_max_lost": (30, "frames a track is kept without a matching pose", True),
    "smooth": (False, "One-Euro keypoint smoothing over the header stamps (implies track)", True),
    "smooth_min_cutoff": (1.0, "One-Euro minimum cutoff frequency (Hz): lower = smoother at rest", True),
    "smooth_beta": (0.01, "One-Euro speed coefficient: higher = less lag when moving", True),
}
WARN_PERIOD_S = 5.0
RUNTIME = [name for name, (_d, _t, ro) in PARAMETERS.items() if not ro]


class PoseNetNode(Node):
    """The ``posenet`` node; raises :class:`PoseNetError` when the network cannot be loaded."""

    def __init__(self, node_name: str = NODE_NAME, **kwargs):
        super().__init__(node_name, **kwargs)
        for name, (default, text, read_only) in PARAMETERS.items():
            numeric = isinstance(default, float)
            desc = ParameterDescriptor(description=text, read_only=read_only,
                                       dynamic_typing=numeric)  # accept 0 as well as 0.0
            self.declare_parameter(name, default, desc)
        p = {name: self.get_parameter(name).value for name in PARAMETERS}
        self._check(p)

        from .. import PoseNet  # onnxruntime etc. are imported here

        self.net = PoseNet(None if p["preset"] else p["network"] or None, threshold=float(p["threshold"]), model=p["model"] or None,
                           topology=p["topology"] or None, colors=p["colors"] or None,
                           keypoint_scale=float(p["keypoint_scale"]), link_scale=float(p["link_scale"]),
                           backend=p["backend"], num_threads=int(p["num_threads"]) or None,
                           preset=p["preset"] or None, scales=p["scales"] or None, flip=bool(p["flip"]) or None)
        self.overlay_flags = str(p["overlay"])
        self.publish_overlay = bool(p["publish_overlay"])
        self.publish_markers = bool(p["publish_markers"])
        self.marker_scale = float(p["marker_scale"])
        self.keypoint_names = list(self.net.topology.keypoints)
        self.tracker = PoseTracker(max_lost=int(p["track_max_lost"])) if p["track"] or p["smooth"] else None
        self.smoother = PoseSmoother(float(p["smooth_min_cutoff"]), float(p["smooth_beta"])) if p["smooth"] else None
        self.add_on_set_parameters_callback(self._on_set_parameters)

        reliability = str(p["qos_reliability"]).lower().replace("-", "_")
        if reliability == "reliable":
            in_qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.RELIABLE,
                                durability=DurabilityPolicy.VOLATILE)
        else:
            in_qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                                reliability=qos_profile_sensor_data.reliability,
                                durability=qos_profile_sensor_data.durability)
        out_qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=5, reliability=ReliabilityPolicy.RELIABLE)

        self.poses_pub = self.create_publisher(Pose2DArray, "poses", out_qos)
        self.overlay_pub = self.create_publisher(Image, "overlay", out_qos)
        self.markers_pub = self.create_publisher(MarkerArray, "markers", out_qos)
        self.compressed = bool(p["input_compressed"])
        if self.compressed:
            self.sub = self.create_subscription(CompressedImage, "image/compressed", self._on_image, in_qos)
        else:
            self.sub = self.create_subscription(Image, "image", self._on_image, in_qos)

        # newest-frame slot shared with the worker thread
        self._lock = threading.Condition()
        self._latest = None   # (msg, receive_time)
        self._stop = False
        self.stats = {"received": 0, "processed": 0, "dropped": 0, "bad": 0, "published": 0}
        self.records: deque = deque(maxlen=1000)  # per frame: (latency_ms, process_ms, inference_ms)
        self._window = []
        self._window_start = time.monotonic()
        self._warned: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self._worker = threading.Thread(target=self._run, name="posenet-worker", daemon=True)
        self._worker.start()

        self.get_logger().info(
            f"network '{self.net.network}' ({p['backend']}, threads={int(p['num_threads']) or 'default'}) ready; "
            f"input {self.sub.topic_name} ({'CompressedImage' if self.compressed else 'Image'}, {reliability}), "
            f"output {self.poses_pub.topic_name}, {self.overlay_pub.topic_name}, {self.markers_pub.topic_name}")

    # ------------------------------------------------------------------ parameters
    @staticmethod
    def _check(values: dict) -> None:
        """Raise PoseNetError for an invalid value (startup and runtime)."""
        for key in ("threshold", "keypoint_scale", "link_scale", "marker_scale"):
            if key in values:
                v = values[key]
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise PoseNetError(f"parameter {key} must be a number, got {v!r}")
                if v < 0 or (key != "threshold" and v == 0):
                    raise PoseNetError(f"parameter {key} must be {'>= 0' if key == 'threshold' else '> 0'}, got {v}")
        if "overlay" in values:
            parse_flags(str(values["overlay"]))
        if "qos_reliability" in values:
            q = str(values["qos_reliability"]).lower().replace("-", "_")
            if q not in ("best_effort", "reliable"):
                raise PoseNetError(f"parameter qos_reliability must be best_effort or reliable, got {q!r}")
        if "track_max_lost" in values and int(values["track_max_lost"]) < 0:
            raise PoseNetError(f"parameter track_max_lost must be >= 0, got {values['track_max_lost']}")
        for key in ("smooth_min_cutoff", "smooth_beta"):
            if key in values and (isinstance(values[key], bool) or not isinstance(values[key], (int, float))
                                  or values[key] < 0 or (key == "smooth_min_cutoff" and values[key] == 0)):
                raise PoseNetError(f"parameter {key} must be a number {'> 0' if 'cutoff' in key else '>= 0'}, "
                                   f"got {values[key]!r}")
        if "num_threads" in values and int(values["num_threads"]) < 0:
            raise PoseNetError(f"parameter num_threads must be >= 0, got {values['num_threads']}")

    def _on_set_parameters(self, params) -> SetParametersResult:
        values = {}
        for prm in params:
            if prm.name in PARAMETERS and prm.type_ == ParameterType.PARAMETER_NOT_SET:
                return SetParametersResult(successful=False, reason=f"{prm.name} cannot be unset")
            values[prm.name] = prm.value
        try:
            self._check(values)
        except PoseNetError as err:
            return SetParametersResult(successful=False, reason=str(err))
        with self._lock:
            for name, value in values.items():
                if name == "threshold":
                    self.net.threshold = float(value)
                elif name == "keypoint_scale":
                    self.net.keypoint_scale = float(value)
                elif name == "link_scale":
                    self.net.link_scale = float(value)
                elif name == "overlay":
                    self.overlay_flags = str(value)
                elif name == "publish_overlay":
                    self.publish_overlay = bool(value)
                elif name == "publish_markers":
                    self.publish_markers = bool(value)
                elif name == "marker_scale":
                    self.marker_scale = float(value)
        if values:
            self.get_logger().info("set " + ", ".join(f"{k}={v!r}" for k, v in values.items()))
        return SetParametersResult(successful=True)

    # ------------------------------------------------------------------ input
    def _on_image(self, msg) -> None:
        now = time.perf_counter()
        with self._lock:
            if self._latest is not None:
                self.stats["dropped"] += 1
            self._latest = (msg, now)
            self.stats["received"] += 1
            self._lock.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._latest is None and not self._stop:
                    self._lock.wait(0.5)
                if self._stop:
                    return
                msg, received = self._latest
                self._latest = None
            try:
                self.process(msg, received)
            except PoseNetError as err:  # bad frame: warn, publish nothing, go on
                self.stats["bad"] += 1
                self._warn_throttled(f"frame dropped: {err}")
            except Exception as err:  # noqa: BLE001 - keep the node alive on anything unexpected
                self.stats["bad"] += 1
                if not rclpy.ok():
                    return
                self._warn_throttled(f"frame dropped: {type(err).__name__}: {err}", error=True)

    def _warn_throttled(self, text: str, error: bool = False, period: float = WARN_PERIOD_S) -> None:
        """Log ``text`` at most once per ``period`` seconds per distinct message, so a stream of bad
        frames does not flood the log but every new kind of problem is reported."""
        now = time.monotonic()
        last = self._warned.get(text)
        if last is not None and now - last < period:
            self._suppressed[text] = self._suppressed.get(text, 0) + 1
            return
        if len(self._warned) > 100:
            self._warned.clear()
        self._warned[text] = now
        n = self._suppressed.pop(text, 0)
        suffix = f" ({n} more since the last warning)" if n else ""
        (self.get_logger().error if error else self.get_logger().warning)(text + suffix)

    # ------------------------------------------------------------------ processing
    def process(self, msg, received: float | None = None) -> None:
        """Process one Image/CompressedImage message and publish the results."""
        received = time.perf_counter() if received is None else received
        if isinstance(msg, CompressedImage):
            bgr = conv.compressed_to_bgr(msg)
        else:
            bgr = conv.image_to_bgr(msg)
        height, width = bgr.shape[:2]
        t0 = time.perf_counter()
        poses = self.net.process(bgr, overlay="none")
        if self.tracker is not None:
            poses = self.tracker.update(poses)
            if self.smoother is not None:
                stamp = msg.header.stamp
                poses = self.smoother.update(poses, stamp.sec + stamp.nanosec * 1e-9)
        t1 = time.perf_counter()
        timings = dict(self.net.timings)
        self.poses_pub.publish(poses_to_msg(poses, msg.header, self.net.network, width, height, self.keypoint_names))
        published = time.perf_counter()
        self.stats["processed"] += 1
        self.stats["published"] += 1

        if self.publish_overlay or self.overlay_pub.get_subscription_count() > 0:
            image = bgr.copy() if not bgr.flags.writeable or bgr.base is not None else bgr
            if parse_flags(self.overlay_flags) and poses:
                self.net.overlay(image, poses, self.overlay_flags)
            self.overlay_pub.publish(conv.bgr_to_image(image, "bgr8", header=msg.header))
        if self.publish_markers or self.markers_pub.get_subscription_count() > 0:
            self.markers_pub.publish(poses_to_markers(poses, msg.header, self.net.topology.colors,
                                                      scale=self.marker_scale))

        latency = (published - received) * 1e3
        process_ms = (t1 - t0) * 1e3
        inference_ms = float(timings.get("inference", process_ms))
        self.records.append((latency, process_ms, inference_ms))
        self._window.append((latency, process_ms, inference_ms))
        now = time.monotonic()
        if now - self._window_start >= 1.0:
            n = len(self._window)
            lat = sum(r[0] for r in self._window) / n
            proc = sum(r[1] for r in self._window) / n
            inf = sum(r[2] for r in self._window) / n
            self.get_logger().debug(
                f"stats rate={n / (now - self._window_start):.2f}Hz latency={lat:.2f}ms "
                f"process={proc:.2f}ms inference={inf:.2f}ms overhead={lat - inf:.2f}ms "
                f"ros_overhead={lat - proc:.2f}ms received={self.stats['received']} "
                f"processed={self.stats['processed']} dropped={self.stats['dropped']} bad={self.stats['bad']}")
            self._window = []
            self._window_start = now

    def destroy_node(self):
        lock, worker = getattr(self, "_lock", None), getattr(self, "_worker", None)
        if lock is not None:  # None when the constructor failed half-way
            with lock:
                self._stop = True
                lock.notify_all()
        if worker is not None and worker.is_alive() and threading.current_thread() is not worker:
            worker.join(timeout=5.0)
        return super().destroy_node()


def main(args=None) -> int:
    # Our own SIGINT/SIGTERM handling: rclpy's handler sometimes left the executor waiting after
    # SIGTERM (about 1 run in 4 with the worker thread busy), and a node started in the
    # background of a script has SIGINT ignored.  The handlers set a flag that the spin loop
    # checks every 0.1 s.
    from rclpy.signals import SignalHandlerOptions

    rclpy.init(args=sys.argv if args is None else args, signal_handler_options=SignalHandlerOptions.NO)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        node = PoseNetNode()
    except (PoseNetError, ParameterException) as err:
        rclpy.logging.get_logger(NODE_NAME).error(str(err).replace("\n", " "))
        rclpy.try_shutdown()
        return 1
    executor = rclpy.executors.SingleThreadedExecutor()
    executor.add_node(node)
    try:
        while not stop.is_set() and rclpy.ok():
            executor.spin_once(timeout_sec=0.1)
    except (KeyboardInterrupt, rclpy.executors.ExternalShutdownException):
        pass
    finally:
        executor.remove_node(node)
        node.destroy_node()
        rclpy.try_shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
