"""Body gestures, posture and pointing direction from 2D body keypoints (COCO-17, trt_pose's COCO-18
with neck, BlazePose-33: keypoints are found by name).

The rules run per body on plain floats (``math``): for the handful of people in a frame that is
several times faster than numpy's per-call overhead on tiny arrays.  Everything is measured in
image axes (x right, y down) and normalised by the body's size
``scale`` = max(torso length, shoulder width), so that it does not depend on where the person is or
how far away; the larger of the two survives the torso or the shoulders being foreshortened.

Gestures (REP-155 ``hri_msgs/Gesture`` names where it has one; ``left``/``right`` are the person's):
``hands_on_face``, ``arms_crossed``, ``both_hands_raised``, ``left_hand_raised``,
``right_hand_raised``, ``waving`` (temporal: ``waving.WaveDetector`` scores, passed in), ``pointing`` (with a unit
direction in the image), ``other`` when none is sure.
Postures (``hri_msgs/BodyPosture``; its LAYING is ``lying``): ``standing``, ``sitting``, ``crouching``,
``lying``, ``other``.  In 2D a person sitting on a chair seen from the front folds like one squatting:
``sitting`` needs a level thigh seen from the side and an upright torso, other folded bodies read as
``crouching`` (the data has squats but no sitting people to tune this on).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..core.errors import InputError
from ..core.keypoints import COCO_KEYPOINTS

BODY_GESTURES = ("other", "hands_on_face", "arms_crossed", "both_hands_raised", "left_hand_raised",
                 "right_hand_raised", "waving", "pointing")
POSTURES = ("other", "standing", "sitting", "crouching", "lying")

_NAMES = COCO17 = COCO_KEYPOINTS
# BlazePose-33 (MediaPipe Pose / ML Kit) landmarks that are COCO-17's, in COCO order
BLAZEPOSE_TO_COCO = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
(NOSE, L_EYE, R_EYE, L_EAR, R_EAR, L_SH, R_SH, L_EL, R_EL, L_WR, R_WR, L_HIP, R_HIP, L_KNEE, R_KNEE,
 L_ANK, R_ANK) = range(17)


_INDEX_CACHE: dict[tuple, np.ndarray] = {}


def coco_index(keypoint_names: Sequence[str] | None = None, num_keypoints: int | None = None) -> np.ndarray:
    """Indices that pick COCO-17 order out of a topology, by keypoint name (-1 where the topology
    lacks one); without names: COCO-17/18 (17 or 18 keypoints) or BlazePose-33 (33)."""
    if keypoint_names:
        key = tuple(keypoint_names)
        idx = _INDEX_CACHE.get(key)
        if idx is None:
            idx = np.array([key.index(n) if n in key else -1 for n in _NAMES])
            if len(_INDEX_CACHE) < 64:
                _INDEX_CACHE[key] = idx
        return idx
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
    if (idx >= a.shape[1]).any():
        raise InputError(f"body keypoints: {a.shape[1]} keypoints, fewer than keypoint_names")
    out = a[:, np.maximum(idx, 0)]
    if (idx < 0).any():
        out[:, idx < 0] = np.nan
    return out


NAN = float("nan")


def _sig(x: float) -> float:
    return 0.5 + 0.5 * math.tanh(0.5 * x)            # NaN in, NaN out; never overflows


def _nz(x: float) -> float:
    return 0.0 if x != x else x


def _fmax(a: float, b: float) -> float:
    """max ignoring NaN (NaN only if both are)."""
    if a != a:
        return b
    if b != b:
        return a
    return a if a > b else b


def _fmin(a: float, b: float) -> float:
    if a != a:
        return b
    if b != b:
        return a
    return a if a < b else b


def _div(a: float, b: float) -> float:
    return a / b if b and b == b else NAN


def _mid(a, b):
    """Midpoint of two (x, y); either one where the other is missing."""
    if a[0] != a[0]:
        return b
    if b[0] != b[0]:
        return a
    return ((a[0] + b[0]) * 0.5, (a[1] + b[1]) * 0.5)


def _dist(a, b) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _angle(a, b, c) -> float:
    """Inner angle at ``b`` in degrees (180 = straight), NaN if unknown."""
    ux, uy, vx, vy = a[0] - b[0], a[1] - b[1], c[0] - b[0], c[1] - b[1]
    n = math.hypot(ux, uy) * math.hypot(vx, vy)
    if not n:
        return NAN
    return math.degrees(math.acos(max(-1.0, min(1.0, (ux * vx + uy * vy) / n))))


def _scale(p) -> float:
    torso = _dist(_mid(p[L_SH], p[R_SH]), _mid(p[L_HIP], p[R_HIP]))
    s = _fmax(torso, _dist(p[L_SH], p[R_SH]))
    return s if s > 0 else NAN


def body_scale(k: np.ndarray) -> np.ndarray:
    """(N,) max(torso length, shoulder width) of COCO-17 keypoints (N, 17, 2), NaN if unknown."""
    return np.array([_scale(p) for p in np.asarray(k, dtype=np.float64).tolist()])


def _posture(p, s: float) -> tuple[float, float, float, float]:
    """Scores of standing, sitting, crouching, lying of one body (COCO-17 (x, y) list)."""
    if s != s:
        return NAN, NAN, NAN, NAN
    sh, hip = _mid(p[L_SH], p[R_SH]), _mid(p[L_HIP], p[R_HIP])
    knee, ank = _mid(p[L_KNEE], p[R_KNEE]), _mid(p[L_ANK], p[R_ANK])
    torso = _dist(sh, hip)
    shoulders = _dist(p[L_SH], p[R_SH])
    # torso tilt from upright (0) to horizontal (90)
    tilt = math.degrees(math.atan2(abs(sh[0] - hip[0]), hip[1] - sh[1]))
    # the whole body's axis, shoulders to ankles (knees where the ankles are missing); 90 = upright
    foot = knee if ank[0] != ank[0] else ank
    axis = math.degrees(math.atan2(abs(foot[1] - sh[1]), abs(foot[0] - sh[0])))
    knee_ang = _fmin(_angle(p[L_HIP], p[L_KNEE], p[L_ANK]), _angle(p[R_HIP], p[R_KNEE], p[R_ANK]))
    hip_ang = _fmin(_angle(p[L_SH], p[L_HIP], p[L_KNEE]), _angle(p[R_SH], p[R_HIP], p[R_KNEE]))
    leg_drop = (ank[1] - hip[1]) / s                  # how far below the hips the feet are
    thigh_dx = abs(knee[0] - hip[0]) / s
    thigh_dy = (knee[1] - hip[1]) / s
    wrist_drop = (_mid(p[L_WR], p[R_WR])[1] - sh[1]) / s
    # lying: torso or body axis near horizontal, or (seen head-on) torso and legs both
    # foreshortened while the hands are far below the shoulders (propped up on the floor)
    flat = _fmax(_sig((tilt - 55.0) / 8.0), _sig((35.0 - axis) / 6.0))
    head_on = _sig((0.85 - _div(torso, shoulders)) / 0.08) * _sig((1.0 - leg_drop) / 0.15) \
        * _sig((wrist_drop - 0.9) / 0.15)
    lying = _fmax(_nz(flat), _nz(head_on))
    if knee_ang != knee_ang or leg_drop != leg_drop:  # no legs: only "lying" can be told
        return NAN, NAN, NAN, lying
    upright = 1.0 - lying
    straight = _sig((knee_ang - 145.0) / 8.0) * _sig((hip_ang - 135.0) / 8.0) * _sig((leg_drop - 1.1) / 0.12)
    folded = 1.0 - straight
    # sitting needs evidence a crouch lacks: a visible, level thigh (seen from the side) and an
    # upright torso; a folded body seen from the front reads as crouching
    level_thigh = _sig((thigh_dx - 0.45) / 0.08) * _sig((0.3 - abs(thigh_dy) / max(thigh_dx, 1e-6)) / 0.1)
    seat = level_thigh * _sig((25.0 - tilt) / 6.0) * _sig((knee_ang - 65.0) / 8.0)
    return upright * straight, upright * folded * seat, upright * folded * (1.0 - seat), lying


def _gestures(p, s: float, lying: float):
    """Scores of hands_on_face, arms_crossed, both/left/right_hand_raised, pointing of one body,
    and the pointing direction (unit (dx, dy) or None)."""
    if s != s:
        return (NAN,) * 6, None
    face_pts = [q for q in (p[NOSE], p[L_EYE], p[R_EYE], p[L_EAR], p[R_EAR]) if q[0] == q[0]]
    face = (sum(q[0] for q in face_pts) / len(face_pts), sum(q[1] for q in face_pts) / len(face_pts)) \
        if face_pts else (NAN, NAN)
    sh_mid = _mid(p[L_SH], p[R_SH])
    ax, ay = p[L_SH][0] - p[R_SH][0], p[L_SH][1] - p[R_SH][1]       # right -> left shoulder
    width = math.hypot(ax, ay)
    ux, uy = (ax / width, ay / width) if width else (NAN, NAN)
    hips = [q[1] for q in (p[L_HIP], p[R_HIP]) if q[1] == q[1]]
    hip_y = sum(hips) / len(hips) if hips else NAN
    on_face, raised, side, chest, point, vec = [], [], [], [], [], []
    for sh, el, wr in ((p[L_SH], p[L_EL], p[L_WR]), (p[R_SH], p[R_EL], p[R_WR])):
        # hands on face: a wrist close to the face's centre, its elbow below the shoulders (hands
        # clasped behind the head hold the elbows up and out)
        near = _nz(_sig((0.4 - _dist(wr, face) / s) / 0.05) * _sig((el[1] - sh[1]) / s / 0.08))
        on_face.append(near)
        # raised: wrist well above its shoulder and above its elbow
        raised.append(_nz(_sig(((sh[1] - wr[1]) / s - 0.35) / 0.08) * _sig((el[1] - wr[1]) / s / 0.05)) * (1.0 - near))
        # arms crossed: each wrist past the body's midline, on the other side, at chest height
        side.append(((wr[0] - sh_mid[0]) * ux + (wr[1] - sh_mid[1]) * uy) / s)          # > 0 towards the left
        chest.append(_sig((wr[1] - sh[1]) / s / 0.08 + 1.0) * _sig((hip_y - wr[1]) / s / 0.08))
        # pointing: a straight arm held out, away from the body, neither hanging nor straight up
        arm = (wr[0] - sh[0], wr[1] - sh[1])
        reach = math.hypot(*arm) / s
        down = math.degrees(math.atan2(abs(arm[0]), arm[1]))                              # 0 hanging, 180 up
        point.append(_nz(_sig((_angle(sh, el, wr) - 150.0) / 8.0) * _sig((reach - 0.8) / 0.1)
                         * _sig((down - 40.0) / 8.0) * _sig((150.0 - down) / 8.0)) * (1.0 - near))
        v = (wr[0] - el[0], wr[1] - el[1])
        vec.append(v if v[0] == v[0] else arm)
    crossed = _nz(_sig((-side[0] - 0.05) / 0.05) * _sig((side[1] - 0.05) / 0.05) * chest[0] * chest[1])
    # one arm points (two out-stretched arms are not a pointing)
    best = 0 if point[0] >= point[1] else 1
    pointing = point[best] * (1.0 - point[1 - best])
    direction = None
    n = math.hypot(*vec[best])
    if pointing >= 0.5 and n:
        direction = (vec[best][0] / n, vec[best][1] / n)
    # "raised", "on the face" and "crossed" are read against the image's up: not for a lying body
    up = 1.0 - lying
    return (up * max(on_face), up * crossed, up * raised[0] * raised[1], up * raised[0] * (1.0 - raised[1]),
            up * raised[1] * (1.0 - raised[0]), up * pointing), direction


_STATIC = ("hands_on_face", "arms_crossed", "both_hands_raised", "left_hand_raised", "right_hand_raised",
           "pointing")


def analyse_bodies(xy, keypoint_names: Sequence[str] | None = None):
    """Raw scores of a batch of bodies (N, K, 2): ``(postures (N, 4), gestures (N, 6), directions (N, 2))``
    in the orders of ``POSTURES[1:]`` and the static gestures (no waving); directions NaN unless
    the body points."""
    return analyse_coco(to_coco(xy, keypoint_names))


def analyse_coco(k: np.ndarray):
    """``analyse_bodies`` for bodies already in COCO-17 order (N, 17, 2)."""
    post, gest, direction = [], [], []
    for p in k.tolist():
        s = _scale(p)
        ps = _posture(p, s)
        g, d = _gestures(p, s, _nz(ps[3]))
        post.append(ps)
        gest.append(g)
        direction.append(d or (NAN, NAN))
    n = len(post)
    return (np.array(post, dtype=np.float64).reshape(n, 4), np.array(gest, dtype=np.float64).reshape(n, 6),
            np.array(direction, dtype=np.float64).reshape(n, 2))


def _pick(scores: np.ndarray, names: Sequence[str], min_score: float):
    if not (np.isfinite(min_score) and 0.0 <= min_score <= 1.0):
        raise InputError(f"min_score must be in [0, 1], got {min_score}")
    labels, out = [], np.zeros(len(scores))
    for i, row in enumerate(scores.tolist()):
        best, top = -1, -1.0
        for j, v in enumerate(row):
            if v == v and v > top:
                best, top = j, v
        if top >= min_score:
            labels.append(names[best])
            out[i] = top
        else:
            labels.append("other")
            out[i] = 0.0 if best < 0 else 1.0 - top
    return labels, out


def pick_posture(post: np.ndarray, min_score: float = 0.5):
    return _pick(post, POSTURES[1:], min_score)


def pick_gesture(gest: np.ndarray, direction: np.ndarray, min_score: float = 0.5, waving=None):
    """Labels from raw scores; ``waving`` (N,) scores win over the static gestures when sure (a
    waving hand is also a raised one)."""
    labels, scores = _pick(gest, _STATIC, min_score)
    direction = direction.copy()
    if waving is not None:
        w = np.asarray(waving, dtype=np.float64).reshape(len(labels))
        for i in np.flatnonzero(w >= min_score):
            labels[i], scores[i] = "waving", w[i]
    direction[[lab != "pointing" for lab in labels]] = np.nan
    return labels, scores, direction


def classify_postures(xy, keypoint_names: Sequence[str] | None = None, min_score: float = 0.5):
    """Postures of a batch of bodies (N, K, 2) -> ``(labels, scores)``; ``other`` below ``min_score``
    or where the keypoints needed are missing."""
    return pick_posture(analyse_bodies(xy, keypoint_names)[0], min_score)


def classify_body_gestures(xy, keypoint_names: Sequence[str] | None = None, min_score: float = 0.5,
                           waving: np.ndarray | None = None):
    """Gestures of a batch of bodies (N, K, 2) -> ``(labels, scores, directions)``; ``directions``
    (N, 2) is the unit pointing direction in the image (NaN unless the label is ``pointing``).
    ``waving`` (N,), optional: scores from a ``WaveDetector`` for the same bodies (temporal)."""
    _, gest, direction = analyse_bodies(xy, keypoint_names)
    return pick_gesture(gest, direction, min_score, waving)
