"""Several cameras served by one network in one node (the ``input_topics`` parameter).

``parse_input_topics("/front/image_raw, /rear/image_raw/compressed")`` -> one ``CameraSpec`` per topic
(a topic ending in ``/compressed`` is a sensor_msgs/CompressedImage subscription, else sensor_msgs/Image).
The node gives each camera a ``Camera``: its subscription, its own ``Pipeline`` around the node's one
``PoseNet`` (so tracking and smoothing stay per camera) and its publishers under the topic's namespace
(``/front/poses``, ``/front/detections``, ``/front/overlay``, ``/front/markers``).

Scheduling: the subscription callbacks only hand each camera's newest message to a
``FairFrameWorker`` (``camera_worker.py``), whose one thread serves the cameras in turn: a fast camera
cannot starve a slow one (between two frames of one camera, every other camera with a frame waiting
gets one processed), whatever order the executor delivers messages in (the guarantee is the worker's
and tested deterministically, not an executor's implementation detail).

Frames are inferred one at a time: batching two cameras' frames was 2.7% faster per frame in one run and
10.2% slower in another on mobilenet-body (ONNX Runtime CPU), no gain, and the other networks' models take a batch of 1
(docs/investigations.md, batches of frames).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import PoseNetError
from ..io.rosbag import topic_namespace


@dataclass(frozen=True)
class CameraSpec:
    topic: str
    compressed: bool
    namespace: str

    def output(self, name: str) -> str:
        return f"{self.namespace}/{name}"


def parse_input_topics(text) -> list[CameraSpec]:
    """One spec per topic of a comma-separated string (or a list); empty, repeated or
    namespace-sharing topics are a one-line ``PoseNetError``."""
    topics = [t.strip() for t in (text.split(",") if isinstance(text, str) else text)]
    specs, seen = [], {}
    for topic in topics:
        if not topic or topic.endswith("/") or " " in topic:
            raise PoseNetError(f"parameter input_topics: bad topic name {topic!r} (comma-separated topics, "
                               "e.g. /front/image_raw,/rear/image_raw/compressed)")
        spec = CameraSpec(topic, topic.endswith("/compressed"), topic_namespace(topic))
        if not spec.namespace:
            raise PoseNetError(f"parameter input_topics: {topic} has no namespace to publish its results under "
                               "(use e.g. /front/image_raw)")
        if spec.namespace in seen:
            raise PoseNetError(f"parameter input_topics: {seen[spec.namespace]} and {topic} share the namespace "
                               f"{spec.namespace}: their results would mix")
        seen[spec.namespace] = topic
        specs.append(spec)
    return specs


@dataclass
class Camera:
    """One camera of the node: what it subscribes, its pipeline and its publishers (the attribute
    names are the node's own, so the node processes a frame the same way for either)."""

    spec: CameraSpec
    pipeline: object
    poses_pub: object = None
    detections_pub: object = None
    overlay_pub: object = None
    markers_pub: object = None
    sub: object = None

    @property
    def publishers(self) -> list:
        return [p for p in (self.poses_pub, self.detections_pub, self.overlay_pub, self.markers_pub) if p is not None]
