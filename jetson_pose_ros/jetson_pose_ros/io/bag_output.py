"""Pose results written as a recording, with ``rosbags`` (no ROS installation needed):

* ``out.mcap``                          one MCAP file;
* ``rosbag2://out_dir``                 a rosbag2 directory, MCAP storage
  (``rosbag2://out_dir?storage=sqlite3`` for sqlite3).

Per frame: ``jetson_pose_msgs/Pose2DArray`` on ``NS/poses``, and optionally the overlay as
``sensor_msgs/CompressedImage`` (JPEG) on ``NS/overlay/compressed`` and ``vision_msgs/Detection2DArray``
on ``NS/detections`` (needs vision_msgs' .msg files, see ``rosbag.msg_dir``); with ``depth`` (people
in 3D) ``jetson_pose_msgs/Pose3DArray`` on ``NS/poses_3d`` for the frames lifted with depth (``frame.xyz``).  Every message has the
source image's header (stamp, frame_id) and is recorded at the source message's recording time, so the
result replays next to the original (``ros2 bag play``) or opens in Foxglove.  ``NS`` is the namespace
of the input image topic (``/camera/image_raw`` -> ``/camera``), or ``namespace``.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import cv2

from ..core.capture import Capture
from ..core.errors import InputError
from ..core.pose import PoseFrame
from ..depth.position import person_positions
from ..msgs.detections import object_class, to_detections   # rclpy-free with msgs=
from ..msgs.messages import frame_to_msg
from ..msgs.messages3d import frame3d_to_msg
from ..pipeline.sinks import Sink
from . import rosbag

POSES = "jetson_pose_msgs/msg/Pose2DArray"
POSES_3D = "jetson_pose_msgs/msg/Pose3DArray"
COMPRESSED = "sensor_msgs/msg/CompressedImage"
DETECTIONS = "vision_msgs/msg/Detection2DArray"
STORAGES = ("mcap", "sqlite3")


def is_bag_output(uri: str | None) -> bool:
    return bool(uri) and (uri.startswith(rosbag.SCHEME) or Path(uri).suffix.lower() == ".mcap")


class BagSink(Sink):
    """``write(frame, capture)`` records one frame's messages; ``close()`` finishes the file."""

    def __init__(self, uri: str, namespace: str | None = None, topic: str | None = None, overlay: bool = False,
                 detections: bool = False, quality: int = 90, depth: bool = False):
        rosbag._rosbags()
        from rosbags.rosbag2 import StoragePlugin, Writer

        parts = urlsplit(uri) if uri.startswith(rosbag.SCHEME) else None
        storage = (parse_qs(parts.query).get("storage", ["mcap"])[0] if parts else "mcap").lower()
        if storage not in STORAGES:
            raise InputError(f"{uri}: unknown rosbag2 storage '{storage}' (valid: {', '.join(STORAGES)})")
        if parts is not None:
            self.path = Path(parts.netloc + parts.path)
            if self.path.exists():
                raise InputError(f"{self.path}: already exists (a rosbag2 output must be a new directory)")
            self._tmp, bag_dir = None, self.path
        else:                         # one .mcap: written as a bag in a temporary folder, moved on close
            self.path = Path(uri)
            if self.path.is_dir():
                raise InputError(f"{uri}: is a directory")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.stem}-", dir=self.path.parent))
            bag_dir = self._tmp / "bag"
        packages = ("jetson_pose_msgs", "vision_msgs") if detections else ("jetson_pose_msgs",)
        try:
            self.ts = rosbag.typestore(packages)
        except InputError:
            self._cleanup()
            raise
        self.writer = Writer(bag_dir, version=9, storage_plugin=StoragePlugin.MCAP if storage == "mcap"
                             else StoragePlugin.SQLITE3)
        self.writer.open()
        ns = rosbag.topic_namespace(topic) if namespace is None else "/" + namespace.strip("/") if namespace.strip("/") \
            else ""
        self.topics = {"poses": f"{ns}/poses"}
        if overlay:
            self.topics["overlay"] = f"{ns}/overlay/compressed"
        if detections:
            self.topics["detections"] = f"{ns}/detections"
        if depth:
            self.topics["poses_3d"] = f"{ns}/poses_3d"
        types = {"poses": POSES, "overlay": COMPRESSED, "detections": DETECTIONS, "poses_3d": POSES_3D}
        self.conns = {k: self.writer.add_connection(t, types[k], typestore=self.ts) for k, t in self.topics.items()}
        self.quality = int(quality)
        self.frames = 0
        self.pose_msgs = rosbag.message_classes(self.ts, "jetson_pose_msgs")
        self.vision_msgs = rosbag.message_classes(self.ts, "vision_msgs") if detections else None

    def _write(self, key: str, typename: str, msg, log_time: int) -> None:
        self.writer.write(self.conns[key], log_time, self.ts.serialize_cdr(msg, typename))

    def _header(self, capture: Capture, frame_id: str):
        return rosbag.build(self.ts, "std_msgs/msg/Header", {"stamp": rosbag.stamp_fields(capture.stamp),
                                                             "frame_id": frame_id})

    def write(self, frame: PoseFrame | None, capture: Capture) -> None:
        """The frame's messages, each with the capture's header and recorded at its recording time;
        ``frame`` None: the overlay only."""
        log_time = capture.log_time
        header = self._header(capture, capture.frame_id)
        if frame is not None:
            self._write("poses", POSES, frame_to_msg(frame, header, msgs=self.pose_msgs), log_time)
            if "detections" in self.conns:
                self._write("detections", DETECTIONS, to_detections(
                    header, frame.boxes.tolist(), frame.pose_scores.tolist(), frame.track_ids.tolist(),
                    object_class(frame.network), msgs=self.vision_msgs), log_time)
        if "overlay" in self.conns:
            ok, buf = cv2.imencode(".jpg", capture.image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
            if ok:
                self._write("overlay", COMPRESSED, rosbag.build(self.ts, COMPRESSED, {
                    "header": header, "format": "bgr8; jpeg compressed bgr8", "data": buf.reshape(-1)}), log_time)
        if frame is not None and frame.xyz is not None and "poses_3d" in self.conns:
            self._write_3d(frame, capture, log_time)
        self.frames += 1

    def _write_3d(self, frame: PoseFrame, capture: Capture, log_time: int) -> None:
        """``NS/poses_3d`` (Pose3DArray) of a frame lifted with depth: the colour image's stamp and
        recording time, the depth image's frame_id (``capture.depth_frame_id``: the coordinates'
        optical frame)."""
        positions = person_positions(frame.xyz, frame.keypoint_names)
        header = self._header(capture, capture.depth_frame_id)
        self._write("poses_3d", POSES_3D, frame3d_to_msg(frame, positions, header, msgs=self.pose_msgs), log_time)

    def _cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def close(self) -> None:
        writer, self.writer = getattr(self, "writer", None), None
        if writer is None:
            return
        try:
            writer.close()
            if self._tmp is not None:
                written = next((self._tmp / "bag").glob("*.mcap"))
                written.replace(self.path)
        finally:
            self._cleanup()
