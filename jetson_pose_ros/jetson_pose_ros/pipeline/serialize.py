"""One serialiser per output format, each reading a ``PoseFrame``: JSON-able dicts (JSON
lines, ``pose_echo``) and CSV rows.  The ROS message is built in
``ros/messages.py`` from the same frame.  Rounding happens here only."""
from __future__ import annotations

from typing import Iterator

import numpy as np

from ..core.pose import LABEL_KEYS, SCORE_DECIMALS, XY_DECIMALS, PoseFrame, pose_dict  # noqa: F401
from ..depth.position import person_positions

GESTURE_COLUMNS = ("gesture", "gesture_score", "direction_x", "direction_y", "posture", "posture_score",
                   "motion", "motion_score")
CSV_COLUMNS = ("frame", "timestamp", "pose_id", "track_id", "keypoint_id", "name", "x", "y", "score")


def pose_dicts(frame: PoseFrame) -> list[dict]:
    """The frame's poses as JSON-able dicts (``pose_dict``, the same as ``ObjectPose.to_dict`` of
    ``frame.poses()``), read from its arrays: found keypoints only, links as index pairs into them."""
    names, found, out = frame.keypoint_names, frame.found, []
    for i in range(len(frame)):
        ids = np.flatnonzero(found[i])
        index = {int(k): j for j, k in enumerate(ids)}
        links = [(index[a], index[b]) for a, b in frame.skeleton if a in index and b in index]
        keypoints = ((int(k), names[k] if k < len(names) else "", frame.xy[i, k, 0], frame.xy[i, k, 1],
                      frame.scores[i, k]) for k in ids)
        out.append(pose_dict(i, frame.track_ids[i], frame.pose_scores[i], frame.boxes[i], keypoints, links,
                             frame.attributes[i]))
    return out


def frame_to_dict(frame: PoseFrame, source: str | None = None, index: int | None = None,
                  timestamp: float | None = None) -> dict:
    """A frame as one JSON object (one line of ``--json``)."""
    rec: dict = {}
    if source is not None:
        rec["source"] = str(source)
    if index is not None:
        rec["frame"] = int(index)
    width, height = frame.image_size
    rec.update(width=width, height=height, network=frame.network)
    if timestamp is not None:
        rec["timestamp"] = round(float(timestamp), 6)
    rec["poses"] = pose_dicts(frame)
    add_xyz(rec["poses"], frame)
    return rec


# ---- people in 3D (jetson_pose_ros.depth): metres in the depth camera's optical frame
XYZ_DECIMALS = 4
CSV_XYZ_COLUMNS = ("x_m", "y_m", "z_m")


def _metres(p) -> list | None:
    return [round(float(v), XYZ_DECIMALS) for v in p] if np.isfinite(p).all() else None


def add_xyz(poses: list[dict], frame: PoseFrame) -> None:
    """With ``frame.xyz`` (a frame lifted with depth): ``"position"`` per pose (torso centre) and
    ``"xyz"`` per keypoint, [x, y, z] metres, ``null`` where no valid depth; nothing without."""
    if frame.xyz is None:
        return
    positions = person_positions(frame.xyz, frame.keypoint_names)
    for pose in poses:
        i = pose["id"]
        pose["position"] = _metres(positions[i])
        for kp in pose["keypoints"]:
            kp["xyz"] = _metres(frame.xyz[i, kp["id"]])


def csv_xyz(frame: PoseFrame, i: int, k: int) -> tuple[str, str, str]:
    """The ``CSV_XYZ_COLUMNS`` of keypoint ``k`` of pose ``i``: metres, empty where unknown."""
    if frame.xyz is None or not np.isfinite(frame.xyz[i, k]).all():
        return ("", "", "")
    return tuple(f"{v:.{XYZ_DECIMALS}f}" for v in frame.xyz[i, k])


def gesture_cells(attributes: dict) -> tuple:
    """A pose's ``GESTURE_COLUMNS`` (empty strings where the gestures stage set nothing)."""
    cells = []
    for key in LABEL_KEYS:
        item = attributes.get(key) or {}
        cells += [item.get("label", ""), f"{item['score']:.{SCORE_DECIMALS}f}" if "score" in item else ""]
        if key == "gesture":
            d = item.get("direction")
            cells[2:2] = [f"{d[0]:.{SCORE_DECIMALS}f}", f"{d[1]:.{SCORE_DECIMALS}f}"] if d else ["", ""]
    return tuple(cells)


def frame_csv_rows(frame: PoseFrame, index: int, timestamp: float | None = None, xyz: bool = False,
                   gestures: bool = False) -> Iterator[tuple]:
    """One row per found keypoint: ``CSV_COLUMNS``, then ``CSV_XYZ_COLUMNS`` with ``xyz``, then with
    ``gestures`` the pose's ``GESTURE_COLUMNS`` (repeated on each of its rows)."""
    ts = "" if timestamp is None else f"{float(timestamp):.6f}"
    names = frame.keypoint_names
    found = frame.found
    for i in range(len(frame)):
        labels = gesture_cells(frame.attributes[i]) if gestures else ()
        for k in np.flatnonzero(found[i]):
            x, y = frame.xy[i, k]
            yield (int(index), ts, i, int(frame.track_ids[i]), int(k), names[k] if k < len(names) else "",
                   f"{x:.{XY_DECIMALS}f}", f"{y:.{XY_DECIMALS}f}", f"{frame.scores[i, k]:.{SCORE_DECIMALS}f}") \
                + (csv_xyz(frame, i, k) if xyz else ()) + labels

