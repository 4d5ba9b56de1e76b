"""``gestures:=true``: each frame's gesture labels on ``gestures`` (jetson_pose_msgs/GestureArray),
beside ``poses``, with the same header and one entry per pose in the same order.

The labels come from the pipeline's gestures stage (``frame.attributes[i]["gesture"]`` etc., see
``gestures/frame.py``); this module only turns them into messages, so it needs nothing but the
message classes.  Identity: a tracked body is ``b<track_id>`` (the REP-155 body ID of ``hri:=true``),
a tracked hand ``h<track_id>``; an untracked pose has ``id`` "" and its labels are per frame.
"""
from __future__ import annotations

from geometry_msgs.msg import Vector3
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

import jetson_pose_msgs.msg as pose_msgs
from jetson_pose_msgs.msg import GestureArray

from .extensions import NodeExtension

HAND_KEYPOINTS = 21


def pose_id(track_id: int, num_keypoints: int) -> str:
    """``"b12"`` / ``"h12"`` for a tracked body / hand, ``""`` for an untracked pose."""
    if track_id < 0:
        return ""
    return f"{'h' if num_keypoints == HAND_KEYPOINTS else 'b'}{int(track_id)}"


def frame_to_gestures(frame, header, msgs=None):
    """A ``jetson_pose_msgs/GestureArray`` of the frame's gesture attributes (header: the image's)."""
    msgs = pose_msgs if msgs is None else msgs
    out = msgs.GestureArray(header=header)
    k = frame.num_keypoints
    for i, (attrs, tid) in enumerate(zip(frame.attributes, frame.track_ids.tolist())):
        g = msgs.Gesture(index=i, track_id=int(tid), id=pose_id(tid, k))
        gesture = attrs.get("gesture") or {}
        g.label, g.score = str(gesture.get("label", "")), float(gesture.get("score", 0.0))
        direction = gesture.get("direction")
        if direction is not None:
            g.has_direction = True
            g.direction = Vector3(x=float(direction[0]), y=float(direction[1]), z=0.0)
        for key in ("posture", "motion"):
            item = attrs.get(key)
            if item:
                setattr(g, key, str(item["label"]))
                setattr(g, f"{key}_score", float(item["score"]))
        out.gestures.append(g)
    return out


class GestureOutput(NodeExtension):
    """Publishes ``gestures`` (a data output: a subscriber keeps a lazy node processing)."""

    name = "gestures"

    def __init__(self):
        self.pub = None

    def configure(self, node, outputs) -> bool:
        if node.pipeline is None or node.pipeline.gestures is None:
            node.get_logger().warning("gestures: the pipeline has no gestures stage; no gestures topic")
            return False
        self.outputs = outputs
        reliable = node.params.get("output_reliability", "reliable") == "reliable"   # as poses
        qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=5, durability=DurabilityPolicy.VOLATILE,
                         reliability=ReliabilityPolicy.RELIABLE if reliable else ReliabilityPolicy.BEST_EFFORT)
        self.pub = outputs.create(GestureArray, "gestures", qos)
        return True

    def on_result(self, frame, header, image) -> None:
        if self.pub is not None:
            self.pub.publish(frame_to_gestures(frame, header))

    def release(self, node) -> None:
        if self.pub is not None:
            self.outputs.destroy(self.pub)
            self.pub = None
