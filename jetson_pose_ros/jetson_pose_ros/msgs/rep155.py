"""REP-155 (ROS4HRI) values from a ``PoseFrame``, without ROS: body IDs, the 18-point skeleton in
``hri_msgs/Skeleton2D`` order, normalised regions of interest and the gesture/posture constants.

``hri_msgs/Skeleton2D`` orders its 18 points as OpenPose's COCO model, with its own numbering of the
eyes and ears (the message's constants are the reference): NOSE=0, NECK=1, RIGHT_SHOULDER=2,
RIGHT_ELBOW=3, RIGHT_WRIST=4, LEFT_SHOULDER=5, LEFT_ELBOW=6, LEFT_WRIST=7, RIGHT_HIP=8,
RIGHT_KNEE=9, RIGHT_ANKLE=10, LEFT_HIP=11, LEFT_KNEE=12, LEFT_ANKLE=13, LEFT_EYE=14, RIGHT_EYE=15,
LEFT_EAR=16, RIGHT_EAR=17.  Keypoints are found by name (COCO-17, trt_pose's COCO-18, BlazePose-33
all use these names); the neck is the network's ``neck`` where it has one, else the midpoint of the
shoulders.  Coordinates are normalised by the image size and clipped to [0, 1]; a missing point is
(0, 0) with confidence 0.
"""
from __future__ import annotations

import numpy as np

SKELETON_NAMES = ("nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
                  "left_elbow", "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip",
                  "left_knee", "left_ankle", "left_eye", "right_eye", "left_ear", "right_ear")
NECK = 1

# our labels -> hri_msgs/Gesture and hri_msgs/BodyPosture constants (OTHER = 0 for what it lacks)
GESTURE_CODES = {"other": 0, "hands_on_face": 1, "arms_crossed": 2, "left_hand_raised": 3,
                 "right_hand_raised": 4, "both_hands_raised": 5, "waving": 6}
POSTURE_CODES = {"other": 0, "standing": 1, "sitting": 2, "crouching": 3, "lying": 4}


def body_id(track_id: int) -> str:
    """The REP-155 body ID of a confirmed track: ``"b<track_id>"`` (short, starts with a letter)."""
    return f"b{int(track_id)}"


def gesture_code(label: str | None) -> int:
    """The nearest ``hri_msgs/Gesture`` value (OTHER, 0, for ``pointing`` and unknown labels)."""
    return GESTURE_CODES.get(label or "other", 0)


def posture_code(label: str | None) -> int:
    return POSTURE_CODES.get(label or "other", 0)


def skeleton_index(keypoint_names) -> np.ndarray:
    """(18,) indices into the topology for each Skeleton2D point (-1: the topology lacks it)."""
    names = list(keypoint_names)
    return np.array([names.index(n) if n in names else -1 for n in SKELETON_NAMES])


def skeleton(xy: np.ndarray, scores: np.ndarray, keypoint_names, image_size) -> np.ndarray:
    """One pose's (K, 2) keypoints (pixels, NaN = missing) and (K,) scores -> (18, 3) rows
    (x, y, c) in Skeleton2D order, x and y in [0, 1] (``image_size`` = (width, height))."""
    width, height = image_size
    idx = skeleton_index(keypoint_names)
    out, have = np.zeros((18, 3)), np.zeros(18, bool)
    for j, k in enumerate(idx):
        if k >= 0 and np.isfinite(xy[k]).all():
            out[j], have[j] = (xy[k, 0], xy[k, 1], scores[k]), True
    ls, rs = SKELETON_NAMES.index("left_shoulder"), SKELETON_NAMES.index("right_shoulder")
    if not have[NECK] and have[ls] and have[rs]:
        out[NECK] = (out[ls, 0] + out[rs, 0]) / 2, (out[ls, 1] + out[rs, 1]) / 2, min(out[ls, 2], out[rs, 2])
        have[NECK] = True
    out[have, 0] /= max(width, 1)
    out[have, 1] /= max(height, 1)
    return np.clip(out, 0.0, 1.0)


def roi(box, image_size, score: float) -> tuple[float, float, float, float, float]:
    """(xmin, ymin, xmax, ymax, c) of a pixel box, normalised and clipped to [0, 1]."""
    width, height = (max(v, 1) for v in image_size)
    left, top, right, bottom = (float(v) for v in box)
    clip = lambda v: min(max(v, 0.0), 1.0)  # noqa: E731
    return clip(left / width), clip(top / height), clip(right / width), clip(bottom / height), clip(float(score))


def crop(image: np.ndarray, box) -> np.ndarray | None:
    """The box's pixels (clipped to the image), or None when nothing of it is inside."""
    h, w = image.shape[:2]
    left, top = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
    right, bottom = min(int(np.ceil(box[2])), w), min(int(np.ceil(box[3])), h)
    if right <= left or bottom <= top:
        return None
    return np.ascontiguousarray(image[top:bottom, left:right])
