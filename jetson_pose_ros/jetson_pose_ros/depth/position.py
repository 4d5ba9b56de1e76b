"""One 3D position per person: the robust centre of the torso keypoints.

The torso (``left_shoulder``, ``right_shoulder``, ``left_hip``, ``right_hip``, matched by name in
the topology, so COCO, OpenPose-18 and BlazePose layouts all work) moves least with gestures and
is the largest surface for depth.  The centre is the per-axis median of the torso keypoints with a
valid 3D point (robust to one keypoint whose depth window hit the background); a person with no
valid torso keypoint falls back to the median of all its valid keypoints (a hand, a person cut by
the image border); NaN when no keypoint has a valid depth.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

TORSO_KEYPOINTS = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")


def torso_ids(keypoint_names: Sequence[str]) -> np.ndarray:
    """Topology ids of the torso keypoints present in ``keypoint_names``."""
    return _torso_ids(tuple(keypoint_names))


@lru_cache(maxsize=16)
def _torso_ids(names: tuple[str, ...]) -> np.ndarray:
    ids = np.array([names.index(n) for n in TORSO_KEYPOINTS if n in names], np.int64)
    ids.flags.writeable = False
    return ids


def median_valid(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Median over axis 1 of (N, K, D) ``values`` where (N, K) ``valid``; NaN rows with none."""
    n, k, d = values.shape
    v = np.where(valid[..., None], values, np.inf)
    v.sort(axis=1)
    count = valid.sum(axis=1)                                              # (N,)
    rows = np.arange(n)
    lo, hi = v[rows, np.maximum(count - 1, 0) // 2], v[rows, count // 2]    # (N, D)
    return np.where((count > 0)[:, None], (lo + hi) * 0.5, np.nan)


def person_positions(xyz: np.ndarray, keypoint_names: Sequence[str]) -> np.ndarray:
    """(N, K, 3) keypoints in metres -> (N, 3) torso centres (see the module docstring)."""
    xyz = np.asarray(xyz, np.float64)
    if xyz.shape[0] == 0:
        return np.zeros((0, 3))
    valid = np.isfinite(xyz).all(axis=-1)
    torso = torso_ids(keypoint_names)
    out = np.full((xyz.shape[0], 3), np.nan)
    if len(torso):
        out = median_valid(xyz[:, torso], valid[:, torso])
    missing = ~np.isfinite(out).all(axis=1)
    if missing.any():
        out[missing] = median_valid(xyz[missing], valid[missing])
    return out
