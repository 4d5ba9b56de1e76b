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
