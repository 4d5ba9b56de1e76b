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

from ..core.errors import InputError
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
        raise InputError("fingertip trajectories must have shape (T, 2) or (N, T, 2) with T >= 2, "
                         f"got {np.shape(points)}")
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
    # steps between successive *known* points (gaps are bridged): known points moved to the front
    q = np.take_along_axis(q, np.argsort(~ok, axis=1, kind="stable")[..., None], axis=1)
    d = np.diff(q, axis=1)                                                   # (N, T-1, 2)
    j = np.arange(d.shape[1])
    step_ok = j[None] < (valid[:, None] - 1)
    length = np.hypot(d[..., 0], d[..., 1])
    path = np.where(step_ok, length, 0.0).sum(1)
    # heading changes between successive steps long enough to carry a heading
    keep = step_ok & (length > MIN_STEP)
    d = np.take_along_axis(d, np.argsort(~keep, axis=1, kind="stable")[..., None], axis=1)
    pair_ok = j[None, :-1] < (keep.sum(1)[:, None] - 1)
    cross = d[:, :-1, 0] * d[:, 1:, 1] - d[:, :-1, 1] * d[:, 1:, 0]
    dot = (d[:, :-1] * d[:, 1:]).sum(-1)
    with np.errstate(invalid="ignore"):
        turn = np.where(pair_ok, np.degrees(np.arctan2(cross, dot)), 0.0).sum(1)
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
    enough = f["valid"] >= min_points
    stop = enough & (p_stop >= 0.5)
    loop = enough & ~stop & (p_loop >= 0.5)
    move = enough & ~stop & ~loop
    labels = np.where(stop, "stop", np.where(loop, np.where(f["turn"] > 0, "clockwise", "counter_clockwise"),
                                             np.where(move, "move", "none"))).tolist()
    scores = np.where(stop, p_stop, np.where(loop, (1.0 - p_stop) * p_loop, (1.0 - p_stop) * (1.0 - p_loop)))
    scores = np.where(enough, scores, 1.0 - f["valid"] / min_points)
    return labels, scores


def classify_motion(points, scale, min_points: int = 8) -> tuple[str, float]:
    """One fingertip trajectory (T, 2), oldest first -> ``(label, score)``."""
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2:
        raise InputError(f"one fingertip trajectory must have shape (T, 2), got {p.shape}")
    labels, scores = classify_motions(p[None], np.asarray(scale, dtype=np.float64).reshape(1), min_points)
    return labels[0], float(scores[0])
