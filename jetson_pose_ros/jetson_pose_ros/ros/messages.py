"""PoseNet results -> jetson_pose_msgs/Pose2DArray and visualization_msgs/MarkerArray (and back)."""
from __future__ import annotations

from typing import Sequence

from ..pose import Keypoint, ObjectPose, PoseFrame
from ..serialize import object_pose_dict


def frame_to_msg(frame: PoseFrame, header, tracking: bool | None = None):
    """Build a ``jetson_pose_msgs/Pose2DArray`` from a frame; ``header`` is the input image's
    (stamp, frame_id).  A pose's ``id`` is its track ID when ``tracking`` (-1: track not yet
    confirmed), else its index in the frame (``tracking`` None: whether any pose has a track ID)."""
    from jetson_pose_msgs.msg import Keypoint as KeypointMsg
    from jetson_pose_msgs.msg import ObjectPose as ObjectPoseMsg
    from jetson_pose_msgs.msg import Pose2DArray

    out = Pose2DArray()
    out.header = header
    out.network = str(frame.network)
    out.image_width, out.image_height = (int(v) for v in frame.image_size)
    out.keypoint_names = [str(n) for n in frame.keypoint_names]
    tracked = bool((frame.track_ids >= 0).any()) if tracking is None else tracking
    msgs = []
    for pose in frame.poses():
        p = ObjectPoseMsg()
        p.id = int(pose.track_id if tracked else pose.id)
        p.score = float(pose.score)
        p.left, p.top, p.right, p.bottom = (float(pose.left), float(pose.top),
                                            float(pose.right), float(pose.bottom))
        p.keypoints = [KeypointMsg(id=int(k.id), name=str(k.name), x=float(k.x), y=float(k.y),
                                   score=float(k.score)) for k in pose.keypoints]
        p.links = [int(i) for link in pose.links for i in link]
        msgs.append(p)
    out.poses = msgs
    return out


def poses_to_msg(poses: Sequence[ObjectPose], header, network: str, width: int, height: int,
                 keypoint_names: Sequence[str]):
    """``frame_to_msg`` for a list of ``ObjectPose`` (the skeleton is the poses' links)."""
    skeleton = list(dict.fromkeys((p.keypoints[a].id, p.keypoints[b].id) for p in poses for a, b in p.links))
    return frame_to_msg(PoseFrame.from_poses(poses, keypoint_names, skeleton, image_size=(width, height),
                                             network=network), header)


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
    """A Pose2DArray as plain JSON-able data (the same serialiser as the CLI's JSON lines)."""
    head = {"stamp": {"sec": int(msg.header.stamp.sec), "nanosec": int(msg.header.stamp.nanosec)},
            "frame_id": msg.header.frame_id, "network": msg.network, "image_width": int(msg.image_width),
            "image_height": int(msg.image_height), "keypoint_names": list(msg.keypoint_names)}
    return {**head, "poses": [object_pose_dict(p) for p in msg_to_poses(msg)]}


def frame_to_markers(frame: PoseFrame, header, colors: Sequence[Sequence[int]], **kw):
    """``poses_to_markers`` of a frame.  When tracking, marker ids are track IDs (so rviz keeps a
    person's marker), and poses of unconfirmed tracks get ids -1, -2, ... (unique, never a track's)."""
    poses = frame.poses()
    if (frame.track_ids >= 0).any():
        for p in poses:
            p.id = p.track_id if p.track_id >= 0 else -1 - p.id
    return poses_to_markers(poses, header, colors, **kw)


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

    for pose in poses:
        i = int(pose.id)
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
