"""Several cameras served by one network in one node.

``parse_input_topics(["/front/image_raw", "/rear/image_raw/compressed"])`` -> one ``CameraSpec`` per
topic (a topic ending in ``/compressed`` is a sensor_msgs/CompressedImage subscription, else
sensor_msgs/Image).  ``CameraSet(node, specs, net, ...)`` subscribes to each, publishes each camera's
results under its topic's namespace (``/front/poses``, ``/front/overlay``, ``/front/markers``) with
that camera's image header, and processes the frames with one ``FairFrameWorker`` (newest frame per
camera, cameras in turn) and one network; each camera has its own ``Pipeline`` (its own tracker and
smoother) around the shared ``PoseNet``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ..errors import PoseNetError
from ..video.rosbag import topic_namespace
from .camera_worker import FairFrameWorker


@dataclass(frozen=True)
class CameraSpec:
    topic: str
    compressed: bool
    namespace: str

    def output(self, name: str) -> str:
        return f"{self.namespace}/{name}" if self.namespace else name


def parse_input_topics(topics) -> list[CameraSpec]:
    """One spec per input topic; empty, repeated or namespace-sharing topics are a one-line error."""
    specs, seen = [], {}
    for topic in topics:
        topic = str(topic).strip()
        if not topic or topic.endswith("/"):
            raise PoseNetError(f"parameter input_topics: bad topic name {topic!r}")
        spec = CameraSpec(topic, topic.rstrip("/").endswith("/compressed"), topic_namespace(topic))
        if not spec.namespace:
            raise PoseNetError(f"parameter input_topics: {topic} has no namespace to publish its results under "
                               "(use e.g. /front/image_raw)")
        if spec.namespace in seen:
            raise PoseNetError(f"parameter input_topics: {seen[spec.namespace]} and {topic} share the namespace "
                               f"{spec.namespace}: their results would mix")
        seen[spec.namespace] = topic
        specs.append(spec)
    return specs


class Camera:
    """One camera's subscription, publishers and pipeline."""

    def __init__(self, node, spec: CameraSpec, pipeline, in_qos, out_qos, submit: Callable):
        from sensor_msgs.msg import CompressedImage, Image
        from visualization_msgs.msg import MarkerArray

        from jetson_pose_msgs.msg import Pose2DArray

        self.spec, self.pipeline = spec, pipeline
        self.poses_pub = node.create_publisher(Pose2DArray, spec.output("poses"), out_qos)
        self.overlay_pub = node.create_publisher(Image, spec.output("overlay"), out_qos)
        self.markers_pub = node.create_publisher(MarkerArray, spec.output("markers"), out_qos)
        self.sub = node.create_subscription(CompressedImage if spec.compressed else Image, spec.topic, submit, in_qos)


class CameraSet:
    """The cameras of ``specs`` on ``node``, one ``net`` for all (see the module doc).  ``options``:
    the pipeline/overlay options of every camera's Pipeline; ``settings()`` returns the node's
    current publish_overlay / publish_markers / marker_scale; ``on_record(latency_ms, process_ms,
    inference_ms)`` and ``on_error(exc)`` report to the node."""

    def __init__(self, node, specs: list[CameraSpec], net, options: dict, in_qos, out_qos,
                 settings: Callable[[], dict], on_error: Callable, on_record: Callable | None = None):
        from ..pipeline import Pipeline

        self.net = net
        self.settings = settings
        self.on_record = on_record
        self.worker = FairFrameWorker(len(specs), self._process, on_error)
        self.cameras = [Camera(node, spec, Pipeline(net=net, **options), in_qos, out_qos, self.worker.submitter(i))
                        for i, spec in enumerate(specs)]

    @property
    def lock(self):
        return self.worker.lock

    def set(self, name: str, value) -> None:
        """A runtime-changeable pipeline option, for every camera (hold ``lock``)."""
        for cam in self.cameras:
            cam.pipeline.set(name, value)

    def _process(self, items) -> None:
        for index, msg, received in items:
            self.process(self.cameras[index], msg, received)

    def process(self, cam: Camera, msg, received: float | None = None) -> None:
        """Process one image message of ``cam`` and publish its results."""
        from sensor_msgs.msg import CompressedImage

        from . import image_conversion as conv
        from .messages import frame_to_markers, frame_to_msg

        received = time.perf_counter() if received is None else received
        bgr = conv.compressed_to_bgr(msg) if isinstance(msg, CompressedImage) else conv.image_to_bgr(msg)
        t0 = time.perf_counter()
        stamp = msg.header.stamp
        frame = cam.pipeline.process(bgr, stamp.sec + stamp.nanosec * 1e-9)
        t1 = time.perf_counter()
        cam.poses_pub.publish(frame_to_msg(frame, msg.header, cam.pipeline.tracker is not None))
        published = time.perf_counter()
        s = self.settings()
        if s.get("publish_overlay") or cam.overlay_pub.get_subscription_count() > 0:
            image = bgr.copy() if not bgr.flags.writeable or bgr.base is not None else bgr
            cam.pipeline.draw(image, frame)
            cam.overlay_pub.publish(conv.bgr_to_image(image, "bgr8", header=msg.header))
        if s.get("publish_markers") or cam.markers_pub.get_subscription_count() > 0:
            cam.markers_pub.publish(frame_to_markers(frame, msg.header, self.net.topology.colors,
                                                     scale=s.get("marker_scale", 0.001)))
        if self.on_record is not None:
            self.on_record((published - received) * 1e3, (t1 - t0) * 1e3,
                           float(frame.timings.get("inference", (t1 - t0) * 1e3)))

    def stop(self) -> None:
        self.worker.stop()
