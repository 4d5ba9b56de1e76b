"""Test helpers on ``PoseFrame``s: the package itself never picks poses out of a frame."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from jetson_pose_ros.core.pose import PoseFrame


def select_poses(frame: PoseFrame, index) -> PoseFrame:
    """A frame with the poses ``index`` (mask or indices) in that order (every per-pose array, xyz too)."""
    index = np.arange(len(frame))[index] if np.asarray(index).dtype == bool else np.asarray(index, np.int64)
    return replace(frame, xy=frame.xy[index], scores=frame.scores[index], boxes=frame.boxes[index],
                   pose_scores=frame.pose_scores[index], track_ids=frame.track_ids[index],
                   attributes=[frame.attributes[i] for i in index],
                   xyz=None if frame.xyz is None else frame.xyz[index])
