"""Static hand signs from 21 hand keypoints (MediaPipe Hands / trt_pose_hand order).

Rules on features that do not depend on where the hand is, how large it is, which hand it is
(mirror) or how it is turned in the image plane:

* finger extension (0 = curled, 1 = straight) from the fingertip's distance to the wrist relative
  to the PIP joint's, and from the bend at the PIP and DIP joints;
* for the thumb: its straightness and how far its tip stands off the index knuckle, relative to
  the palm size (mean wrist-knuckle distance);
* the thumb-index tip distance relative to the palm size (``ok``);
* the image's up direction only for ``pointing_up``, ``thumb_up`` and ``thumb_down``.

Each label is a template of "this finger extended / curled"; a template's score is the geometric
mean of its fingers' agreements, and the best template wins.  Below ``min_score`` (or where
keypoints the template needs are missing) the label is ``none``.

Image axes: x to the right, y down (pixels or any units; only ratios are used).
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._math import nanmean, sigmoid

HAND_LABELS = ("none", "closed_fist", "open_palm", "pointing_up", "thumb_up", "thumb_down",
               "victory", "i_love_you", "ok")

WRIST = 0
THUMB = (1, 2, 3, 4)
FINGERS = ((5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))  # index .. pinky
KNUCKLES = (5, 9, 13, 17)

# Templates: per finger (thumb, index, middle, ring, pinky) 1 = extended, 0 = curled,
# None = either.  ``ok`` and the directional labels add their own factors below.
_TEMPLATES = {
    "open_palm": (None, 1, 1, 1, 1),
    "closed_fist": (0, 0, 0, 0, 0),
    "pointing_up": (None, 1, 0, 0, 0),
    "thumb_up": (1, 0, 0, 0, 0),
    "thumb_down": (1, 0, 0, 0, 0),
    "victory": (None, 1, 1, 0, 0),
    "i_love_you": (1, 1, 0, 0, 1),
    "ok": (None, None, 1, 1, 1),
}
_ORDER = tuple(_TEMPLATES)  # template order = tie-break order
_LABEL_INDEX = {name: i for i, name in enumerate(HAND_LABELS)}


def check_hands(xy) -> np.ndarray:
    """``xy`` as a float (N, 21, 2) array; one ``(21, 2)`` hand becomes ``(1, 21, 2)``.
    NaN marks a missing keypoint; infinities are refused."""
    a = np.asarray(xy, dtype=np.float64)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[1:] != (21, 2):
        raise InputError(f"hand keypoints must have shape (21, 2) or (N, 21, 2), got {np.shape(xy)}")
    if np.isinf(a).any():
        raise InputError("hand keypoints must be finite numbers or NaN (missing)")
    return a


_TIP = np.array([8, 12, 16, 20])
_DIP = _TIP - 1
_PIP = _TIP - 2
_MCP = _TIP - 3
# template matrices: which fingers must be extended / curled, one column per template
_WANT_EXT = np.array([[w == 1 for w in _TEMPLATES[t]] for t in _ORDER], dtype=np.float64).T   # (5, T)
_WANT_CURL = np.array([[w == 0 for w in _TEMPLATES[t]] for t in _ORDER], dtype=np.float64).T  # (5, T)
_T = {name: i for i, name in enumerate(_ORDER)}
_LOG_FLOOR = 1e-6


def _bends(a, b, c):
    """Bend at ``b`` (degrees, 0 = straight) of stacked point arrays; NaN for empty segments."""
    u, v = b - a, c - b
    cos = (u * v).sum(-1) / np.sqrt((u * u).sum(-1) * (v * v).sum(-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def hand_features(xy) -> dict[str, np.ndarray]:
    """Invariant features of (N, 21, 2) hands: ``extension`` (N, 5) thumb..pinky in [0, 1] (NaN where
    the finger's keypoints are missing), ``pinch`` (N) thumb-index tip distance / palm size,
    ``palm`` (N) palm size, ``index_up`` / ``thumb_up`` (N) angle of the index / thumb from the
    image's up direction (degrees)."""
    xy = check_hands(xy)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = xy - xy[:, :1]                                   # wrist at the origin
        dist = np.sqrt((rel * rel).sum(-1))                    # (N, 21) distance to the wrist
        knuckles = dist[:, 5::4]
        palm = nanmean(np.where(knuckles > 0, knuckles, np.nan), 1)
        reach = dist[:, _TIP] / dist[:, _PIP]                  # (N, 4)
        bend = np.nan_to_num(_bends(xy[:, _MCP], xy[:, _PIP], xy[:, _DIP]), nan=0.0) \
            + np.nan_to_num(_bends(xy[:, _PIP], xy[:, _DIP], xy[:, _TIP]), nan=0.0)
        ext = np.empty((len(xy), 5))
        ext[:, 1:] = 0.65 * sigmoid((reach - 1.12) / 0.05) + 0.35 * sigmoid((100.0 - bend) / 15.0)
        # thumb: straight from the MCP on, and its tip well off the index knuckle and index PIP
        tbend = np.nan_to_num(_bends(xy[:, 1:3], xy[:, 2:4], xy[:, 3:5]), nan=0.0).sum(1)
        tip = xy[:, 4:5]
        d = np.sqrt(((tip - xy[:, [5, 6, 2, 8]]) ** 2).sum(-1)) / palm[:, None]
        off = np.minimum(d[:, 0], d[:, 1])
        ext[:, 0] = sigmoid((off - 0.55) / 0.08) * sigmoid((60.0 - tbend) / 12.0) * sigmoid((d[:, 2] - 0.35) / 0.06)
        ext[:, 0] = np.where(np.isfinite(off + d[:, 2]), ext[:, 0], np.nan)
        pinch = d[:, 3]
        v = xy[:, [8, 4]] - xy[:, [5, 2]]
        up = np.abs(np.degrees(np.arctan2(v[..., 0], -v[..., 1])))
    return {"extension": ext, "pinch": pinch, "palm": palm, "index_up": up[:, 0], "thumb_up": up[:, 1]}


def template_scores(feats: dict[str, np.ndarray], up_tolerance: float = 90.0) -> np.ndarray:
    """(N, T) score in [0, 1] of every template in ``_ORDER``: the geometric mean of its factors
    (NaN where a keypoint it needs is missing)."""
    ext = feats["extension"]
    with np.errstate(invalid="ignore"):
        log_e = np.log(np.clip(ext, _LOG_FLOOR, 1.0))
        log_c = np.log(np.clip(1.0 - ext, _LOG_FLOOR, 1.0))
        # NaN * 0 is NaN: a missing finger only spoils the templates that look at it
        logs = _masked_matmul(log_e, _WANT_EXT) + _masked_matmul(log_c, _WANT_CURL)
        count = _WANT_EXT.sum(0) + _WANT_CURL.sum(0) + 0.0
        extra = np.zeros_like(logs)
        extra[:, _T["ok"]] = _log_sigmoid((0.35 - feats["pinch"]) / 0.06)
        extra[:, _T["open_palm"]] = _log_sigmoid((feats["pinch"] - 0.3) / 0.06)
        score = np.exp((logs + extra) / (count + _HAS_EXTRA))
        # the direction is a gate, not one more vote: at ``up_tolerance`` it halves the score
        score[:, _T["pointing_up"]] *= sigmoid((up_tolerance - feats["index_up"]) / 1.5)
        score[:, _T["thumb_up"]] *= sigmoid((up_tolerance - feats["thumb_up"]) / 1.5)
        score[:, _T["thumb_down"]] *= sigmoid((feats["thumb_up"] - (180.0 - up_tolerance)) / 1.5)
        return score


_HAS_EXTRA = np.array([name in ("ok", "open_palm") for name in _ORDER],
                      dtype=np.float64)


def _log_sigmoid(x):
    return np.log(np.clip(sigmoid(x), _LOG_FLOOR, 1.0))


def _masked_matmul(a, mask):
    """``a @ mask`` where a NaN in ``a`` spoils only the columns whose ``mask`` uses it."""
    nan = np.isnan(a)
    out = np.where(nan, 0.0, a) @ mask
    return np.where((nan.astype(np.float64) @ mask) > 0, np.nan, out)


def classify_hand_gestures(xy, min_score: float = 0.5, up_tolerance: float = 90.0):
    """Classify a batch of hands: ``xy`` (N, 21, 2) in topology order, NaN = missing.

    Returns ``(labels, scores)``: a list of N label strings from ``HAND_LABELS`` and an (N,)
    float array.  ``up_tolerance`` is the largest angle (degrees) between the index finger
    (``pointing_up``) or thumb (``thumb_up``; ``thumb_down`` against down) and the image's up
    direction."""
    if not (np.isfinite(min_score) and 0.0 <= min_score <= 1.0):
        raise InputError(f"min_score must be in [0, 1], got {min_score}")
    if not (np.isfinite(up_tolerance) and 0.0 < up_tolerance <= 180.0):
        raise InputError(f"up_tolerance must be in (0, 180] degrees, got {up_tolerance}")
    feats = hand_features(xy)
    scores = template_scores(feats, up_tolerance)
    safe = np.nan_to_num(scores, nan=-1.0)
    best = safe.argmax(1) if len(safe) else np.zeros(0, int)
    best_score = safe[np.arange(len(safe)), best]
    labels = [(_ORDER[b] if s >= min_score else "none") for b, s in zip(best, best_score)]
    # ``none``: how sure we are that no template fits (0 when every keypoint is missing)
    out = np.where(best_score >= min_score, best_score, np.where(best_score < 0, 0.0, 1.0 - best_score))
    return labels, out


def classify_hand_gesture(xy, min_score: float = 0.5, up_tolerance: float = 90.0) -> tuple[str, float]:
    """One hand's (21, 2) keypoints in topology order (NaN = missing) -> ``(label, score)``."""
    a = np.asarray(xy, dtype=np.float64)
    if a.shape != (21, 2):
        raise InputError(f"one hand's keypoints must have shape (21, 2), got {a.shape}")
    labels, scores = classify_hand_gestures(a[None], min_score, up_tolerance)
    return labels[0], float(scores[0])
