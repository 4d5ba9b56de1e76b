"""Persistent pose IDs across frames.

``PoseTracker.update(poses)`` matches this frame's poses to the tracks of earlier
frames by an OKS-style keypoint similarity (object keypoint similarity, as in the
COCO metric: per keypoint ``exp(-d^2 / (2 s^2 k^2))`` with ``s^2`` the track's box
area and ``k`` a per-keypoint falloff, averaged over keypoints seen in both) and an
optimal one-to-one assignment (Hungarian, ``scipy.optimize.linear_sum_assignment``).
Tracks are predicted forward with their recent velocity; a track that finds no
pose is kept ``max_lost`` frames before it is dropped; IDs count up from 1 and are
never reused.  The returned poses are copies whose ``id`` is the track ID.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Sequence

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from .pose import ObjectPose

# COCO keypoint sigmas (pycocotools), by keypoint name; "neck" (trt_pose) as the shoulders
COCO_SIGMAS = {
    "nose": .026, "left_eye": .025, "right_eye": .025, "left_ear": .035, "right_ear": .035,
    "left_shoulder": .079, "right_shoulder": .079, "left_elbow": .072, "right_elbow": .072,
    "left_wrist": .062, "right_wrist": .062, "left_hip": .107, "right_hip": .107,
    "left_knee": .087, "right_knee": .087, "left_ankle": .089, "right_ankle": .089, "neck": .079,
}
DEFAULT_SIGMA = 0.05      # keypoints without a COCO sigma (hands, face, feet ...)


def pose_points(pose: ObjectPose, num_keypoints: int) -> np.ndarray:
    """(K, 2) keypoint coordinates by topology id, NaN where not found."""
    pts = np.full((num_keypoints, 2), np.nan)
    for kp in pose.keypoints:
        if 0 <= kp.id < num_keypoints:
            pts[kp.id] = (kp.x, kp.y)
    return pts


def keypoint_similarity(a: np.ndarray, b: np.ndarray, area: float, kappa: np.ndarray, count: int = 0) -> float:
    """OKS-style similarity of two (K,2) keypoint arrays (NaN = not found): the sum of
    ``exp(-d^2 / (2 area kappa^2))`` over keypoints found in both, divided by
    ``max(count, keypoints found in b)`` (as OKS divides by the reference's visible
    keypoints), so that a fragment of a few keypoints does not match a whole body well."""
    both = ~(np.isnan(a[:, 0]) | np.isnan(b[:, 0]))
    if not both.any():
        return 0.0
    d2 = ((a[both] - b[both]) ** 2).sum(axis=1)
    n = max(int(count), int((~np.isnan(b[:, 0])).sum()), 1)
    return float(np.exp(-d2 / (2.0 * area * kappa[both] ** 2)).sum() / n)


@dataclass
class Track:
    id: int
    points: np.ndarray                 # (K, 2) last known position of each keypoint (NaN: never seen)
    velocity: np.ndarray               # (K, 2) smoothed per-frame displacement
    area: float
    seen: int = 0                      # keypoints found in the last matched pose
    lost: int = 0                      # frames since the last match
    hits: int = 1                      # frames matched
    age: int = 1                       # frames since created

    def predicted(self, max_extrapolate: int) -> np.ndarray:
        return self.points + self.velocity * min(self.lost + 1, max_extrapolate)


@dataclass
class PoseTracker:
    """Assigns persistent IDs to poses.

    ``max_lost``: frames a track survives without a match; ``min_similarity``: the
    least OKS-style similarity (0..1) for a match; ``sigmas``: falloff per keypoint
    name (default COCO's, calibrated for annotation noise); ``sigma_scale``: widens
    them for frame-to-frame motion and detector noise; ``velocity_smoothing``: weight of the newest displacement
    in the velocity estimate (0 disables prediction); ``max_extrapolate``: frames a
    lost track keeps moving along its velocity; ``min_hits``: matches after which a
    track is confirmed (confirmed tracks are matched first); ``min_keypoints``: a pose with
    fewer keypoints (a fragment) never continues a confirmed track, so that stray fragments
    cannot drag a person's track away while the person is detected poorly.
    """

    max_lost: int = 30
    min_similarity: float = 0.1
    sigmas: dict = field(default_factory=lambda: dict(COCO_SIGMAS))
    sigma_scale: float = 1.5
    velocity_smoothing: float = 0.5
    max_extrapolate: int = 5
    min_hits: int = 3
    min_keypoints: int = 4
    min_area: float = 32.0 ** 2
    tracks: list[Track] = field(default_factory=list, init=False)
    next_id: int = field(default=1, init=False)
    num_keypoints: int = field(default=0, init=False)
    _kappa: np.ndarray = field(default=None, init=False, repr=False)
    _names: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        if self.max_lost < 0:
            raise ValueError(f"max_lost must be >= 0, got {self.max_lost}")
        if not 0 <= self.min_similarity <= 1:
            raise ValueError(f"min_similarity must be in [0, 1], got {self.min_similarity}")

    def reset(self) -> None:
        """Forget all tracks (IDs still never repeat)."""
        self.tracks.clear()

    # --- internals ----------------------------------------------------------------
    def _grow(self, poses: Sequence[ObjectPose]) -> None:
        for p in poses:
            for kp in p.keypoints:
                if kp.name:
                    self._names.setdefault(kp.id, kp.name)
        k = max([self.num_keypoints] + [kp.id + 1 for p in poses for kp in p.keypoints])
        if k != self.num_keypoints or self._kappa is None:
            pad = k - self.num_keypoints
            for t in self.tracks:
                t.points = np.vstack([t.points, np.full((pad, 2), np.nan)])
                t.velocity = np.vstack([t.velocity, np.zeros((pad, 2))])
            self.num_keypoints = k
        sigmas = [self.sigmas.get(self._names.get(i, ""), DEFAULT_SIGMA) for i in range(k)]
        self._kappa = 2.0 * self.sigma_scale * np.array(sigmas)

    @staticmethod
    def _area(pts: np.ndarray, pose: ObjectPose) -> float:
        ok = ~np.isnan(pts[:, 0])
        if ok.sum() >= 2:
            w, h = np.ptp(pts[ok], axis=0)
            area = w * h
        else:
            area = pose.width * pose.height
        return float(area)

    def similarity(self, poses_points: list[np.ndarray]) -> np.ndarray:
        """(tracks, poses) similarity matrix."""
        sim = np.zeros((len(self.tracks), len(poses_points)))
        for i, t in enumerate(self.tracks):
            pred = t.predicted(self.max_extrapolate)
            area = max(t.area, self.min_area)
            for j, pts in enumerate(poses_points):
                sim[i, j] = keypoint_similarity(pred, pts, area, self._kappa, t.seen)
        return sim

    def _update_track(self, t: Track, pts: np.ndarray, area: float) -> None:
        seen = ~np.isnan(pts[:, 0])
        both = seen & ~np.isnan(t.points[:, 0])
        step = np.zeros_like(t.velocity)
        step[both] = (pts[both] - t.points[both]) / (t.lost + 1)
        a = self.velocity_smoothing
        t.velocity[both] = (1 - a) * t.velocity[both] + a * step[both]
        t.velocity[~seen] *= 0.5                      # unseen keypoints: let prediction fade
        # keypoints not seen now keep following the body (mean motion of the seen ones)
        if both.any() and (~seen).any():
            t.points[~seen] += step[both].mean(axis=0)
        t.points[seen] = pts[seen]
        t.seen = int(seen.sum())
        t.area = area if area > 0 else t.area
        t.lost = 0
        t.hits += 1

    # --- API ------------------------------------------------------------------------
    def update(self, poses: Sequence[ObjectPose]) -> list[ObjectPose]:
        """Match ``poses`` (one frame) to the tracks; returns copies with ``id`` = track ID,
        in the input order."""
        self._grow(poses)
        pts = [pose_points(p, self.num_keypoints) for p in poses]
        ids = [0] * len(poses)
        matched_tracks: set[int] = set()
        if self.tracks and poses:
            sim = self.similarity(pts)
            # confirmed tracks first, so a track just started on a fragment of a person
            # cannot take that person's pose from its established track
            confirmed = [i for i, t in enumerate(self.tracks) if t.hits >= self.min_hits]
            tentative = [i for i, t in enumerate(self.tracks) if t.hits < self.min_hits]
            whole = [len(p.keypoints) >= self.min_keypoints for p in poses]
            for group in (confirmed, tentative):
                free = [j for j in range(len(poses)) if ids[j] == 0 and (whole[j] or group is tentative)]
                if not group or not free:
                    continue
                sub = sim[np.ix_(group, free)]
                for r, c in zip(*linear_sum_assignment(sub, maximize=True)):
                    if sub[r, c] >= self.min_similarity and sub[r, c] > 0:
                        t, j = self.tracks[group[r]], free[c]
                        self._update_track(t, pts[j], self._area(pts[j], poses[j]))
                        ids[j] = t.id
                        matched_tracks.add(group[r])
        for i, t in enumerate(self.tracks):
            t.age += 1
            if i not in matched_tracks:
                t.lost += 1
        self.tracks = [t for t in self.tracks if t.lost <= self.max_lost]
        for j, p in enumerate(poses):
            if ids[j] == 0:
                t = Track(self.next_id, pts[j].copy(), np.zeros_like(pts[j]), self._area(pts[j], p),
                          seen=int((~np.isnan(pts[j][:, 0])).sum()))
                self.next_id += 1
                self.tracks.append(t)
                ids[j] = t.id
        return [dataclasses.replace(p, id=i) for p, i in zip(poses, ids)]

    @property
    def active_ids(self) -> list[int]:
        """IDs of tracks matched in the last frame."""
        return [t.id for t in self.tracks if t.lost == 0]


def draw_track_ids(image: np.ndarray, poses: Sequence[ObjectPose], scale: float = 0.0008) -> np.ndarray:
    """Write each pose's ID above its box (in place)."""
    side = max(image.shape[:2])
    font = max(0.4, scale * side)
    thick = max(1, int(round(font * 2)))
    for p in poses:
        x, y = int(p.left), max(int(p.top) - 6, int(22 * font))
        for color, th in (((0, 0, 0), thick + 2), ((255, 255, 255), thick)):
            cv2.putText(image, f"#{p.id}", (x, y), cv2.FONT_HERSHEY_SIMPLEX, font, color, th, cv2.LINE_AA)
    return image
