"""Poses as ``vision_msgs/Detection2DArray`` (the de-facto interface of ROS perception tools).

One Detection2D per pose: ``bbox`` = centre + size of the pose's box (image pixels), one
hypothesis with ``class_id`` = ``person`` or ``hand`` and ``score`` = the pose score, ``id`` = the
track id as text ("" when not tracked), header = the input image's.  vision_msgs is optional:
:func:`available` says whether it can be imported.
"""
from __future__ import annotations

from typing import Sequence


def available() -> tuple[bool, str]:
    """(True, "") when vision_msgs imports, else (False, the reason)."""
    try:
        import vision_msgs.msg  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - ImportError, or a missing shared library
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


def object_class(network: str) -> str:
    """``hand`` for the hand networks (resnet18-hand, mediapipe-hand, ...), else ``person``."""
    return "hand" if "hand" in str(network).lower() else "person"


def to_detections(header, boxes: Sequence[Sequence[float]], scores: Sequence[float],
                  track_ids: Sequence[int], class_id: str, msgs=None):
    """A ``vision_msgs/Detection2DArray`` from per-pose boxes (left, top, right, bottom), pose
    scores and track ids (< 0: not tracked).  ``msgs``: where the message classes come from
    (default ``vision_msgs.msg``; recordings pass ``video.rosbag.message_classes``, no rclpy)."""
    if msgs is None:
        import vision_msgs.msg as msgs
    Detection2D, Detection2DArray, ObjectHypothesisWithPose = (msgs.Detection2D, msgs.Detection2DArray,
                                                               msgs.ObjectHypothesisWithPose)

    out = Detection2DArray(header=header)
    detections = []
    for (left, top, right, bottom), score, track in zip(boxes, scores, track_ids):
        d = Detection2D(header=header, id=str(int(track)) if track >= 0 else "")
        d.bbox.center.position.x = (left + right) * 0.5
        d.bbox.center.position.y = (top + bottom) * 0.5
        d.bbox.size_x = float(right - left)
        d.bbox.size_y = float(bottom - top)
        hyp = ObjectHypothesisWithPose()
        hyp.hypothesis.class_id = class_id
        hyp.hypothesis.score = float(score)
        d.results = [hyp]
        detections.append(d)
    out.detections = detections
    return out
