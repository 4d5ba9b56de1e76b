"""What the peer comparisons share: timing, pose arrays, matching and agreement figures."""
from __future__ import annotations

import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from jetson_pose_ros.core.pose import ObjectPose


def timed(fn, repeat):
    """(result of the last call, median ms over ``repeat`` calls)."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1e3)
    return out, float(np.median(times))


def as_array(pose: ObjectPose, k: int) -> np.ndarray:
    """[K,3] x, y, score by topology id (NaN where missing)."""
    a = np.full((k, 3), np.nan)
    for kp in pose.keypoints:
        a[kp.id] = (kp.x, kp.y, kp.score)
    return a


def box_size(a: np.ndarray) -> float:
    xy = a[np.isfinite(a[:, 0]), :2]
    return float(max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1.0)) if len(xy) else 1.0


def match(ref: list[np.ndarray], other: list[np.ndarray], min_common: int = 3):
    """Hungarian matching on the mean keypoint distance / ref box size over the keypoints both
    have; returns [(i_ref, j_other, normalised distances per common keypoint)]."""
    if not ref or not other:
        return []
    cost = np.full((len(ref), len(other)), 1e6)
    dists = {}
    for i, r in enumerate(ref):
        size = box_size(r)
        for j, o in enumerate(other):
            ok = np.isfinite(r[:, 0]) & np.isfinite(o[:, 0])
            if ok.sum() >= min_common:
                d = np.linalg.norm(r[ok, :2] - o[ok, :2], axis=1) / size
                cost[i, j] = d.mean()
                dists[i, j] = d
    rows, cols = linear_sum_assignment(cost)
    return [(i, j, dists[i, j]) for i, j in zip(rows, cols) if cost[i, j] < 0.5]


def agreement(pairs, n_ref, n_other) -> dict:
    d = np.concatenate([p[2] for p in pairs]) if pairs else np.array([])
    per = [float(p[2].mean()) for p in pairs]
    return {"peer_detections": n_ref, "our_detections": n_other, "matched": len(pairs),
            "mean_norm_dist": float(d.mean()) if d.size else float("nan"),
            "median_norm_dist_per_detection": float(np.median(per)) if per else float("nan"),
            "keypoints_within_5pct": float((d <= 0.05).mean()) if d.size else float("nan"),
            "keypoints_compared": int(d.size)}


def filtered(poses, threshold):
    """Copies of ``poses`` without keypoints scored below ``threshold``."""
    out = []
    for p in poses:
        kps = [k for k in p.keypoints if k.score >= threshold]
        out.append(ObjectPose.from_keypoints(p.id, kps, [], p.score))
    return out
