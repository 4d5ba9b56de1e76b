"""Dynamic hand gestures from a tracked hand's index fingertip over its last frames.

Labels: ``stop`` (the fingertip stays put), ``clockwise`` / ``counter_clockwise`` (it draws a loop;
the sense as seen in the image, x right, y down), ``move`` (it travels without looping), and
``none`` when too few of the points are known.

Rules on three numbers, all invariant to position and (given ``scale``) to size:

* extent: the largest side of the trajectory's bounding box / ``scale``;
* turning: the signed sum of the heading changes between successive steps (degrees; > 0 is
  clockwise in image axes), counting only steps longer than a small fraction of ``scale`` so
  that jitter of a still finger does not add up;
* enough valid points (NaN = the fingertip was not seen in that frame).

``scale`` is the hand's size in the trajectory's units: the palm size (mean wrist-knuckle
distance) of the hand being tracked, so that the same gesture is recognised near and far.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from ._math import sigmoid

MOTION_LABELS = ("none", "stop", "clockwise", "counter_clockwise", "move")
HISTORY = 16  # frames, as the trajectory set (Kazuhito00's point history)

STOP_EXTENT = 0.15   # bounding box side / palm size below which the fingertip "stays put"
LOOP_TURN = 200.0    # degrees of accumulated turning that make a loop
MIN_STEP = 0.03      # steps shorter than this (x palm size) carry no heading


def check_trajectories(points, scale) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(points, dtype=np.float64)
    if p.ndim == 2:
        p = p[None]
    if p.ndim != 3 or p.shape[-1] != 2 or p.shape[1] < 2:
        raise InputError(f"fingertip trajectories must have shape (T, 2) or (N, T, 2) with T >= 2, got {np.shape(points)}")
    if np.isinf(p).any():
        raise InputError("fingertip positions must be finite numbers or NaN (missing)")
    s = np.broadcast_to(np.asarray(scale, dtype=np.float64), (p.shape[0],)).copy()
    if not (np.isfinite(s).all() and (s > 0).all()):
        raise InputError(f"scale (the hand's size) must be finite and > 0, got {scale}")
    return p, s


def motion_features(points, scale) -> dict[str, np.ndarray]:
    """(N, T, 2) fingertip positions oldest first (NaN = missing), ``scale`` (N,) or scalar ->
    ``extent``, ``turn`` (degrees, > 0 clockwise), ``path`` (length / scale), ``valid`` (count)."""
    p, s = check_trajectories(points, scale)
    ok = np.isfinite(p).all(-1)
    valid = ok.sum(1)
    q = p / s[:, None, None]
    with np.errstate(invalid="ignore"):
        lo = np.where(ok[..., None], q, np.inf).min(1)
        hi = np.where(ok[..., None], q, -np.inf).max(1)
    extent = np.where(valid > 0, (hi - lo).max(-1), np.nan)
    # steps between successive *known* points (gaps are bridged)
    n, t = ok.shape
    turn = np.zeros(n)
    path = np.zeros(n)
    for i in range(n):  # a trajectory is short (16 points); rows are few (one per tracked hand)
        pts = q[i, ok[i]]
        d = np.diff(pts, axis=0)
        length = np.hypot(d[:, 0], d[:, 1])
        path[i] = length.sum()
        d = d[length > MIN_STEP]
        if len(d) >= 2:
            cross = d[:-1, 0] * d[1:, 1] - d[:-1, 1] * d[1:, 0]
            dot = (d[:-1] * d[1:]).sum(1)
            turn[i] = np.degrees(np.arctan2(cross, dot)).sum()
    return {"extent": extent, "turn": turn, "path": path, "valid": valid}


def classify_motions(points, scale, min_points: int = 8):
    """Classify a batch of fingertip trajectories (N, T, 2), oldest first, NaN = missing;
    ``scale``: each hand's palm size in the same units (scalar or (N,)).  Returns
    ``(labels, scores)``."""
    if not (isinstance(min_points, (int, np.integer)) and min_points >= 2):
        raise InputError(f"min_points must be an integer >= 2, got {min_points}")
    f = motion_features(points, scale)
    p_stop = sigmoid((STOP_EXTENT - f["extent"]) / 0.03)
    p_loop = sigmoid((np.abs(f["turn"]) - LOOP_TURN) / 30.0)
    labels, scores = [], np.zeros(len(f["turn"]))
    for i in range(len(scores)):
        if f["valid"][i] < min_points:
            labels.append("none")
            scores[i] = 1.0 - f["valid"][i] / max(min_points, 1)
            continue
        if p_stop[i] >= 0.5:
            labels.append("stop")
            scores[i] = p_stop[i]
        elif p_loop[i] >= 0.5:
            labels.append("clockwise" if f["turn"][i] > 0 else "counter_clockwise")
            scores[i] = (1.0 - p_stop[i]) * p_loop[i]
        else:
            labels.append("move")
            scores[i] = (1.0 - p_stop[i]) * (1.0 - p_loop[i])
    return labels, scores


def classify_motion(points, scale, min_points: int = 8) -> tuple[str, float]:
    """One fingertip trajectory (T, 2), oldest first -> ``(label, score)``."""
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2:
        raise InputError(f"one fingertip trajectory must have shape (T, 2), got {p.shape}")
    labels, scores = classify_motions(p[None], np.asarray(scale, dtype=np.float64).reshape(1), min_points)
    return labels[0], float(scores[0])
