"""People in 3D in the node (``depth_topic`` set): a ``NodeExtension`` around ``depth.DepthLifter``.

Inputs (subscribed with the image input, so they follow the lazy rule and ``~/enable``):
``depth_topic`` (sensor_msgs/Image 16UC1/mono16 mm or 32FC1 m, aligned to the colour image) and
``camera_info_topic`` (default: the depth topic's sibling ``camera_info``), KEEP_LAST 10 with the
input's reliability (a depth image must still be queued when its colour frame's inference ends).

Outputs, for every colour frame with a depth image within ``sync_slop`` (none for a frame without):

* ``poses_3d`` (jetson_pose_msgs/Pose3DArray, beside ``poses``): the colour image's stamp, the depth
  image's frame_id, the poses in the same count and order as ``poses``;
* ``markers_3d`` (visualization_msgs/MarkerArray; while it has a subscriber or ``publish_markers``):
  the skeletons in the depth optical frame;
* ``/tf`` (tf2_msgs/TFMessage): ``body_b<track_id>`` at the torso centre, child of the depth optical
  frame, for tracked people (track:=true) with a known position.  Not a data output: a TF listener
  is no reason to run the network.

``target_frame`` needs ``tf2_ros`` (a ROS 2 distribution's; PyPI has none): where it is missing the
node says so in one diagnostic line and everything stays in the optical frame; where it is there,
``poses_3d`` and ``markers_3d`` are transformed into it (the latest transform; on a failed lookup
they are published in the optical frame and the diagnostics say why).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from diagnostic_msgs.msg import DiagnosticStatus, KeyValue
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header
from visualization_msgs.msg import MarkerArray

from jetson_pose_msgs.msg import Pose3DArray

from ..depth.lifter import DepthLifter, Lifted
from ..depth.settings import DepthSettings, camera_info_topic
from ..core.errors import PoseNetError
from .extensions import NodeExtension
from ..msgs.messages3d import body_transforms, frame3d_to_markers, frame3d_to_msg

DEPTH_QUEUE = 10


def transform_points(xyz: np.ndarray, transform) -> np.ndarray:
    """(..., 3) points through a ``geometry_msgs/Transform`` (rotation quaternion, then translation)."""
    q, t = transform.rotation, transform.translation
    x, y, z, w = q.x, q.y, q.z, q.w
    r = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                  [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                  [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])
    return np.asarray(xyz, np.float64) @ r.T + np.array([t.x, t.y, t.z])


class Depth3D(NodeExtension):
    name = "people in 3D"

    def __init__(self, params: dict):
        self.params = params
        self.lifter: DepthLifter | None = None
        self.node = self.outputs = None
        self.poses_pub = self.markers_pub = self.tf_pub = None
        self.depth_sub = self.info_sub = None
        self.notes: list[str] = []                 # standing one-line notes for the diagnostics
        self.tf_buffer = self._tf_listener = None
        self.last_error: str | None = None

    # ------------------------------------------------------------------ set-up
    def configure(self, node, outputs) -> bool:
        p = self.params
        log = node.get_logger()
        try:
            settings = DepthSettings(p["depth_window"], p["min_depth"], p["max_depth"])
            self.info_topic = camera_info_topic(p["depth_topic"], p["camera_info_topic"])
            self.lifter = DepthLifter(settings, p["sync_slop"])
        except PoseNetError as err:
            log.error(f"{self.name}: {err}; no 3D outputs")
            return False
        self.node, self.outputs = node, outputs
        reliable = p["output_reliability"] == "reliable"         # as poses: depth 5
        qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=5, durability=DurabilityPolicy.VOLATILE,
                         reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT)
        self.poses_pub = outputs.create(Pose3DArray, "poses_3d", qos)
        self.markers_pub = outputs.create(MarkerArray, "markers_3d", qos)
        try:
            from tf2_msgs.msg import TFMessage   # optional ROS package: lazily, /tf only where it exists
        except ImportError as err:
            self._note(log, f"tf2_msgs is not installed ({err}): no /tf body frames; poses_3d and markers_3d are "
                            "published (bash scripts/setup_ros.sh installs it)")
        else:
            self.tf_pub = node.create_publisher(TFMessage, "/tf", QoSProfile(depth=100))
        if p["target_frame"]:
            try:
                from tf2_ros import Buffer, TransformListener   # optional ROS package (lazy)
            except ImportError:
                self._note(log, f"target_frame '{p['target_frame']}' needs tf2_ros, which is not installed (a ROS 2 "
                                "distribution has it; PyPI does not): poses_3d and markers_3d stay in the depth "
                                "optical frame")
            else:
                self.tf_buffer = Buffer()
                self._tf_listener = TransformListener(self.tf_buffer, node)
        log.info(f"{self.name}: depth {node.resolve_topic_name(p['depth_topic'])}, camera_info "
                 f"{node.resolve_topic_name(self.info_topic)}, sync_slop {p['sync_slop']:g} s -> "
                 f"{self.poses_pub.topic_name}, {self.markers_pub.topic_name}"
                 + (", /tf body_b<id>" if self.tf_pub is not None else ""))
        return True

    def _note(self, log, text: str) -> None:
        self.notes.append(text)
        log.warning(text)

    def subscribe(self, node, qos) -> None:
        queue = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=DEPTH_QUEUE, reliability=qos.reliability,
                           durability=qos.durability)
        self.depth_sub = node.create_subscription(Image, self.params["depth_topic"], self._on_depth, queue)
        self.info_sub = node.create_subscription(CameraInfo, self.info_topic, self.lifter.add_camera_info, queue)

    def unsubscribe(self, node) -> None:
        for name in ("depth_sub", "info_sub"):
            sub = getattr(self, name)
            if sub is not None:
                node.destroy_subscription(sub)
                setattr(self, name, None)

    def release(self, node) -> None:
        self.unsubscribe(node)
        for name in ("poses_pub", "markers_pub"):
            pub = getattr(self, name)
            if pub is not None:
                self.outputs.destroy(pub)
                setattr(self, name, None)
        if self.tf_pub is not None:
            node.destroy_publisher(self.tf_pub)
            self.tf_pub = None

    # ------------------------------------------------------------------ frames
    def on_result(self, frame, header, image) -> None:
        self._publish(self.lifter.add_color(frame, header, payload=header))

    def _on_depth(self, msg) -> None:
        try:
            self._publish(self.lifter.add_depth(msg))
        except Exception as err:  # noqa: BLE001 - a bad depth message never ends the node
            self.last_error = " ".join(str(err).split()) or type(err).__name__
            self.node.get_logger().warning(f"{self.name}: {self.last_error}", throttle_duration_sec=5.0)

    def _publish(self, decided: list[Lifted]) -> None:
        log = self.node.get_logger()
        while self.lifter.notes:
            log.info(f"{self.name}: {self.lifter.notes.pop(0)}")
        for item in decided:
            if not item.lifted or self.poses_pub is None:
                continue
            frame, positions = item.frame, item.positions
            optical = Header(stamp=item.payload.stamp, frame_id=item.depth_frame_id)
            if self.tf_pub is not None and (frame.track_ids >= 0).any():
                self.tf_pub.publish(body_transforms(frame, positions, optical))
            header = optical
            if self.tf_buffer is not None:
                frame, positions, header = self._to_target(frame, positions, optical)
            self.poses_pub.publish(frame3d_to_msg(frame, positions, header))
            if self.node.publish_markers or self.markers_pub.get_subscription_count() > 0:
                colors = self.node.net.topology.colors if self.node.net is not None else []
                self.markers_pub.publish(frame3d_to_markers(frame, header, colors))

    def _to_target(self, frame, positions, header):
        """The frame's points in ``target_frame`` (tf2_ros present), or unchanged with a note."""
        target = self.params["target_frame"]
        try:
            tf = self.tf_buffer.lookup_transform(target, header.frame_id, _latest())
        except Exception as err:  # noqa: BLE001 - tf2 raises several kinds; all mean "not now"
            self.last_error = f"target_frame {target}: no transform from {header.frame_id} ({type(err).__name__})"
            return frame, positions, header
        frame = replace(frame, xyz=transform_points(frame.xyz, tf.transform))
        return frame, transform_points(positions, tf.transform), Header(stamp=header.stamp, frame_id=target)

    # ------------------------------------------------------------------ diagnostics
    def statuses(self) -> list:
        if self.lifter is None or self.node is None:
            return []
        st = self.lifter.status()
        values = dict(st.values)
        message = st.message
        level = st.level
        notes = self.notes + ([self.last_error] if self.last_error else [])
        if notes:
            values["notes"] = " | ".join(notes)
            if level == 0:
                level, message = 1, notes[0]
        return [DiagnosticStatus(level=bytes([level]), name=f"{self.node.get_name()}: depth",
                                 message=message, hardware_id=self.node.get_fully_qualified_name(),
                                 values=[KeyValue(key=k, value=str(v)) for k, v in values.items()])]


def _latest():
    from rclpy.time import Time

    return Time()
