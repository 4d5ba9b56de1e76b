"""Body gestures, posture and pointing direction from 2D body keypoints (COCO-17, trt_pose's COCO-18
with neck, BlazePose-33: keypoints are found by name).

Everything is measured in image axes (x right, y down) and normalised by the body's size
``scale`` = max(torso length, shoulder width), so that it does not depend on where the person is or
how far away; the larger of the two survives the torso or the shoulders being foreshortened.

Gestures (REP-155 ``hri_msgs/Gesture`` names where it has one; ``left``/``right`` are the person's):
``hands_on_face``, ``arms_crossed``, ``both_hands_raised``, ``left_hand_raised``,
``right_hand_raised``, ``waving`` (temporal, see ``waving_scores``), ``pointing`` (with a unit
direction in the image), ``other`` when none is sure.
Postures (``hri_msgs/BodyPosture``): ``standing``, ``sitting``, ``crouching``, ``lying``, ``other``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..errors import InputError
from ._math import nanmean, sigmoid

BODY_GESTURES = ("other", "hands_on_face", "arms_crossed", "both_hands_raised", "left_hand_raised",
                 "right_hand_raised", "waving", "pointing")
POSTURES = ("other", "standing", "sitting", "crouching", "lying")

_NAMES = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
          "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
          "right_knee", "left_ankle", "right_ankle")
COCO17 = _NAMES
# BlazePose-33 (MediaPipe Pose / ML Kit) landmarks that are COCO-17's, in COCO order
BLAZEPOSE_TO_COCO = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
(NOSE, L_EYE, R_EYE, L_EAR, R_EAR, L_SH, R_SH, L_EL, R_EL, L_WR, R_WR, L_HIP, R_HIP, L_KNEE, R_KNEE,
 L_ANK, R_ANK) = range(17)


def coco_index(keypoint_names: Sequence[str] | None = None, num_keypoints: int | None = None) -> np.ndarray:
    """Indices that pick COCO-17 order out of a topology, by keypoint name (-1 where the topology
    lacks one); without names: COCO-17/18 (17 or 18 keypoints) or BlazePose-33 (33)."""
    if keypoint_names:
        names = list(keypoint_names)
        return np.array([names.index(n) if n in names else -1 for n in _NAMES])
    if num_keypoints in (17, 18):
        return np.arange(17)
    if num_keypoints == 33:
        return np.array(BLAZEPOSE_TO_COCO)
    raise InputError(f"body keypoints: give keypoint_names, or use COCO-17/18 or BlazePose-33 order "
                     f"(got {num_keypoints} keypoints)")


def to_coco(xy, keypoint_names: Sequence[str] | None = None) -> np.ndarray:
    """(N, K, 2) body keypoints of any supported topology -> (N, 17, 2) COCO-17 (NaN = missing)."""
    a = np.asarray(xy, dtype=np.float64)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[-1] != 2:
        raise InputError(f"body keypoints must have shape (K, 2) or (N, K, 2), got {np.shape(xy)}")
    if np.isinf(a).any():
        raise InputError("body keypoints must be finite numbers or NaN (missing)")
    idx = coco_index(keypoint_names, a.shape[1])
    out = a[:, np.maximum(idx, 0)]
    out[:, idx < 0] = np.nan
    return out


def _dist(a, b):
    d = a - b
    return np.sqrt((d * d).sum(-1))


def _angle(a, b, c):
    """Inner angle at ``b`` (degrees; 180 = straight)."""
    u, v = a - b, c - b
    cos = (u * v).sum(-1) / np.sqrt((u * u).sum(-1) * (v * v).sum(-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _mid(a, b):
    """Mean of two points; either one where the other is missing."""
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, (a + b) / 2))


def _nanmin2(a, b):
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, np.minimum(a, b)))


def body_scale(k: np.ndarray) -> np.ndarray:
    """(N,) max(torso length, shoulder width) of COCO-17 keypoints, NaN where neither is known."""
    torso = _dist(_mid(k[:, L_SH], k[:, R_SH]), _mid(k[:, L_HIP], k[:, R_HIP]))
    shoulders = _dist(k[:, L_SH], k[:, R_SH])
    s = np.fmax(torso, shoulders)
    return np.where(s > 0, s, np.nan)


# ---------------------------------------------------------------------------------------------
# posture
def posture_scores(k: np.ndarray) -> np.ndarray:
    """(N, 4) scores of standing, sitting, crouching, lying for COCO-17 keypoints ``k`` (N, 17, 2)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        s = body_scale(k)
        sh, hip = _mid(k[:, L_SH], k[:, R_SH]), _mid(k[:, L_HIP], k[:, R_HIP])
        knee, ank = _mid(k[:, L_KNEE], k[:, R_KNEE]), _mid(k[:, L_ANK], k[:, R_ANK])
        torso = _dist(sh, hip)
        shoulders = _dist(k[:, L_SH], k[:, R_SH])
        # torso tilt from upright (0) to horizontal (90); an unknown tilt counts as upright
        tilt = np.degrees(np.arctan2(np.abs(sh[:, 0] - hip[:, 0]), hip[:, 1] - sh[:, 1]))
        # the whole body's axis, shoulders to ankles (to knees where ankles are missing)
        foot = np.where(np.isnan(ank), knee, ank)
        axis = np.degrees(np.arctan2(np.abs(foot[:, 1] - sh[:, 1]), np.abs(foot[:, 0] - sh[:, 0])))  # 90 upright
        knee_ang = _nanmin2(_angle(k[:, L_HIP], k[:, L_KNEE], k[:, L_ANK]),
                            _angle(k[:, R_HIP], k[:, R_KNEE], k[:, R_ANK]))
        hip_ang = _nanmin2(_angle(k[:, L_SH], k[:, L_HIP], k[:, L_KNEE]),
                           _angle(k[:, R_SH], k[:, R_HIP], k[:, R_KNEE]))
        leg_drop = (ank[:, 1] - hip[:, 1]) / s       # how far below the hips the feet are
        thigh_dx = np.abs(knee[:, 0] - hip[:, 0]) / s
        thigh_dy = (knee[:, 1] - hip[:, 1]) / s
        wrist_drop = (_mid(k[:, L_WR], k[:, R_WR])[:, 1] - sh[:, 1]) / s

        # lying: torso or body axis near horizontal, or (seen head-on) torso and legs both
        # foreshortened while the hands are far below the shoulders (propped up on the floor)
        flat = np.fmax(sigmoid((tilt - 55.0) / 8.0), sigmoid((35.0 - axis) / 6.0))
        head_on = sigmoid((0.85 - torso / shoulders) / 0.08) * sigmoid((1.0 - leg_drop) / 0.15) \
            * sigmoid((wrist_drop - 0.9) / 0.15)
        lying = np.fmax(np.nan_to_num(flat, nan=0.0), np.nan_to_num(head_on, nan=0.0))
        upright = 1.0 - lying
        legs_known = ~np.isnan(knee_ang) & ~np.isnan(leg_drop)
        straight = sigmoid((knee_ang - 145.0) / 8.0) * sigmoid((hip_ang - 135.0) / 8.0) * sigmoid((leg_drop - 1.1) / 0.12)
        folded = 1.0 - straight
        # sitting needs evidence a crouch lacks: a visible, level thigh (seen from the side) and an
        # upright torso; a folded body seen from the front reads as crouching
        level_thigh = sigmoid((thigh_dx - 0.45) / 0.08) * sigmoid((0.3 - np.abs(thigh_dy) / np.fmax(thigh_dx, 1e-6)) / 0.1)
        seat = level_thigh * sigmoid((25.0 - tilt) / 6.0) * sigmoid((knee_ang - 65.0) / 8.0)
        out = np.stack([upright * straight, upright * folded * seat, upright * folded * (1.0 - seat), lying], 1)
        out[~legs_known, :3] = np.nan                  # no legs: only "lying" can be told
        out[np.isnan(s)] = np.nan
    return out


def classify_postures(xy, keypoint_names: Sequence[str] | None = None, min_score: float = 0.5):
    """Postures of a batch of bodies (N, K, 2) -> ``(labels, scores)``; ``other`` below ``min_score``
    or where the keypoints needed are missing."""
    k = to_coco(xy, keypoint_names)
    p = posture_scores(k)
    return _pick(p, POSTURES[1:], min_score)


def _pick(scores: np.ndarray, names: Sequence[str], min_score: float):
    if not (np.isfinite(min_score) and 0.0 <= min_score <= 1.0):
        raise InputError(f"min_score must be in [0, 1], got {min_score}")
    safe = np.nan_to_num(scores, nan=-1.0)
    best = safe.argmax(1) if len(safe) else np.zeros(0, int)
    top = safe[np.arange(len(safe)), best] if len(safe) else np.zeros(0)
    labels = [names[b] if t >= min_score else "other" for b, t in zip(best, top)]
    return labels, np.where(top >= min_score, top, np.where(top < 0, 0.0, 1.0 - top))


# ---------------------------------------------------------------------------------------------
# static gestures and pointing
def gesture_scores(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Static body gestures of COCO-17 keypoints (N, 17, 2): ``(scores, direction)`` with scores
    (N, 6) of hands_on_face, arms_crossed, both_hands_raised, left_hand_raised, right_hand_raised,
    pointing, and ``direction`` (N, 2) the pointing arm's unit vector in the image (NaN if none)."""
    n = len(k)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = body_scale(k)[:, None]
        sh = k[:, [L_SH, R_SH]]          # (N, 2 sides, 2)
        el = k[:, [L_EL, R_EL]]
        wr = k[:, [L_WR, R_WR]]
        face = nanmean(k[:, [NOSE, L_EYE, R_EYE, L_EAR, R_EAR]], 1)
        # hands on face: a wrist close to the face's centre, its elbow below the shoulders (hands
        # clasped behind the head hold the elbows up and out)
        near_face = sigmoid((0.4 - _dist(wr, face[:, None]) / s) / 0.05) * sigmoid((el[..., 1] - sh[..., 1]) / s / 0.08)
        # raised: wrist well above its shoulder (and above the elbow)
        lift = (sh[..., 1] - wr[..., 1]) / s
        raised = sigmoid((lift - 0.35) / 0.08) * sigmoid((el[..., 1] - wr[..., 1]) / s / 0.05)
        raised = np.where(np.isnan(raised), 0.0, raised) * (1.0 - np.nan_to_num(near_face))
        # arms crossed: each wrist past the body's midline on the other side, at chest height
        mid = (sh[:, 0] + sh[:, 1]) / 2
        across = sh[:, 0] - sh[:, 1]                                             # right -> left shoulder
        width = np.sqrt((across * across).sum(-1))[:, None]
        u = across / width
        side = ((wr - mid[:, None]) * u[:, None]).sum(-1) / s                    # > 0 towards the left
        hip_y = nanmean(k[:, [L_HIP, R_HIP], 1], 1)
        chest = sigmoid((wr[..., 1] - sh[..., 1]) / s / 0.08 + 1.0) * sigmoid((hip_y[:, None] - wr[..., 1]) / s / 0.08)
        crossed = sigmoid((-side[:, 0] - 0.05) / 0.05) * sigmoid((side[:, 1] - 0.05) / 0.05) * chest[:, 0] * chest[:, 1]
        # pointing: a straight arm held out, away from the body, neither hanging nor raised straight up
        arm = wr - sh
        reach = np.sqrt((arm * arm).sum(-1)) / s
        elbow = _angle(sh, el, wr)
        down = np.degrees(np.arctan2(np.abs(arm[..., 0]), arm[..., 1]))         # 0 = hanging, 180 = up
        point = sigmoid((elbow - 150.0) / 8.0) * sigmoid((reach - 0.8) / 0.1) * sigmoid((down - 40.0) / 8.0) \
            * sigmoid((150.0 - down) / 8.0) * (1.0 - np.nan_to_num(near_face))
        point = np.nan_to_num(point, nan=0.0)
        # the arm that points more (and one arm only: two out-stretched arms are not a pointing)
        best = point.argmax(1) if n else np.zeros(0, int)
        rows = np.arange(n)
        pointing = point[rows, best] * (1.0 - point[rows, 1 - best])
        v = wr[rows, best] - el[rows, best]
        v = np.where(np.isnan(v), arm[rows, best], v)
        direction = v / np.sqrt((v * v).sum(-1, keepdims=True))
        direction[pointing < 0.5] = np.nan
        both = raised[:, 0] * raised[:, 1]
        left = raised[:, 0] * (1.0 - raised[:, 1])
        right = raised[:, 1] * (1.0 - raised[:, 0])
        on_face = np.fmax(np.nan_to_num(near_face[:, 0]), np.nan_to_num(near_face[:, 1]))
        out = np.stack([on_face, np.nan_to_num(crossed), both, left, right, pointing], 1)
        # "raised", "on the face" and "crossed" are read against the image's up: not for a lying body
        out *= 1.0 - posture_scores(k)[:, 3:4]
        out[np.isnan(s[:, 0])] = np.nan
    return out, direction


_STATIC = ("hands_on_face", "arms_crossed", "both_hands_raised", "left_hand_raised", "right_hand_raised",
           "pointing")


def classify_body_gestures(xy, keypoint_names: Sequence[str] | None = None, min_score: float = 0.5,
                           waving: np.ndarray | None = None):
    """Gestures of a batch of bodies (N, K, 2) -> ``(labels, scores, directions)``; ``directions``
    (N, 2) is the unit pointing direction in the image (NaN unless the label is ``pointing``).
    ``waving`` (N,), optional: scores from a ``WaveDetector`` for the same bodies (temporal)."""
    k = to_coco(xy, keypoint_names)
    g, direction = gesture_scores(k)
    if waving is not None:
        w = np.asarray(waving, dtype=np.float64).reshape(len(k))
        g = np.concatenate([g, np.nan_to_num(w)[:, None]], 1)
        names = _STATIC + ("waving",)
    else:
        names = _STATIC
    labels, scores = _pick(g, names, min_score)
    if waving is not None:  # a waving hand is also a raised one: waving wins when it is sure
        wave = g[:, -1] >= min_score
        labels = ["waving" if w else lab for w, lab in zip(wave, labels)]
        scores = np.where(wave, g[:, -1], scores)
    direction[[lab != "pointing" for lab in labels]] = np.nan
    return labels, scores, direction
