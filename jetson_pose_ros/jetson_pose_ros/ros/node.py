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
from rclpy.exceptions import ParameterException  # noqa: E402
from rcl_interfaces.msg import SetParametersResult  # noqa: E402
from rclpy.node import Node  # noqa: E402
from rclpy.qos import (DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy,  # noqa: E402
                       qos_profile_sensor_data)
from sensor_msgs.msg import CompressedImage, Image  # noqa: E402
from visualization_msgs.msg import MarkerArray  # noqa: E402

from jetson_pose_msgs.msg import Pose2DArray  # noqa: E402

from ..errors import PoseNetError  # noqa: E402
from ..pipeline import GROUPS  # noqa: E402
from . import image_conversion as conv  # noqa: E402
from . import parameters  # noqa: E402
from .messages import frame_to_markers, frame_to_msg  # noqa: E402
from .worker import NewestFrameWorker  # noqa: E402

NODE_NAME = "posenet"
WARN_PERIOD_S = 5.0
RUNTIME = parameters.RUNTIME


class PoseNetNode(Node):
    """The ``posenet`` node; raises :class:`PoseNetError` when the network cannot be loaded."""

    def __init__(self, node_name: str = NODE_NAME, **kwargs):
        super().__init__(node_name, **kwargs)
        p = parameters.declare(self)

        from ..pipeline import Pipeline  # onnxruntime etc. are imported here

        # a preset chooses the network (the network parameter always has a value)
        self.pipeline = Pipeline(None if p.get("preset") else p["network"] or None,
                                 **{k: v for k, v in p.items() if k != "network" and k in parameters.OPTIONS
                                    and parameters.OPTIONS[k].group in GROUPS and v not in ("", None)})
        self.net = self.pipeline.net
        self.publish_overlay = p["publish_overlay"]
        self.publish_markers = p["publish_markers"]
        self.marker_scale = p["marker_scale"]
        self.add_on_set_parameters_callback(self._on_set_parameters)

        reliability = p["qos_reliability"]
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
        self.compressed = p["input_compressed"]
        self.records: deque = deque(maxlen=1000)  # per frame: (latency_ms, process_ms, inference_ms)
        self._window = []
        self._window_start = time.monotonic()
        self._warned: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}
        self.worker = NewestFrameWorker(self.process, self._frame_error)
        self.stats = self.worker.stats
        if self.compressed:
            self.sub = self.create_subscription(CompressedImage, "image/compressed", self.worker.submit, in_qos)
        else:
            self.sub = self.create_subscription(Image, "image", self.worker.submit, in_qos)

        threads = self.net.model.num_threads or "default"
        self.get_logger().info(
            f"network '{self.net.network}' ({self.net.model.backend_name}, threads={threads}) ready; "
            f"input {self.sub.topic_name} ({'CompressedImage' if self.compressed else 'Image'}, {reliability}), "
            f"output {self.poses_pub.topic_name}, {self.overlay_pub.topic_name}, {self.markers_pub.topic_name}")

    # ------------------------------------------------------------------ parameters
    def _on_set_parameters(self, params) -> SetParametersResult:
        try:
            values = parameters.changes(params)
        except PoseNetError as err:
            return SetParametersResult(successful=False, reason=str(err))
        with self.worker.lock:
            for name, value in values.items():
                if name in ("publish_overlay", "publish_markers", "marker_scale"):
                    setattr(self, name, value)
                elif name in RUNTIME:
                    self.pipeline.set(name, value)
        if values:
            self.get_logger().info("set " + ", ".join(f"{k}={v!r}" for k, v in values.items()))
        return SetParametersResult(successful=True)

    # ------------------------------------------------------------------ errors
    def _frame_error(self, err: BaseException) -> None:
        if isinstance(err, PoseNetError):
            self._warn_throttled(f"frame dropped: {err}")
        elif rclpy.ok():
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
        text += f" ({n} more since the last warning)" if n else ""
        # one call site per severity: rclpy refuses a call site that logs at two severities
        if error:
            self.get_logger().error(text)
        else:
            self.get_logger().warning(text)

    # ------------------------------------------------------------------ processing
    def process(self, msg, received: float | None = None) -> None:
        """Process one Image/CompressedImage message and publish the results."""
        received = time.perf_counter() if received is None else received
        bgr = conv.compressed_to_bgr(msg) if isinstance(msg, CompressedImage) else conv.image_to_bgr(msg)
        t0 = time.perf_counter()
        stamp = msg.header.stamp
        frame = self.pipeline.process(bgr, stamp.sec + stamp.nanosec * 1e-9)
        t1 = time.perf_counter()
        self.poses_pub.publish(frame_to_msg(frame, msg.header, self.pipeline.tracker is not None))
        published = time.perf_counter()

        if self.publish_overlay or self.overlay_pub.get_subscription_count() > 0:
            image = bgr.copy() if not bgr.flags.writeable or bgr.base is not None else bgr
            self.pipeline.draw(image, frame)
            self.overlay_pub.publish(conv.bgr_to_image(image, "bgr8", header=msg.header))
        if self.publish_markers or self.markers_pub.get_subscription_count() > 0:
            self.markers_pub.publish(frame_to_markers(frame, msg.header, self.net.topology.colors,
                                                      scale=self.marker_scale))
        self._record((published - received) * 1e3, (t1 - t0) * 1e3,
                     float(frame.timings.get("inference", (t1 - t0) * 1e3)))

    def _record(self, latency: float, process_ms: float, inference_ms: float) -> None:
        self.records.append((latency, process_ms, inference_ms))
        self._window.append((latency, process_ms, inference_ms))
        now = time.monotonic()
        if now - self._window_start >= 1.0:
            n = len(self._window)
            lat, proc, inf = (sum(r[i] for r in self._window) / n for i in range(3))
            st = self.stats
            self.get_logger().debug(
                f"stats rate={n / (now - self._window_start):.2f}Hz latency={lat:.2f}ms "
                f"process={proc:.2f}ms inference={inf:.2f}ms overhead={lat - inf:.2f}ms "
                f"ros_overhead={lat - proc:.2f}ms received={st['received']} "
                f"processed={st['processed']} dropped={st['dropped']} bad={st['bad']}")
            self._window = []
            self._window_start = now

    def destroy_node(self):
        worker = getattr(self, "worker", None)
        if worker is not None:  # None when the constructor failed half-way
            worker.stop()
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
