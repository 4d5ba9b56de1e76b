"""PoseNet results -> jetson_pose_msgs/Pose2DArray and visualization_msgs/MarkerArray (and back)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..core.pose import ObjectPose, PoseFrame
from ..pipeline.serialize import pose_dicts


def frame_to_msg(frame: PoseFrame, header, msgs=None):
    """Build a ``jetson_pose_msgs/Pose2DArray`` from a frame; ``header`` is the input image's
    (stamp, frame_id).  Each pose has one Keypoint per topology keypoint (not found: ``found``
    false, x = y = NaN, score 0), its per-frame ``index`` and its ``track_id`` (-1: not tracked);
    the skeleton is sent once, as pairs of keypoint ids.  ``msgs``: where the message classes come
    from (default ``jetson_pose_msgs.msg``; recordings pass ``video.rosbag.message_classes``, no rclpy)."""
    if msgs is None:
        import jetson_pose_msgs.msg as msgs
    KeypointMsg, ObjectPoseMsg, Pose2DArray = msgs.Keypoint, msgs.ObjectPose, msgs.Pose2DArray

    names = [str(n) for n in frame.keypoint_names]
    out = Pose2DArray(header=header, network=str(frame.network), keypoint_names=names,
                      skeleton=[int(i) for link in frame.skeleton for i in link])
    out.image_width, out.image_height = (int(v) for v in frame.image_size)
    if not len(frame):
        return out
    ids = {n: i for i, n in enumerate(names)}
    # plain Python floats once per frame (NaN for a keypoint not found, score 0)
    xy, scores = frame.xy.tolist(), frame.scores.tolist()
    boxes, pose_scores, track_ids = frame.boxes.tolist(), frame.pose_scores.tolist(), frame.track_ids.tolist()
    msgs = []
    for i, attrs in enumerate(frame.attributes):
        derived = {ids[n] for n in attrs.get("derived_keypoints", ()) if n in ids}
        left, top, right, bottom = boxes[i]
        msgs.append(ObjectPoseMsg(
            index=i, track_id=int(track_ids[i]), score=pose_scores[i], left=left, top=top, right=right,
            bottom=bottom, handedness=str(attrs.get("handedness", "")),
            handedness_score=float(attrs.get("handedness_score", 0.0)),
            keypoints=[KeypointMsg(found=x == x, x=x, y=y, score=s, derived=k in derived)
                       for k, ((x, y), s) in enumerate(zip(xy[i], scores[i]))]))
    out.poses = msgs
    return out


def msg_to_frame(msg) -> PoseFrame:
    """The inverse of :func:`frame_to_msg` (for subscribers that want the library's types)."""
    names = list(msg.keypoint_names)
    flat = list(msg.skeleton)
    skeleton = [(int(flat[i]), int(flat[i + 1])) for i in range(0, len(flat) - 1, 2)]
    attributes = []
    for p in msg.poses:
        attrs = {}
        if p.handedness:
            attrs.update(handedness=p.handedness, handedness_score=float(p.handedness_score))
        derived = [names[k] for k, kp in enumerate(p.keypoints) if kp.derived and kp.found and k < len(names)]
        if derived:
            attrs["derived_keypoints"] = derived
        attributes.append(attrs)
    n, k = len(msg.poses), len(names)
    xy, scores = np.full((n, k, 2), np.nan), np.zeros((n, k))
    for i, p in enumerate(msg.poses):
        for j, kp in enumerate(p.keypoints[:k]):
            if kp.found:
                xy[i, j], scores[i, j] = (kp.x, kp.y), kp.score
    return PoseFrame(xy, scores, [[p.left, p.top, p.right, p.bottom] for p in msg.poses],
                     [p.score for p in msg.poses], [p.track_id for p in msg.poses], attributes,
                     image_size=(msg.image_width, msg.image_height), network=msg.network,
                     keypoint_names=names, skeleton=skeleton)


def msg_to_poses(msg) -> list[ObjectPose]:
    """The poses of a Pose2DArray as the library's ``ObjectPose`` objects (found keypoints only,
    links between them), e.g. to call ``PoseNet.overlay`` in a subscriber."""
    return msg_to_frame(msg).poses()


def pose_msg_to_dict(msg) -> dict:
    """A Pose2DArray as plain JSON-able data (the same serialiser as the CLI's JSON lines)."""
    head = {"stamp": {"sec": int(msg.header.stamp.sec), "nanosec": int(msg.header.stamp.nanosec)},
            "frame_id": msg.header.frame_id, "network": msg.network, "image_width": int(msg.image_width),
            "image_height": int(msg.image_height), "keypoint_names": list(msg.keypoint_names)}
    return {**head, "poses": pose_dicts(msg_to_frame(msg))}


def frame_to_markers(frame: PoseFrame, header, colors: Sequence[Sequence[int]], scale: float = 0.001,
                     point_size_px: float = 6.0, line_width_px: float = 3.0, lifetime_s: float = 0.0):
    """Skeletons as a ``visualization_msgs/MarkerArray`` in the image's frame.

    rviz has no 2D image-marker display, so keypoints are placed at ``(x*scale, y*scale, 0)`` in
    ``header.frame_id``: with a camera optical frame (x right, y down) the skeleton appears as drawn
    on the image, ``scale`` metres per pixel.  The first marker is DELETEALL so that people who left
    the scene disappear; then per pose one LINE_LIST (namespace "links", the skeleton's links whose
    two ends were found) and one SPHERE_LIST (namespace "keypoints", the found keypoints), coloured
    with the topology's keypoint colours (a link: its second end's).  Marker ids are the poses'
    indices; when tracking, their track IDs (so rviz keeps a person's marker), and poses of
    unconfirmed tracks get ids -1, -2, ... (unique, never a track's).
    """
    from builtin_interfaces.msg import Duration
    from geometry_msgs.msg import Point
    from std_msgs.msg import ColorRGBA
    from visualization_msgs.msg import Marker, MarkerArray

    def rgba(kp_id: int) -> ColorRGBA:
        if not colors:
            return ColorRGBA(r=0.0, g=1.0, b=0.0, a=1.0)
        r, g, b, a = (list(colors[kp_id % len(colors)]) + [255])[:4]
        return ColorRGBA(r=r / 255.0, g=g / 255.0, b=b / 255.0, a=a / 255.0)

    def point(p) -> Point:
        return Point(x=p[0], y=p[1], z=0.0)

    life = Duration(sec=int(lifetime_s), nanosec=int((lifetime_s % 1) * 1e9))
    clear = Marker()
    clear.header = header
    clear.action = Marker.DELETEALL
    markers = [clear]

    def new_marker(ns: str, marker_id: int, kind: int):
        m = Marker()
        m.header, m.ns, m.id, m.type, m.action, m.lifetime = header, ns, marker_id, kind, Marker.ADD, life
        m.pose.orientation.w = 1.0
        return m

    tracked = bool((frame.track_ids >= 0).any())
    found = frame.found
    for i in range(len(frame)):
        track = int(frame.track_ids[i])
        marker_id = (track if track >= 0 else -1 - i) if tracked else i
        xy = {int(k): (float(frame.xy[i, k, 0]) * scale, float(frame.xy[i, k, 1]) * scale)
              for k in np.flatnonzero(found[i])}
        links = new_marker("links", marker_id, Marker.LINE_LIST)
        links.scale.x = line_width_px * scale
        for a, b in frame.skeleton:
            if a in xy and b in xy:
                links.points.extend([point(xy[a]), point(xy[b])])
                links.colors.extend([rgba(b), rgba(b)])
        links.color = ColorRGBA(r=1.0, g=1.0, b=1.0, a=1.0)
        kps = new_marker("keypoints", marker_id, Marker.SPHERE_LIST)
        kps.scale.x = kps.scale.y = kps.scale.z = point_size_px * scale
        kps.points = [point(p) for p in xy.values()]
        kps.colors = [rgba(k) for k in xy]
        kps.color = ColorRGBA(r=1.0, g=1.0, b=1.0, a=1.0)
        if links.points:
            markers.append(links)
        markers.append(kps)
    return MarkerArray(markers=markers)
