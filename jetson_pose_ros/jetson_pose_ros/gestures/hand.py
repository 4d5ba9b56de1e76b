"""Static hand signs from 21 hand keypoints (MediaPipe Hands / trt_pose_hand order).

Rules on features that do not depend on where the hand is, how large it is, which hand it is
(mirror) or how it is turned in the image plane:

* finger extension (0 = curled, 1 = straight) from the fingertip's distance to the wrist relative
  to the PIP joint's, and from the bend at the PIP and DIP joints;
* for the thumb: its straightness and how far its tip stands off the index knuckle, relative to
  the palm size (mean wrist-knuckle distance);
* the thumb-index tip distance relative to the palm size (``ok``);
* the image's up direction only for ``thumb_up`` and ``thumb_down`` (``up_tolerance``), and for
  ``pointing_up`` only when asked (``pointing_tolerance`` below 180: the index finger or the hand's
  own axis, wrist -> middle knuckle, within it of up; an index aimed at the camera from an upright
  hand is short and may point anywhere in the image).  By default ``pointing_up`` is the hand
  shape, index out and the others curled, whichever way it points.

Each label is a template of "this finger extended / curled"; a template's score is the geometric
mean of its fingers' agreements, and the best template wins.  Below ``min_score`` (or where
keypoints the template needs are missing) the label is ``none``.

On top of the rules, a small learned model (``hand_model``, weights ``hand_signs.json``, trained
by ``tools/train_hand_signs.py`` on the dev data) decides between the four signs the data has
(``open_palm``, ``closed_fist``, ``pointing_up``, ``ok``) for every hand whose 21 keypoints are all
present; where it answers ``other``, is unsure (its probability below ``min_score``) or keypoints
are missing, the rules' label stands, so ``thumb_up``, ``thumb_down``, ``victory``,
``i_love_you`` and ``none`` come from the rules (and their ``ok`` stands against the model's
``open_palm``).

Image axes: x to the right, y down (pixels or any units; only ratios are used).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..core.errors import InputError
from ._math import nanmean, sigmoid
from .hand_model import default_model, model_features

HAND_LABELS = ("none", "closed_fist", "open_palm", "pointing_up", "thumb_up", "thumb_down",
               "victory", "i_love_you", "ok")
POINTING_TOLERANCE = 180.0   # degrees from up for pointing_up: any direction (see classify_hand_gestures)

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


# the 10 joints whose bend is measured: 4 fingers at PIP, 4 at DIP, thumb at MCP and IP
_BEND_A = np.r_[_MCP, _PIP, 1, 2]
_BEND_B = np.r_[_PIP, _DIP, 2, 3]
_BEND_C = np.r_[_DIP, _TIP, 3, 4]
# logit offsets / widths of the 11 soft thresholds (4 reach, 4 finger bend, thumb off, bend, span)
_CENTRE = np.r_[[1.12] * 4, [100.0] * 4, 0.55, 60.0, 0.35]
_WIDTH = np.r_[[0.05] * 4, [-15.0] * 4, 0.08, -12.0, 0.06]
_NEED = ((_WANT_EXT + _WANT_CURL) > 0).astype(np.float64)        # (5, T) fingers a template looks at
_WANT_BOTH = np.vstack([_WANT_EXT, _WANT_CURL])                   # (10, T)


def hand_features(xy) -> dict[str, np.ndarray]:
    """Invariant features of (N, 21, 2) hands: ``extension`` (N, 5) thumb..pinky in [0, 1] (NaN where
    the finger's keypoints are missing), ``pinch`` (N) thumb-index tip distance / palm size,
    ``palm`` (N) palm size, ``index_up`` (N) angle (degrees) from the image's up direction of the
    index finger or of the hand's axis (wrist -> middle knuckle), whichever is nearer to up,
    ``thumb_up`` (N) the thumb's angle from up."""
    xy = check_hands(xy)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = xy - xy[:, :1]                                   # wrist at the origin
        dist = np.sqrt((rel * rel).sum(-1))                    # (N, 21) distance to the wrist
        palm = nanmean(np.where(dist[:, 5::4] > 0, dist[:, 5::4], np.nan), 1)
        u = xy[:, _BEND_B] - xy[:, _BEND_A]
        v = xy[:, _BEND_C] - xy[:, _BEND_B]
        cos = (u * v).sum(-1) / np.sqrt((u * u).sum(-1) * (v * v).sum(-1))
        bend = np.fmax(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))), 0.0)     # (N, 10), unknown -> 0
        # thumb: its tip well off the index knuckle and PIP, straight from the MCP on, and long
        d = np.sqrt(((xy[:, 4:5] - xy[:, [5, 6, 2, 8]]) ** 2).sum(-1)) / palm[:, None]
        raw = np.concatenate([dist[:, _TIP] / dist[:, _PIP], bend[:, :4] + bend[:, 4:8],
                              np.minimum(d[:, :1], d[:, 1:2]), bend[:, 8:9] + bend[:, 9:10], d[:, 2:3]], 1)
        sig = sigmoid((raw - _CENTRE) / _WIDTH)
        ext = np.empty((len(xy), 5))
        ext[:, 1:] = 0.65 * sig[:, :4] + 0.35 * sig[:, 4:8]
        ext[:, 1:][np.isnan(raw[:, :4])] = np.nan
        ext[:, 0] = np.where(np.isnan(raw[:, 8] + raw[:, 10]), np.nan, sig[:, 8] * sig[:, 9] * sig[:, 10])
        w = xy[:, [8, 4, 9]] - xy[:, [5, 2, 0]]
        up = np.abs(np.degrees(np.arctan2(w[..., 0], -w[..., 1])))
        index_up = np.fmin(up[:, 0], up[:, 2])
    return {"extension": ext, "pinch": d[:, 3], "palm": palm, "index_up": index_up, "thumb_up": up[:, 1]}


def template_scores(feats: dict[str, np.ndarray], up_tolerance: float = 90.0,
                    pointing_tolerance: float = POINTING_TOLERANCE) -> np.ndarray:
    """(N, T) score in [0, 1] of every template in ``_ORDER``: the geometric mean of its factors
    (NaN where a keypoint it needs is missing); the up direction gates the directional ones."""
    ext = feats["extension"]
    missing = np.isnan(ext)
    e = np.where(missing, 0.5, ext)
    logs = np.log(np.clip(np.concatenate([e, 1.0 - e], 1), _LOG_FLOOR, 1.0)) @ _WANT_BOTH
    with np.errstate(invalid="ignore"):
        pinch = np.log(np.clip(sigmoid(np.stack([0.35 - feats["pinch"], feats["pinch"] - 0.3], 1) / 0.06),
                               _LOG_FLOOR, 1.0))
        logs[:, _T["ok"]] += pinch[:, 0]
        logs[:, _T["open_palm"]] += pinch[:, 1]
        score = np.exp(logs / _COUNT)
        score[(missing @ _NEED) > 0] = np.nan
        gate = sigmoid(np.stack([pointing_tolerance - feats["index_up"], up_tolerance - feats["thumb_up"],
                                 feats["thumb_up"] - (180.0 - up_tolerance)], 1) / 1.5)
        score[:, _GATED] *= gate
    return score


_COUNT = _NEED.sum(0) + np.array([name in ("ok", "open_palm") for name in _ORDER])
_GATED = [_T["pointing_up"], _T["thumb_up"], _T["thumb_down"]]


@lru_cache(maxsize=None)
def _order_index(classes: tuple[str, ...]) -> np.ndarray:
    """Each model class's index in ``_ORDER`` (-1: a class the rules do not name, ``other``)."""
    return np.array([_ORDER.index(c) if c in _ORDER else -1 for c in classes])


def classify_hand_gestures(xy, min_score: float = 0.5, up_tolerance: float = 90.0,
                           pointing_tolerance: float = POINTING_TOLERANCE):
    """Classify a batch of hands: ``xy`` (N, 21, 2) in topology order, NaN = missing.

    Returns ``(labels, scores)``: a list of N label strings from ``HAND_LABELS`` and an (N,)
    float array.  ``up_tolerance`` is the largest angle (degrees) between the thumb and the image's
    up direction for ``thumb_up`` (``thumb_down``: against down); ``pointing_tolerance`` the same
    for the index finger or the hand's axis (``pointing_up``), by default 180: any direction, since
    the sign is the hand shape (9.4 % of the dev data's Pointer rows point below the horizontal;
    90 is the strict reading, 0.865 of those rows right instead of 0.955).  The rules and the shipped learned model (``hand_signs.json``) decide
    together: see the module's docstring."""
    return classify_with_model(xy, default_model(), min_score, up_tolerance, pointing_tolerance)


def classify_with_model(xy, model, min_score: float = 0.5, up_tolerance: float = 90.0,
                        pointing_tolerance: float = POINTING_TOLERANCE):
    """``classify_hand_gestures`` with the learned model given (``None``: the rules alone)."""
    if not (np.isfinite(min_score) and 0.0 <= min_score <= 1.0):
        raise InputError(f"min_score must be in [0, 1], got {min_score}")
    for name, value in (("up_tolerance", up_tolerance), ("pointing_tolerance", pointing_tolerance)):
        if not (np.isfinite(value) and 0.0 < value <= 180.0):
            raise InputError(f"{name} must be in (0, 180] degrees, got {value}")
    xy = check_hands(xy)
    feats = hand_features(xy)
    scores = template_scores(feats, up_tolerance, pointing_tolerance)
    safe = np.nan_to_num(scores, nan=-1.0)
    best = safe.argmax(1) if len(safe) else np.zeros(0, int)
    best_score = safe[np.arange(len(safe)), best]
    # ``none``: how sure we are that no template fits (0 when every keypoint is missing)
    sure = best_score >= min_score
    out = np.where(sure, best_score, np.where(best_score < 0, 0.0, 1.0 - best_score))
    names = np.where(sure, best, -1)                     # index into _ORDER, -1 = none
    if model is not None and len(xy):
        complete = np.isfinite(xy).all((1, 2)) & (feats["palm"] > 0)
        every = bool(complete.all())
        rows = slice(None) if every else np.flatnonzero(complete)
        if every or len(rows):
            p = model.probabilities(model_features(xy[rows], feats["extension"][rows], feats["pinch"][rows]))
            k = p.argmax(1)
            sc = p[np.arange(len(k)), k]
            # the rules' label stands where the model answers "other" or is unsure (below min_score),
            # and their ``ok`` (thumb and index tips together) against the model's open_palm: the
            # data's OK rows are one recording of one hand side
            use = (k != model.index("other")) & (sc >= min_score) \
                & ~((k == model.index("open_palm")) & (names[rows] == _T["ok"]))
            is_point = k == model.index("pointing_up")
            if is_point.any() and pointing_tolerance < 180.0:     # the strict reading: pointing up
                with np.errstate(invalid="ignore"):
                    sc = np.where(is_point, sc * sigmoid((pointing_tolerance - feats["index_up"][rows]) / 1.5), sc)
            sure = sc >= min_score
            mine = np.where(sure, _order_index(model.classes)[k], -1)
            sub_names, sub_out = names[rows], out[rows]
            names[rows] = np.where(use, mine, sub_names)
            out[rows] = np.where(use, np.where(sure, sc, 1.0 - sc), sub_out)
    return [_ORDER[n] if n >= 0 else "none" for n in names.tolist()], out


def classify_hand_gesture(xy, min_score: float = 0.5, up_tolerance: float = 90.0) -> tuple[str, float]:
    """One hand's (21, 2) keypoints in topology order (NaN = missing) -> ``(label, score)``."""
    a = np.asarray(xy, dtype=np.float64)
    if a.shape != (21, 2):
        raise InputError(f"one hand's keypoints must have shape (21, 2), got {a.shape}")
    labels, scores = classify_hand_gestures(a[None], min_score, up_tolerance)
    return labels[0], float(scores[0])
