"""``posenet_node``: the ROS 2 pose estimation node (a lifecycle node).

Subscribes ``image`` (sensor_msgs/Image) or, with ``input_compressed:=true``, ``<image>/compressed``
(sensor_msgs/CompressedImage, jpeg/png; the name follows the resolved ``image`` topic, as
image_transport names it).  Publishes for every processed frame

* ``poses``   jetson_pose_msgs/Pose2DArray (header copied from the input; also when nobody is found),
* ``detections`` vision_msgs/Detection2DArray (same header; while it has a subscriber; needs vision_msgs),
* ``overlay`` sensor_msgs/Image bgr8 with the skeletons drawn (same header; only rendered while it
  has a subscriber or ``publish_overlay`` is true),
* ``markers`` visualization_msgs/MarkerArray of the skeletons (only while it has a subscriber or
  ``publish_markers`` is true);
* with ``depth_topic`` set: ``poses_3d`` (jetson_pose_msgs/Pose3DArray), ``markers_3d`` and ``/tf``
  ``body_b<id>`` frames from an aligned depth image and camera_info (``depth3d.py``).

With ``gestures:=true`` also ``gestures`` (jetson_pose_msgs/GestureArray, ``gesture_output.py``); with
``hri:=true`` the REP-155 topics under ``/humans/bodies`` (``hri.py``).

Lazy (``lazy:=true``, the default): the input is subscribed only while one of the result topics
above has a subscriber (``outputs.DataOutputs``: every result publisher is registered there, so a
new result topic counts without a list of names); with nobody listening the node neither receives
nor decodes images, and ``/diagnostics`` says "idle: no subscribers".  The check runs every
``LAZY_CHECK_S`` seconds.  ``~/enable`` (std_srvs/SetBool) stops and resumes inference and the input
subscription at once; the network stays loaded.  ``~/vision_info`` (vision_msgs/VisionInfo,
transient local: a late subscriber gets it) names the network, backend, precision and input size,
and the installed file that lists the class IDs of ``detections`` and each network's keypoints.

Only the newest frame is processed: the input subscription keeps one message (KEEP_LAST, depth 1)
and each is processed in its callback, so a slow network never builds a backlog of stale frames
(and no frame waits for a hand-over to another thread).

Several cameras, one network: ``input_topics:="/front/image_raw,/rear/image_raw/compressed"``
subscribes each topic (``/compressed``: CompressedImage) and publishes each camera's results under
its topic's namespace (``/front/poses``, ``/front/detections``, ``/front/overlay``, ``/front/markers``)
with its image's header; the cameras are served in turn (see ``cameras.py``).

Lifecycle: configure loads the network and creates the publishers, activate subscribes, deactivate
unsubscribes, cleanup frees the network.  With ``autostart`` (default true) the node configures and
activates itself, so ``ros2 run`` and the launch files work without a lifecycle manager.

    posenet_node --ros-args -p network:=mobilenet-body -p threshold:=0.2 -r image:=/camera/image_raw
    posenet_node --ros-args --params-file config/posenet.yaml
    posenet_node --help                     # the parameters, then exit
"""
from __future__ import annotations

import contextlib
import os
import signal
import statistics
import sys
import threading
import time
from collections import deque

from . import require_ros

require_ros()

import rclpy  # noqa: E402
import rclpy.executors  # noqa: E402
from rclpy.exceptions import ParameterException  # noqa: E402
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy  # noqa: E402
from rcl_interfaces.msg import SetParametersResult  # noqa: E402
from rclpy.lifecycle import LifecycleNode, TransitionCallbackReturn  # noqa: E402
from rclpy.qos import (DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy,  # noqa: E402
                       qos_profile_sensor_data)
from sensor_msgs.msg import CompressedImage, Image  # noqa: E402
from visualization_msgs.msg import MarkerArray  # noqa: E402

from jetson_pose_msgs.msg import Pose2DArray  # noqa: E402

from ..core.config import Config, stage_options  # noqa: E402
from ..core.errors import PoseNetError  # noqa: E402
from ..msgs import detections as det  # noqa: E402
from ..msgs import image_conversion as conv  # noqa: E402
from . import parameters  # noqa: E402
from .arguments import check_arguments  # noqa: E402
from .health import NodeHealth  # noqa: E402
from .camera_worker import FairFrameWorker  # noqa: E402
from .cameras import Camera, parse_input_topics  # noqa: E402
from ..msgs.messages import frame_to_markers, frame_to_msg  # noqa: E402
from .outputs import DataOutputs, idle_reason, input_wanted  # noqa: E402
from .extensions import NodeExtension  # noqa: E402
from . import vision_info  # noqa: E402
from .throttled_log import ThrottledLog  # noqa: E402

NODE_NAME = "posenet"
RUNTIME = parameters.RUNTIME
NODE_ONLY = tuple(n for n in RUNTIME if parameters.OPTIONS[n].group == "node")   # attributes of the node
LAZY_CHECK_S = 0.2           # how often a lazy node looks for subscribers of its result topics
# after activation a lazy node takes its input at once for this long, so that the discovery of a
# waiting subscriber and of the camera run side by side instead of one after the other (measured:
# up to 1.6 s more to the first result); with nobody listening by then it goes idle
LAZY_GRACE_S = 3.0
WARMUP_SIZE = (640, 480)


def make_extensions(params: dict) -> list[NodeExtension]:
    """The features switched on by the parameters (see ``extensions.py``); each is one module."""
    extensions: list[NodeExtension] = []
    # on demand: a feature's module (and its messages) is imported only when the feature is switched on
    if params.get("gestures"):
        from .gesture_output import GestureOutput   # on demand, as above
        extensions.append(GestureOutput())
    if params.get("hri"):   # on demand, as above
        from .hri import HriBodies
        extensions.append(HriBodies())
    if params.get("depth_topic"):                 # people in 3D (depth3d.py)
        from .depth3d import Depth3D   # on demand (lazy): tf2 and the depth library only with a depth topic
        extensions.append(Depth3D(params))
    return extensions
     # the blank frame run once at configure, so the first real frame is not slow


def _qos(reliability: str, depth: int) -> QoSProfile:
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth, durability=DurabilityPolicy.VOLATILE,
                      reliability=ReliabilityPolicy.RELIABLE if reliability == "reliable"
                      else ReliabilityPolicy.BEST_EFFORT)


class PoseNetNode(LifecycleNode):
    """The ``posenet`` lifecycle node.  The constructor declares and checks the parameters
    (:class:`PoseNetError` for a bad value); ``configure`` loads the network."""

    def __init__(self, node_name: str = NODE_NAME, start: dict | None = None, **kwargs):
        super().__init__(node_name, **kwargs)
        # start-up breakdown (seconds since the process started), logged with the first result
        self.start = dict(start or {})
        self.params = parameters.declare(self)
        self.camera_specs = parse_input_topics(self.params["input_topics"]) if self.params["input_topics"] else []
        self.cameras: list[Camera] = []
        self.worker: FairFrameWorker | None = None        # several cameras: their frames' one worker thread
        self.pipeline = self.net = None
        self.sub = self.poses_pub = self.detections_pub = self.overlay_pub = self.markers_pub = None
        self.publish_overlay = self.params["publish_overlay"]
        self.publish_markers = self.params["publish_markers"]
        self.marker_scale = self.params["marker_scale"]
        self.records: deque = deque(maxlen=1000)  # per frame: (latency_ms, process_ms, inference_ms)
        self._window = []
        self._window_start = time.monotonic()
        self._warn_throttled = ThrottledLog(self.get_logger())
        self._active = False
        self._enabled = True                      # ~/enable
        self.outputs = DataOutputs(self)          # every result publisher (the lazy rule reads it)
        self._lazy_timer = None
        self._grace_until = 0.0
        self.vision_info_pub = None
        self.extensions: list[NodeExtension] = []
        self.stats = {"received": 0, "processed": 0, "bad": 0}
        self.last_error: str | None = None
        self.health = NodeHealth(self, self.stats, self.records, self.params["stall_timeout"],
                                 lambda: self.last_error, idle=self._idle_reason,
                                 more=lambda: [st for ext in self.extensions for st in ext.statuses()])
        self._enable_srv = self._create_enable_service()
        self.add_on_set_parameters_callback(self._on_set_parameters)
        if not self.params["autostart"]:
            self.get_logger().info("unconfigured (autostart: false): waiting for `ros2 lifecycle set "
                                   f"{self.get_fully_qualified_name()} configure` and `activate`")

    # ------------------------------------------------------------------ lifecycle
    def on_configure(self, state) -> TransitionCallbackReturn:
        """Load the network and create the publishers."""
        # heavy, kept off the start path (lazy): the pipeline imports the networks and onnxruntime/openvino
        from ..pipeline.pipeline import Pipeline

        p = self.params
        t_configure = time.monotonic()
        try:
            # a preset chooses the network (the network parameter always has a value)
            implied = {"track": True, "gestures": True} if p.get("hri") else {}   # REP-155 bodies (ros/hri.py)
            values = {k: v for k, v in stage_options(p).items() if k != "network"}
            config = Config.from_options(None if p.get("preset") else p["network"] or None, **{**values, **implied})
            self.pipeline = Pipeline(config=config)
        except PoseNetError as err:
            self.get_logger().error(str(err).replace("\n", " "))
            return TransitionCallbackReturn.FAILURE
        self.net = self.pipeline.net
        self.start["model_load"] = time.monotonic() - t_configure
        self._report_backend()
        self.object_class = det.object_class(self.net.network)
        out_qos = _qos(p["output_reliability"], 5)
        overlay_qos = _qos(p["overlay_reliability"], 5 if p["overlay_reliability"] == "reliable" else 1)
        ok, why = det.available()
        if not ok:
            self.get_logger().warning(f"vision_msgs is not installed ({why}): no `detections` topic; "
                                      "poses, overlay and markers are published")

        def create_publishers(target, topic) -> None:
            target.poses_pub = self.outputs.create(Pose2DArray, topic("poses"), out_qos)
            target.overlay_pub = self.outputs.create(Image, topic("overlay"), overlay_qos)
            target.markers_pub = self.outputs.create(MarkerArray, topic("markers"), out_qos)
            if ok:
                from vision_msgs.msg import Detection2DArray

                target.detections_pub = self.outputs.create(Detection2DArray, topic("detections"), out_qos)

        # several cameras: each its own Pipeline (tracker, smoother) around the one network
        self.cameras = [Camera(spec, Pipeline(net=self.net, config=config)) for spec in self.camera_specs]
        for cam in self.cameras:
            create_publishers(cam, cam.spec.output)
        if not self.cameras:
            create_publishers(self, lambda name: name)
        self.extensions = []
        for ext in make_extensions(p):
            if self.cameras:
                self.get_logger().warning(f"{ext.name}: not available with several cameras (input_topics); off")
            elif ext.configure(self, self.outputs):
                self.extensions.append(ext)
        t_warm = time.monotonic()
        self._warm_up()
        self.start["warm_up"] = time.monotonic() - t_warm
        self.vision_info_pub = vision_info.publish(self, self.net)
        return TransitionCallbackReturn.SUCCESS

    def _warm_up(self) -> None:
        """One blank frame through the network now, so that the first real frame does not pay for the
        backend's first run (allocations, OpenVINO's lazy kernels)."""
        import numpy as np   # lazy: kept off the node's start path until the network is loaded

        t0 = time.perf_counter()
        try:
            self.net.infer(np.zeros((WARMUP_SIZE[1], WARMUP_SIZE[0], 3), np.uint8))
        except PoseNetError as err:        # never fatal: the first real frame tries again
            self.get_logger().warning(f"warm-up frame failed: {err}")
            return
        self.get_logger().debug(f"warm-up frame {(time.perf_counter() - t0) * 1e3:.0f} ms")

    def _report_backend(self) -> None:
        """The backend/precision in use (``auto``: timed here during this configure, or the cached
        choice) in the log and on /diagnostics."""
        from ..runtime.choice import describe   # lazy: the runtime loads with the network (start path)

        used = getattr(self.net.model, "backend_used", "")
        asked = self.net.config.network
        auto = "auto" in (asked.backend, asked.precision)
        how = (describe(self.net.network) or used) if auto else "set by parameters"
        self.health.diagnostics.extra = {"backend": used, "backend_choice": how}
        self.get_logger().info(f"backend {used} ({how})")

    def on_activate(self, state) -> TransitionCallbackReturn:
        """Frames are processed and published from now on: the input is subscribed at once, or, with
        ``lazy``, as soon as (and while) a result topic has a subscriber."""
        self._active = True
        self._grace_until = time.monotonic() + LAZY_GRACE_S
        self.start.setdefault("activated_at", _since_start())
        threads = self.net.model.num_threads or "default"
        self.get_logger().info(
            f"network '{self.net.network}' ({self.net.model.backend_name}, threads={threads}) ready; "
            f"output {', '.join(self.outputs.topics())}" + ("; lazy: input subscribed while they have subscribers"
                                                            if self.params["lazy"] else ""))
        self._sync_input()
        if self.params["lazy"]:
            self._lazy_timer = self.create_timer(LAZY_CHECK_S, self._sync_input)
        return super().on_activate(state)

    # ------------------------------------------------------------------ input subscription
    def _listened(self) -> bool:
        return self.outputs.listened() or time.monotonic() < self._grace_until

    def _idle_reason(self) -> str | None:
        if self.pipeline is None:
            return "unconfigured (lifecycle)"
        return idle_reason(self._active, self._enabled, self.params["lazy"], self._listened())

    def _sync_input(self) -> None:
        """Subscribe or unsubscribe the input as the rule says (``outputs.input_wanted``)."""
        want = input_wanted(self._active, self._enabled, self.params["lazy"], self._listened())
        subscribed = self.sub is not None or any(c.sub is not None for c in self.cameras)
        if want and not subscribed:
            self._subscribe()
        elif subscribed and not want:
            self._drop_input()
            self.get_logger().info(f"idle: {self._idle_reason()}; input unsubscribed")

    def _subscribe(self) -> None:
        p = self.params
        if p["qos_reliability"] == "reliable":
            in_qos = _qos("reliable", 1)
        else:
            in_qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                                reliability=qos_profile_sensor_data.reliability,
                                durability=qos_profile_sensor_data.durability)
        self.compressed = p["input_compressed"]
        if self.cameras:
            self.worker = FairFrameWorker(len(self.cameras), self._process_cameras, self._frame_error)
        for i, cam in enumerate(self.cameras):
            cam.sub = self.create_subscription(CompressedImage if cam.spec.compressed else Image, cam.spec.topic,
                                               lambda msg, i=i: self._on_camera_image(i, msg), in_qos)
        if self.cameras:
            inputs = ", ".join(f"{c.sub.topic_name} ({'CompressedImage' if c.spec.compressed else 'Image'})"
                               for c in self.cameras)
        else:
            if self.compressed:  # image_transport naming: <resolved image topic>/compressed
                topic = self.resolve_topic_name("image").rstrip("/") + "/compressed"
                self.sub = self.create_subscription(CompressedImage, topic, self._on_image, in_qos)
            else:
                self.sub = self.create_subscription(Image, "image", self._on_image, in_qos)
            inputs = f"{self.sub.topic_name} ({'CompressedImage' if self.compressed else 'Image'})"
        for ext in self.extensions:
            ext.subscribe(self, in_qos)
        self.get_logger().info(f"input {inputs}, {p['qos_reliability']}: subscribed")

    # ------------------------------------------------------------------ enable service
    def _create_enable_service(self):
        try:
            from std_srvs.srv import SetBool
        except ImportError:
            self.get_logger().warning("std_srvs is not installed: no ~/enable service "
                                      "(pip install ros-kilted-std-srvs); lifecycle deactivate still stops the node")
            return None
        return self.create_service(SetBool, "~/enable", self._on_enable)

    def _on_enable(self, request, response):
        """``~/enable`` false: no inference and no input subscription from now on (the network stays
        loaded); true: the next frame is processed (lazy: once a result topic has a subscriber)."""
        self._enabled = bool(request.data)
        self._sync_input()
        response.success = True
        response.message = "enabled" if self._enabled else "disabled: input unsubscribed, network kept loaded"
        self.get_logger().info(f"~/enable: {response.message}")
        return response

    def on_deactivate(self, state) -> TransitionCallbackReturn:
        """Unsubscribe: nothing is processed or published until activated again."""
        self._unsubscribe()
        self.get_logger().info("deactivated: not subscribed, nothing published")
        return super().on_deactivate(state)

    def on_cleanup(self, state) -> TransitionCallbackReturn:
        self._release()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state) -> TransitionCallbackReturn:
        self._unsubscribe()
        self._release()
        return TransitionCallbackReturn.SUCCESS

    def _unsubscribe(self) -> None:
        self._active = False
        if self._lazy_timer is not None:
            self.destroy_timer(self._lazy_timer)
            self._lazy_timer = None
        self._drop_input()

    def _drop_input(self) -> None:
        for ext in self.extensions:
            ext.unsubscribe(self)
        if self.worker is not None:           # the last frame in progress ends before anything is freed
            self.worker.stop()
            self.worker = None
        for holder in [self] + self.cameras:
            if holder.sub is not None:
                self.destroy_subscription(holder.sub)
                holder.sub = None

    def _release(self) -> None:
        """Free the network and the publishers (cleanup / shutdown)."""
        for holder in [self] + self.cameras:
            for name in ("poses_pub", "detections_pub", "overlay_pub", "markers_pub"):
                pub = getattr(holder, name)
                if pub is not None:
                    self.outputs.destroy(pub)
                    setattr(holder, name, None)
        for ext in self.extensions:
            ext.release(self)
        self.extensions = []
        if self.vision_info_pub is not None:
            self.destroy_publisher(self.vision_info_pub)
            self.vision_info_pub = None
        for cam in self.cameras:
            cam.pipeline.close()
        if self.pipeline is not None:
            self.pipeline.close()
        self.pipeline = self.net = None
        self.cameras = []

    # ------------------------------------------------------------------ parameters
    def _on_set_parameters(self, params) -> SetParametersResult:
        try:
            values = parameters.changes(params)
        except PoseNetError as err:
            return SetParametersResult(successful=False, reason=str(err))
        # callbacks (frames, parameters, lifecycle) run in the node's one executor thread; several
        # cameras' frames run in the worker thread, which does not take a frame while its lock is held
        with self.worker.lock if self.worker is not None else contextlib.nullcontext():
            self.params.update(values)
            for name, value in values.items():
                if name in NODE_ONLY:
                    setattr(self, name, value)
                elif name in RUNTIME and self.pipeline is not None:
                    for pipeline in [self.pipeline] + [c.pipeline for c in self.cameras]:
                        pipeline.set(name, value)
        if values:
            self.get_logger().info("set " + ", ".join(f"{k}={v!r}" for k, v in values.items()))
        return SetParametersResult(successful=True)

    # ------------------------------------------------------------------ errors
    def _frame_error(self, err: BaseException) -> None:
        self.last_error = " ".join(str(err).split()) or type(err).__name__
        if isinstance(err, PoseNetError):
            self._warn_throttled(f"frame dropped: {err}")
        elif rclpy.ok():
            self._warn_throttled(f"frame dropped: {type(err).__name__}: {err}", error=True)

    # ------------------------------------------------------------------ processing
    def _on_image(self, msg) -> None:
        """Subscription callback: process the frame; a bad frame is counted and reported, never fatal."""
        received = time.perf_counter()
        self.stats["received"] += 1
        try:
            self.process(msg, received)
            self.stats["processed"] += 1
        except Exception as err:  # noqa: BLE001 - one bad frame must never end the node
            self.stats["bad"] += 1
            self._frame_error(err)

    def _on_camera_image(self, index: int, msg) -> None:
        """Subscription callback of camera ``index`` (several cameras): hand the frame to the worker."""
        self.stats["received"] += 1
        self.worker.submit(index, msg)

    def _process_cameras(self, items) -> None:
        """The worker's frames (several cameras).  The node's counters (and /diagnostics) add up all
        cameras; the worker counts per camera and reports a failed frame through ``_frame_error``."""
        for index, msg, received in items:
            try:
                self.process(msg, received, self.cameras[index])
                self.stats["processed"] += 1
            except Exception:
                self.stats["bad"] += 1
                raise

    def process(self, msg, received: float | None = None, cam: Camera | None = None) -> None:
        """Process one Image/CompressedImage message (of camera ``cam``, else of the one ``image``
        input) and publish the results (only while active)."""
        if not (self._active and self._enabled):
            return
        out = cam if cam is not None else self          # the pipeline and publishers of this input
        received = time.perf_counter() if received is None else received
        limit = self.params["max_image_pixels"]
        bgr = conv.compressed_to_bgr(msg, limit) if isinstance(msg, CompressedImage) else conv.image_to_bgr(msg, limit)
        t0 = time.perf_counter()
        stamp = msg.header.stamp
        frame = out.pipeline.process(bgr, stamp.sec + stamp.nanosec * 1e-9)
        t1 = time.perf_counter()
        out.poses_pub.publish(frame_to_msg(frame, msg.header))
        published = time.perf_counter()
        if out.detections_pub is not None and out.detections_pub.get_subscription_count() > 0:
            out.detections_pub.publish(det.to_detections(msg.header, frame.boxes.tolist(), frame.pose_scores.tolist(),
                                                         frame.track_ids.tolist(), self.object_class))

        if self.publish_overlay or out.overlay_pub.get_subscription_count() > 0:
            image = bgr.copy() if not bgr.flags.writeable or bgr.base is not None else bgr
            out.pipeline.draw(image, frame)
            out.overlay_pub.publish(conv.bgr_to_image(image, "bgr8", header=msg.header))
        if self.publish_markers or out.markers_pub.get_subscription_count() > 0:
            out.markers_pub.publish(frame_to_markers(frame, msg.header, self.net.topology.colors,
                                                     scale=self.marker_scale))
        for ext in (self.extensions if cam is None else ()):
            ext.on_result(frame, msg.header, bgr)
        self._record((published - received) * 1e3, (t1 - t0) * 1e3,
                     float(frame.timings.get("inference", (t1 - t0) * 1e3)))
        if "first_result_at" not in self.start:
            self._log_start((published - received) * 1e3)

    def _log_start(self, first_ms: float) -> None:
        """Where the start-up time went, once, with the first published result."""
        st = self.start
        st["first_result_at"] = _since_start()
        parts = [f"{k.replace('_', ' ')} {st[k]:.2f} s" for k in ("imports", "rclpy_and_node", "model_load", "warm_up")
                 if k in st]
        self.get_logger().info(
            f"start: first result {st['first_result_at']:.2f} s after the process started ({', '.join(parts)}; "
            f"activated at {st.get('activated_at', float('nan')):.2f} s; first frame {first_ms:.0f} ms)")

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
                f"processed={st['processed']} bad={st['bad']} "
                f"overhead_median={statistics.median(r[0] - r[2] for r in self._window):.2f}ms "
                f"ros_overhead_median={statistics.median(r[0] - r[1] for r in self._window):.2f}ms")
            self._window = []
            self._window_start = now

    def destroy_node(self):
        if getattr(self, "stats", None) is not None:  # None when the constructor failed half-way
            self._active = False
            self._release()
        return super().destroy_node()


def _since_start() -> float:
    """Seconds since this process started (from /proc; wall-clock based elsewhere: NaN)."""
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        with open("/proc/self/stat") as f:
            started = int(f.read().rsplit(")", 1)[1].split()[19]) / ticks
        with open("/proc/uptime") as f:
            return float(f.read().split()[0]) - started
    except (OSError, ValueError, IndexError):
        return float("nan")


# imported in the background while rclpy and DDS start (else at configure, on the start path):
# scipy.optimize (0.56 s, 50 MB; the decoders' Hungarian assignment, always used).  Not the
# runtimes: only one of them is used, and each costs 20-30 MB for 0.07-0.17 s of import
PRELOAD = ("scipy.optimize",)


def _preload() -> threading.Thread:
    def run():
        import importlib   # lazy: in the preload thread, off the start path

        for name in PRELOAD:
            try:
                importlib.import_module(name)
            except ImportError:           # an optional runtime that is not installed
                pass
    thread = threading.Thread(target=run, name="preload", daemon=True)
    thread.start()
    return thread


def main(args=None) -> int:
    # Our own SIGINT/SIGTERM handling: rclpy's handler sometimes left the executor waiting after
    # SIGTERM (about 1 run in 4 while a frame was processed), and a node started in the
    # background of a script has SIGINT ignored.  The handlers set a flag that the spin loop
    # checks every 0.1 s.
    from rclpy.signals import SignalHandlerOptions

    imported = _since_start()             # the interpreter and this module's imports (rclpy, messages)
    argv = sys.argv if args is None else args
    own = argv[1:argv.index("--ros-args")] if "--ros-args" in argv else argv[1:]
    if "-h" in own or "--help" in own:
        print(parameters.usage(__doc__.split("\n\n")[0]))
        return 0
    if os.environ.get("JETSON_POSE_PRELOAD", "1") != "0":
        _preload()
    try:
        check_arguments(argv)              # a missing/broken --params-file: one line naming it
        rclpy.init(args=argv, signal_handler_options=SignalHandlerOptions.NO)
    except (PoseNetError, _rclpy.RCLError) as err:
        rclpy.logging.get_logger(NODE_NAME).error(" ".join(str(err).split()))
        return 1
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        node = PoseNetNode(start={"imports": imported})
        node.start["rclpy_and_node"] = _since_start() - imported
    except (PoseNetError, ParameterException) as err:
        rclpy.logging.get_logger(NODE_NAME).error(str(err).replace("\n", " "))
        rclpy.try_shutdown()
        return 1
    if node.params["autostart"]:
        if node.trigger_configure() != TransitionCallbackReturn.SUCCESS:  # the reason is logged
            node.destroy_node()
            rclpy.try_shutdown()
            return 1
        node.trigger_activate()
    executor = rclpy.executors.SingleThreadedExecutor()
    executor.add_node(node)
    code = 0
    try:
        while not stop.is_set() and rclpy.ok():
            executor.spin_once(timeout_sec=0.1)
    except (KeyboardInterrupt, rclpy.executors.ExternalShutdownException):
        pass
    except BaseException as err:  # noqa: BLE001 - escaped the per-frame handling: never stay up silent
        node.get_logger().error(f"stopped by {type(err).__name__}: {' '.join(str(err).split())}; "
                                "exiting so that the node can be restarted (respawn)")
        code = 1
    finally:
        executor.remove_node(node)
        node.destroy_node()
        rclpy.try_shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
