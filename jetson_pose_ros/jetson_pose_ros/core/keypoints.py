"""How far apart two sets of poses of the same image are (backend and precision checks).

Poses are matched one to one (Hungarian) by the mean distance of their common keypoints;
distances are reported in pixels and as a fraction of the reference pose's box size (the
larger side of its keypoints' bounding box)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from .pose import ObjectPose


def _points(pose: ObjectPose, k: int) -> np.ndarray:
    pts = np.full((k, 2), np.nan)
    for kp in pose.keypoints:
        pts[kp.id] = (kp.x, kp.y)
    return pts


def compare(reference: Sequence[ObjectPose], other: Sequence[ObjectPose], num_keypoints: int) -> dict:
    """{matched, unmatched_reference, unmatched_other, distances (relative to box), keypoints
    found in only one of a matched pair}."""
    ref = [_points(p, num_keypoints) for p in reference]
    oth = [_points(p, num_keypoints) for p in other]
    cost = np.full((len(ref), len(oth)), 1e9)
    for i, a in enumerate(ref):
        for j, b in enumerate(oth):
            d = np.linalg.norm(a - b, axis=1)
            if np.isfinite(d).any():
                cost[i, j] = np.nanmean(d)
    rows, cols = linear_sum_assignment(cost) if cost.size else ([], [])
    rel, only_one, matched = [], 0, 0
    for i, j in zip(rows, cols):
        if cost[i, j] >= 1e9:
            continue
        matched += 1
        a, b = ref[i], oth[j]
        fa, fb = np.isfinite(a).all(1), np.isfinite(b).all(1)
        only_one += int((fa ^ fb).sum())
        both = fa & fb
        size = max(float(np.ptp(a[fa], axis=0).max()) if fa.sum() > 1 else 1.0, 1.0)
        rel += list(np.linalg.norm(a[both] - b[both], axis=1) / size)
    return {"matched": matched, "unmatched_reference": len(ref) - matched, "unmatched_other": len(oth) - matched,
            "relative_distances": rel, "keypoints_in_one_only": only_one}


# ------------------------------------------------------------------ OKS agreement (accuracy guard)
# COCO's per-keypoint sigmas by name; other keypoints (hands, feet, face, neck...) get DEFAULT_SIGMA,
# the value xtcocotools uses for sets without their own (stricter than any body sigma).
COCO_SIGMAS = {"nose": .026, "left_eye": .025, "right_eye": .025, "left_ear": .035, "right_ear": .035,
               "left_shoulder": .079, "right_shoulder": .079, "left_elbow": .072, "right_elbow": .072,
               "left_wrist": .062, "right_wrist": .062, "left_hip": .107, "right_hip": .107,
               "left_knee": .087, "right_knee": .087, "left_ankle": .089, "right_ankle": .089}
DEFAULT_SIGMA = 0.025
LOST_SCORE = 0.5      # a reference pose at least this sure must have a counterpart...
LOST_OKS = 0.5        # ...with at least this OKS, else it is lost


def sigmas(names: Sequence[str]) -> np.ndarray:
    return np.array([COCO_SIGMAS.get(n, DEFAULT_SIGMA) for n in names])


def oks_matrix(ref_xy: np.ndarray, other_xy: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """COCO object keypoint similarity of every reference pose [N,K,2] (NaN: not found) with every
    other pose [M,K,2]: mean over the reference's found keypoints of exp(-d^2 / (2 s^2 (2 sigma)^2)),
    s^2 = area of the reference's keypoint box; a keypoint the other pose lacks scores 0."""
    out = np.zeros((len(ref_xy), len(other_xy)))
    var = (2 * sig) ** 2
    for i, a in enumerate(ref_xy):
        fa = np.isfinite(a).all(axis=1)
        if not fa.any():
            continue
        ext = np.ptp(a[fa], axis=0) if fa.sum() > 1 else np.zeros(2)
        area = max(float(ext[0] * ext[1]), 1.0)
        for j, b in enumerate(other_xy):
            d2 = ((a[fa] - b[fa]) ** 2).sum(axis=1)
            e = np.exp(-d2 / (2 * area * var[fa]))
            out[i, j] = float(np.where(np.isfinite(e), e, 0.0).mean())
    return out


def frame_agreement(ref_xy: np.ndarray, ref_scores: np.ndarray, other_xy: np.ndarray, sig: np.ndarray) -> dict:
    """One frame: poses matched one to one by OKS (Hungarian); ``oks`` one value per reference
    pose (0 when it has no counterpart), ``lost`` = reference poses with pose score >= LOST_SCORE
    whose counterpart has OKS < LOST_OKS (or none), ``extra`` = other poses without a counterpart."""
    m = oks_matrix(ref_xy, other_xy, sig)
    best = np.zeros(len(ref_xy))
    matched = 0
    if m.size:
        rows, cols = linear_sum_assignment(-m)
        best[rows] = m[rows, cols]
        matched = int((m[rows, cols] >= LOST_OKS).sum())
    lost = int(((np.asarray(ref_scores) >= LOST_SCORE) & (best < LOST_OKS)).sum())
    return {"oks": best.tolist(), "lost": lost, "extra": len(other_xy) - matched}
