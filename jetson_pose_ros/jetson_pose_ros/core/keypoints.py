"""Keypoint maths, written once: COCO's per-keypoint sigmas, the object keypoint similarity
(OKS) and one-to-one matching (Hungarian).  Used by tracking (``pipeline.tracking``), the
merging of test-time-augmentation passes (``networks.merge``), the backend/precision
comparisons (``compare``, tests) and the accuracy guard (``frame_agreement``,
``tools/accuracy_guard.py``).  (``evaluation.accuracy`` scores body sets with pycocotools'
own OKS, the reference implementation of the metric, and hands by PCK.)

Sigmas: COCO's (pycocotools) for its 17 keypoints.  ``neck`` (the trt_pose topologies, and the
shoulder midpoint the single-stage and landmark families derive) gets the shoulders' .079: it
lies between them and moves with them, so its position is as uncertain as theirs.  Every other
keypoint (hands, feet, face ...) gets ``DEFAULT_SIGMA`` .05, twice the strictest body sigma;
the accuracy guard asks for xtcocotools' stricter .025 for those (``STRICT_SIGMA``).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

COCO_KEYPOINTS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
                  "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
                  "left_knee", "right_knee", "left_ankle", "right_ankle")
# COCO keypoint sigmas (pycocotools), by keypoint name, plus the neck (see above)
COCO_SIGMAS = dict(zip(COCO_KEYPOINTS, (.026, .025, .025, .035, .035, .079, .079, .072, .072, .062, .062,
                                        .107, .107, .087, .087, .089, .089)))
SIGMAS = {**COCO_SIGMAS, "neck": .079}
DEFAULT_SIGMA = 0.05       # keypoints without a sigma of their own (hands, face, feet ...)
STRICT_SIGMA = 0.025       # xtcocotools' value for sets without their own (the accuracy guard)


def sigmas(names: Sequence[str], table: Mapping[str, float] = SIGMAS, default: float = DEFAULT_SIGMA) -> np.ndarray:
    """Per-keypoint sigma of a topology's keypoint ``names`` (``default`` for names not in ``table``)."""
    return np.array([table.get(n, default) for n in names])


def falloff(names: Sequence[str], scale: float = 1.0, table: Mapping[str, float] = SIGMAS,
            default: float = DEFAULT_SIGMA) -> np.ndarray:
    """COCO's per-keypoint constant ``kappa = 2 sigma`` (times ``scale``, to widen it) of ``names``."""
    return 2.0 * scale * sigmas(names, table, default)


def keypoint_area(points: np.ndarray) -> float:
    """Area (w * h) of the bounding box of the found (finite) keypoints of a (K,2) array;
    0 for fewer than two."""
    found = np.isfinite(points).all(axis=1)
    if found.sum() < 2:
        return 0.0
    w, h = np.ptp(points[found], axis=0)
    return float(w * h)


def oks(a: np.ndarray, b: np.ndarray, area: float, kappa: np.ndarray, over: np.ndarray, count: int = 0) -> float:
    """Object keypoint similarity of pose ``b`` to pose ``a`` ((K,2) arrays, NaN: not found): the sum
    over the keypoints ``over`` (bool mask) of ``exp(-d^2 / (2 area kappa^2))`` (0 where ``b`` lacks
    the keypoint), divided by ``max(count, keypoints in over, 1)``.  COCO's OKS takes ``over`` = the
    keypoints of the reference ``a`` and ``area`` = its size."""
    d2 = ((a[over] - b[over]) ** 2).sum(axis=1)
    e = np.exp(-d2 / (2 * area * kappa[over] ** 2))
    e = np.where(np.isfinite(e), e, 0.0)
    return float(e.sum() / max(int(count), len(e), 1))


def oks_matrix(ref_xy: np.ndarray, other_xy: np.ndarray, sig: np.ndarray) -> np.ndarray:
    """COCO object keypoint similarity of every reference pose [N,K,2] (NaN: not found) with every
    other pose [M,K,2]: mean over the reference's found keypoints of exp(-d^2 / (2 s^2 (2 sigma)^2)),
    s^2 = area of the reference's keypoint box (at least 1); a keypoint the other pose lacks scores 0."""
    out = np.zeros((len(ref_xy), len(other_xy)))
    kappa = 2.0 * sig
    for i, a in enumerate(ref_xy):
        fa = np.isfinite(a).all(axis=1)
        if not fa.any():
            continue
        area = max(keypoint_area(a), 1.0)
        for j, b in enumerate(other_xy):
            out[i, j] = oks(a, b, area, kappa, fa)
    return out


def match(similarity: np.ndarray, minimum: float | None = None) -> list[tuple[int, int]]:
    """One-to-one matching (Hungarian, ``scipy.optimize.linear_sum_assignment``) of the rows and
    columns of a similarity matrix that maximises the total; pairs below ``minimum`` are left out."""
    # function-level: scipy.optimize costs ~50 MB of RSS (measured here), kept off the start path of the
    # families that import this module (networks.merge, networks.paf)
    from scipy.optimize import linear_sum_assignment

    if not np.size(similarity):
        return []
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if minimum is None or similarity[r, c] >= minimum]


# ------------------------------------------------------------------ comparing two sets of poses
def compare(reference: np.ndarray, other: np.ndarray) -> dict:
    """How far apart two sets of poses of the same image are (backend and precision checks): poses
    ([N,K,2] and [M,K,2] keypoints, NaN: not found, e.g. two ``PoseFrame.xy``) matched one to one by
    the mean distance of their common keypoints -> {matched, unmatched_reference, unmatched_other,
    relative_distances (pixels / the larger side of the reference pose's keypoint box),
    keypoints_in_one_only (found in only one of a matched pair)}."""
    ref, oth = list(np.asarray(reference, float)), list(np.asarray(other, float))
    cost = np.full((len(ref), len(oth)), 1e9)
    for i, a in enumerate(ref):
        for j, b in enumerate(oth):
            d = np.linalg.norm(a - b, axis=1)
            if np.isfinite(d).any():
                cost[i, j] = np.nanmean(d)
    rel, only_one, matched = [], 0, 0
    for i, j in match(-cost):
        if cost[i, j] >= 1e9:           # no keypoint in common
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
LOST_SCORE = 0.5      # a reference pose at least this sure must have a counterpart...
LOST_OKS = 0.5        # ...with at least this OKS, else it is lost


def frame_agreement(ref_xy: np.ndarray, ref_scores: np.ndarray, other_xy: np.ndarray, sig: np.ndarray) -> dict:
    """One frame: poses matched one to one by OKS (Hungarian); ``oks`` one value per reference
    pose (0 when it has no counterpart), ``lost`` = reference poses with pose score >= LOST_SCORE
    whose counterpart has OKS < LOST_OKS (or none), ``extra`` = other poses without a counterpart."""
    m = oks_matrix(ref_xy, other_xy, sig)
    best = np.zeros(len(ref_xy))
    pairs = match(m)
    if pairs:
        rows, cols = np.array(pairs).T
        best[rows] = m[rows, cols]
    matched = sum(1 for r, c in pairs if m[r, c] >= LOST_OKS)
    lost = int(((np.asarray(ref_scores) >= LOST_SCORE) & (best < LOST_OKS)).sum())
    return {"oks": best.tolist(), "lost": lost, "extra": len(other_xy) - matched}
