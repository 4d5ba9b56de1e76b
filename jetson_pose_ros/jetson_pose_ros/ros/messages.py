"""PoseNet results -> jetson_pose_msgs/Pose2DArray and visualization_msgs/MarkerArray (and back)."""
from __future__ import annotations

from typing import Sequence

from ..pose import Keypoint, ObjectPose


def poses_to_msg(poses: Sequence[ObjectPose], header, network: str, width: int, height: int,
                 keypoint_names: Sequence[str]):
    """Build a ``jetson_pose_msgs/Pose2DArray``; ``header`` is the input image's (stamp, frame_id)."""
    from jetson_pose_msgs.msg import Keypoint as KeypointMsg
    from jetson_pose_msgs.msg import ObjectPose as ObjectPoseMsg
    from jetson_pose_msgs.msg import Pose2DArray

    out = Pose2DArray()
    out.header = header
    out.network = str(network)
    out.image_width = int(width)
    out.image_height = int(height)
    out.keypoint_names = [str(n) for n in keypoint_names]
    msgs = []
    for pose in poses:
        p = ObjectPoseMsg()
        p.id = int(pose.id)
        p.score = float(pose.score)
        p.left, p.top, p.right, p.bottom = (float(pose.left), float(pose.top),
                                            float(pose.right), float(pose.bottom))
        p.keypoints = [KeypointMsg(id=int(k.id), name=str(k.name), x=float(k.x), y=float(k.y),
                                   score=float(k.score)) for k in pose.keypoints]
        p.links = [int(i) for link in pose.links for i in link]
        msgs.append(p)
    out.poses = msgs
    return out


def msg_to_poses(msg) -> list[ObjectPose]:
    """The inverse of :func:`poses_to_msg` (for subscribers that want the library's types)."""
    poses = []
    for p in msg.poses:
        kps = [Keypoint(int(k.id), float(k.x), float(k.y), float(k.score), str(k.name)) for k in p.keypoints]
        flat = list(p.links)
        links = [(int(flat[i]), int(flat[i + 1])) for i in range(0, len(flat) - 1, 2)]
        poses.append(ObjectPose(int(p.id), kps, links, float(p.score), float(p.left), float(p.top),
                                float(p.right), float(p.bottom)))
    return poses


def pose_msg_to_dict(msg) -> dict:
    """A Pose2DArray as plain JSON-able data."""
    return {
        "stamp": {"sec": int(msg.header.stamp.sec), "nanosec": int(msg.header.stamp.nanosec)},
        "frame_id": msg.header.frame_id,
        "network": msg.network,
        "image_width": int(msg.image_width),
        "image_height": int(msg.image_height),
        "keypoint_names": list(msg.keypoint_names),
        "poses": [{
            "id": int(p.id), "score": round(float(p.score), 5),
            "box": [round(float(v), 2) for v in (p.left, p.top, p.right, p.bottom)],
            "keypoints": [{"id": int(k.id), "name": k.name, "x": round(float(k.x), 2),
                           "y": round(float(k.y), 2), "score": round(float(k.score), 5)}
                          for k in p.keypoints],
            "links": [[int(p.links[i]), int(p.links[i + 1])] for i in range(0, len(p.links) - 1, 2)],
        } for p in msg.poses],
    }


def poses_to_markers(poses: Sequence[ObjectPose], header, colors: Sequence[Sequence[int]],
                     scale: float = 0.001, point_size_px: float = 6.0, line_width_px: float = 3.0,
                     lifetime_s: float = 0.0):
    """Skeletons as a ``visualization_msgs/MarkerArray`` in the image's frame.

    rviz has no 2D image-marker display, so keypoints are placed at ``(x*scale, y*scale, 0)`` in
    ``header.frame_id``: with a camera optical frame (x right, y down) the skeleton appears as drawn
    on the image, ``scale`` metres per pixel.  The first marker is DELETEALL so that people who left
    the scene disappear; then per pose one LINE_LIST (namespace "links") and one SPHERE_LIST
    (namespace "keypoints"), coloured with the topology's keypoint colours.
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

    def point(kp) -> Point:
        return Point(x=float(kp.x) * scale, y=float(kp.y) * scale, z=0.0)

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

    for i, pose in enumerate(poses):
        links = new_marker("links", i, Marker.LINE_LIST)
        links.scale.x = line_width_px * scale
        for a, b in pose.links:
            ka, kb = pose.keypoints[a], pose.keypoints[b]
            links.points.extend([point(ka), point(kb)])
            links.colors.extend([rgba(kb.id), rgba(kb.id)])
        links.color = ColorRGBA(r=1.0, g=1.0, b=1.0, a=1.0)
        kps = new_marker("keypoints", i, Marker.SPHERE_LIST)
        kps.scale.x = kps.scale.y = kps.scale.z = point_size_px * scale
        kps.points = [point(k) for k in pose.keypoints]
        kps.colors = [rgba(k.id) for k in pose.keypoints]
        kps.color = ColorRGBA(r=1.0, g=1.0, b=1.0, a=1.0)
        if links.points:
            markers.append(links)
        markers.append(kps)
    return MarkerArray(markers=markers)
