"""3D results -> ``jetson_pose_msgs/Pose3DArray``, ``visualization_msgs/MarkerArray`` (skeletons in
the depth optical frame) and ``tf2_msgs/TFMessage`` (a ``body_b<id>`` frame per tracked person).

``frame3d_to_msg`` builds rclpy messages, or, given ``msgs=`` (``video.rosbag.message_classes``),
rosbags messages for recordings without rclpy.  The others need rclpy's message packages.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..depth.identity import body_frame
from ..core.pose import PoseFrame


def _xyz(frame: PoseFrame) -> np.ndarray:
    if frame.xyz is None:
        return np.full((len(frame), frame.num_keypoints, 3), np.nan)
    return frame.xyz


def frame3d_to_msg(frame: PoseFrame, positions: np.ndarray, header, msgs=None):
    """A ``Pose3DArray``: ``header`` (the colour image's stamp, the depth image's frame_id), one
    ``Pose3D`` per pose in the frame's order (``index`` i, ``track_id``, ``position`` (NaN:
    unknown)) with one ``Keypoint3D`` per topology keypoint (found = found in the image AND a valid
    depth; else found false, NaN, score 0)."""
    if msgs is None:
        import jetson_pose_msgs.msg as msgs
        from geometry_msgs.msg import Point
    else:
        def Point(**kw):  # noqa: N802 - rosbags builds nested messages from dicts
            return kw
    Keypoint3D, Pose3D, Pose3DArray = msgs.Keypoint3D, msgs.Pose3D, msgs.Pose3DArray
    names = [str(n) for n in frame.keypoint_names]
    xyz = _xyz(frame)
    found = frame.found & np.isfinite(xyz).all(axis=-1)
    xyz_l, found_l, scores = xyz.tolist(), found.tolist(), frame.scores.tolist()
    pos = np.asarray(positions, np.float64).reshape(-1, 3).tolist() if len(frame) else []
    nan = float("nan")
    poses = []
    for i, tid in enumerate(frame.track_ids.tolist()):
        kps = [Keypoint3D(found=True, x=x, y=y, z=z, score=s) if f else
               Keypoint3D(found=False, x=nan, y=nan, z=nan, score=0.0)
               for (x, y, z), f, s in zip(xyz_l[i], found_l[i], scores[i])]
        px, py, pz = pos[i]
        poses.append(Pose3D(index=i, track_id=int(tid), position=Point(x=px, y=py, z=pz), keypoints=kps))
    return Pose3DArray(header=header, keypoint_names=names,
                       skeleton=[int(i) for link in frame.skeleton for i in link], poses=poses)


def frame3d_to_markers(frame: PoseFrame, header, colors: Sequence[Sequence[int]], point_size: float = 0.04,
                       line_width: float = 0.015):
    """Skeletons in 3D (metres, in ``header.frame_id``): DELETEALL, then per pose a LINE_LIST
    (namespace ``links_3d``: links whose two keypoints have a valid 3D point) and a SPHERE_LIST
    (``keypoints_3d``); marker ids are track IDs when tracking (untracked poses -1, -2, ...)."""
    from geometry_msgs.msg import Point
    from std_msgs.msg import ColorRGBA
    from visualization_msgs.msg import Marker, MarkerArray

    def rgba(k: int) -> ColorRGBA:
        if not colors:
            return ColorRGBA(r=0.0, g=1.0, b=0.0, a=1.0)
        r, g, b, a = (list(colors[k % len(colors)]) + [255])[:4]
        return ColorRGBA(r=r / 255.0, g=g / 255.0, b=b / 255.0, a=a / 255.0)

    def marker(ns: str, marker_id: int, kind: int) -> Marker:
        m = Marker()
        m.header, m.ns, m.id, m.type, m.action = header, ns, marker_id, kind, Marker.ADD
        m.pose.orientation.w = 1.0
        m.color = ColorRGBA(r=1.0, g=1.0, b=1.0, a=1.0)
        return m

    clear = Marker()
    clear.header, clear.action = header, Marker.DELETEALL
    out = [clear]
    xyz = _xyz(frame)
    valid = np.isfinite(xyz).all(axis=-1)
    tracked = (frame.track_ids >= 0).any()
    for i, tid in enumerate(frame.track_ids.tolist()):
        mid = (tid if tid >= 0 else -1 - i) if tracked else i
        pts = xyz[i].tolist()
        links = marker("links_3d", mid, Marker.LINE_LIST)
        links.scale.x = line_width
        for a, b in frame.skeleton:
            if valid[i, a] and valid[i, b]:
                links.points += [Point(x=pts[a][0], y=pts[a][1], z=pts[a][2]),
                                 Point(x=pts[b][0], y=pts[b][1], z=pts[b][2])]
                links.colors += [rgba(b), rgba(b)]
        spheres = marker("keypoints_3d", mid, Marker.SPHERE_LIST)
        spheres.scale.x = spheres.scale.y = spheres.scale.z = point_size
        for k in np.flatnonzero(valid[i]).tolist():
            spheres.points.append(Point(x=pts[k][0], y=pts[k][1], z=pts[k][2]))
            spheres.colors.append(rgba(k))
        out += [m for m in (links, spheres) if m.points]
    return MarkerArray(markers=out)


def body_transforms(frame: PoseFrame, positions: np.ndarray, header):
    """``tf2_msgs/TFMessage``: ``body_b<track_id>`` at the torso centre (identity rotation), child of
    ``header.frame_id`` (the depth optical frame), for each tracked pose with a finite position."""
    from geometry_msgs.msg import TransformStamped
    from tf2_msgs.msg import TFMessage   # optional ROS package: imported lazily, only for /tf

    transforms = []
    for tid, p in zip(frame.track_ids.tolist(), np.asarray(positions, np.float64).reshape(-1, 3).tolist()):
        if tid < 0 or not all(np.isfinite(p)):
            continue
        t = TransformStamped()
        t.header = header
        t.child_frame_id = body_frame(tid)
        t.transform.translation.x, t.transform.translation.y, t.transform.translation.z = p
        t.transform.rotation.w = 1.0
        transforms.append(t)
    return TFMessage(transforms=transforms)
