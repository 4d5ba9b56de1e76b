"""Test-time augmentation for families that output whole poses (single-stage,
detector + landmark): run each pass (input scale x mirrored or not), map its poses
back to the original image, and merge the passes by OKS-based suppression.

Merging: all poses of all passes, strongest first; the strongest left takes, from
every other pass, the pose most similar to it if their OKS (COCO's object keypoint
similarity, ``core.keypoints``: per-keypoint sigmas by name) is above ``OKS_THRESHOLD``; the group
becomes one pose: each keypoint at the score-weighted mean of the members that have
it, its score averaged over the *passes* (a pass that missed the keypoint counts 0,
so a keypoint seen in one pass only may fall below the keypoint threshold), the pose
score averaged over the members (so a pose found in one pass only still passes the
family's pose threshold), box and attributes of the strongest member.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import cv2
import numpy as np

from ..core import keypoints
from . import tta

OKS_THRESHOLD = 0.5


@dataclass
class Candidate:
    """One pose of one pass in image pixels and topology order (missing: NaN / 0)."""

    points: np.ndarray              # [K,2]
    scores: np.ndarray              # [K]
    score: float
    box: tuple | None = None        # (x0, y0, x1, y1)
    attributes: dict = field(default_factory=dict)

    def mirrored(self, width: int, perm: np.ndarray, swap: dict | None = None) -> "Candidate":
        """The pose found on a mirrored image, in the original image's coordinates;
        ``swap`` maps attribute values that mirror (e.g. handedness left <-> right)."""
        box = None if self.box is None else (width - self.box[2], self.box[1], width - self.box[0], self.box[3])
        attrs = {k: (swap or {}).get(v, v) if isinstance(v, str) else v for k, v in self.attributes.items()}
        return replace(self, points=tta.mirror_points(self.points, width, perm), scores=self.scores[perm],
                       box=box, attributes=attrs)


def oks(a: Candidate, b: Candidate, sigmas: np.ndarray) -> float:
    """COCO object keypoint similarity (``core.keypoints.oks``) of ``b`` to ``a`` over the keypoints
    both have; the scale is the area of ``a``'s keypoint box (at least 1)."""
    both = (a.scores > 0) & (b.scores > 0) & np.isfinite(a.points).all(1) & np.isfinite(b.points).all(1)
    if not both.any():
        return 0.0
    area = max(keypoints.keypoint_area(np.where((a.scores > 0)[:, None], a.points, np.nan)), 1.0)
    return keypoints.oks(a.points, b.points, area, 2.0 * sigmas, both)


def merge(groups: list[list[Candidate]], sigmas: np.ndarray, threshold: float = OKS_THRESHOLD) -> list[Candidate]:
    """Merge the poses of several passes (one list per pass); strongest first."""
    n = len(groups)
    pool = sorted(((c.score, g, i) for g, cs in enumerate(groups) for i, c in enumerate(cs)), key=lambda t: -t[0])
    used, out = set(), []
    for _, g, i in pool:
        if (g, i) in used:
            continue
        best = groups[g][i]
        used.add((g, i))
        members = [best]
        for h, cs in enumerate(groups):
            if h == g:
                continue
            sims = [(oks(best, c, sigmas), j) for j, c in enumerate(cs) if (h, j) not in used]
            if sims and max(sims)[0] > threshold:
                j = max(sims)[1]
                used.add((h, j))
                members.append(cs[j])
        out.append(combine(members, n))
    out.sort(key=lambda c: -c.score)
    return out


def combine(members: list[Candidate], passes: int) -> Candidate:
    pts = np.stack([m.points for m in members])                       # [M,K,2]
    sc = np.stack([np.where(np.isfinite(m.points).all(1), m.scores, 0.0) for m in members])   # [M,K]
    wsum = sc.sum(0)
    safe = np.where(wsum > 0, wsum, 1.0)
    points = np.where((wsum > 0)[:, None], np.nansum(pts * sc[..., None], axis=0) / safe[:, None], np.nan)
    best = members[0]
    return replace(best, points=points, scores=wsum / passes,
                   score=float(sum(m.score for m in members) / len(members)))


def run_passes(image_bgr: np.ndarray, passes: list[tta.Pass], run: Callable[[np.ndarray, float], list[Candidate]],
               perm: np.ndarray, sigmas: np.ndarray, swap: dict | None = None) -> list[Candidate]:
    """``run(image, scale)`` for every pass; mirrored passes mapped back; merged when
    there is more than one pass."""
    mirrored, groups = None, []
    width = image_bgr.shape[1]
    for p in passes:
        if p.flip:
            mirrored = cv2.flip(image_bgr, 1) if mirrored is None else mirrored
            groups.append([c.mirrored(width, perm, swap) for c in run(mirrored, p.scale)])
        else:
            groups.append(run(image_bgr, p.scale))
    return groups[0] if len(groups) == 1 else merge(groups, sigmas)
