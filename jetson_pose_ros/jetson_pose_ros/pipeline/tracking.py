"""Persistent track IDs across frames.

``PoseTracker.update(frame)`` matches a ``PoseFrame``'s poses to the tracks of earlier
frames by an OKS-style keypoint similarity (object keypoint similarity, as in the
COCO metric: per keypoint ``exp(-d^2 / (2 s^2 k^2))`` with ``s^2`` the track's box
area and ``k`` a per-keypoint falloff, averaged over keypoints seen in both) and an
optimal one-to-one assignment (Hungarian, ``scipy.optimize.linear_sum_assignment``).
Tracks are predicted forward with their recent velocity; a track that finds no
pose is kept ``max_lost`` frames before it is dropped.

Only confirmed tracks have IDs, as in ByteTrack/norfair: a track is confirmed after
``min_hits`` matched frames and then gets the next ID (from 1, never reused); the poses
of tentative tracks come out with track id -1.  A fragment (fewer than ``min_keypoints``
keypoints) never starts a track and never continues a confirmed one, so it consumes no ID.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core import keypoints
from ..core.pose import PoseFrame


def keypoint_similarity(a: np.ndarray, b: np.ndarray, area: float, kappa: np.ndarray, count: int = 0) -> float:
    """OKS-style similarity (``core.keypoints.oks``) of two (K,2) keypoint arrays (NaN = not found)
    over the keypoints found in both, divided by ``max(count, keypoints found in b)`` (as OKS divides
    by the reference's visible keypoints), so that a fragment of a few keypoints does not match a
    whole body well."""
    both = ~(np.isnan(a[:, 0]) | np.isnan(b[:, 0]))
    if not both.any():
        return 0.0
    return keypoints.oks(a, b, area, kappa, both, max(int(count), int((~np.isnan(b[:, 0])).sum())))


@dataclass
class Track:
    id: int                            # -1 until confirmed
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
    """Assigns persistent IDs to the poses of consecutive frames.

    ``max_lost``: frames a track survives without a match; ``min_similarity``: the
    least OKS-style similarity (0..1) for a match; ``sigmas``: falloff per keypoint
    name (default ``core.keypoints.SIGMAS``: COCO's, calibrated for annotation noise; others
    ``DEFAULT_SIGMA``); ``sigma_scale``: widens
    them for frame-to-frame motion and detector noise; ``velocity_smoothing``: weight of
    the newest displacement in the velocity estimate (0 disables prediction);
    ``max_extrapolate``: frames a lost track keeps moving along its velocity; ``min_hits``:
    matches after which a track is confirmed and gets its ID (confirmed tracks are matched
    first); ``min_keypoints``: a pose with fewer keypoints (a fragment) never starts a track
    and never continues a confirmed one, so that stray fragments neither consume IDs nor
    drag a person's track away while the person is detected poorly.
    """

    max_lost: int = 30
    min_similarity: float = 0.1
    sigmas: dict = field(default_factory=lambda: dict(keypoints.SIGMAS))
    sigma_scale: float = 1.5
    velocity_smoothing: float = 0.5
    max_extrapolate: int = 5
    min_hits: int = 3
    min_keypoints: int = 4
    min_area: float = 32.0 ** 2
    tracks: list[Track] = field(default_factory=list, init=False)
    next_id: int = field(default=1, init=False)
    num_keypoints: int = field(default=-1, init=False)
    _kappa: np.ndarray = field(default=None, init=False, repr=False)

    def __post_init__(self):
        if self.max_lost < 0:
            raise ValueError(f"max_lost must be >= 0, got {self.max_lost}")
        if not 0 <= self.min_similarity <= 1:
            raise ValueError(f"min_similarity must be in [0, 1], got {self.min_similarity}")
        if self.min_hits < 1:
            raise ValueError(f"min_hits must be >= 1, got {self.min_hits}")

    def reset(self) -> None:
        """Forget all tracks (IDs still never repeat)."""
        self.tracks.clear()

    # --- internals ----------------------------------------------------------------
    def _setup(self, frame: PoseFrame) -> None:
        k = frame.num_keypoints
        if k != self.num_keypoints:
            self.tracks.clear()
            self.num_keypoints = k
            names = (list(frame.keypoint_names) + [""] * k)[:k]
            self._kappa = keypoints.falloff(names, self.sigma_scale, self.sigmas)

    @staticmethod
    def _area(pts: np.ndarray, box: np.ndarray) -> float:
        ok = ~np.isnan(pts[:, 0])
        if ok.sum() >= 2:
            w, h = np.ptp(pts[ok], axis=0)
            return float(w * h)
        return float((box[2] - box[0]) * (box[3] - box[1]))

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
    def update(self, frame: PoseFrame) -> PoseFrame:
        """Match one frame's poses to the tracks.  Returns the frame with ``track_ids`` set
        (-1: tentative track or fragment)."""
        self._setup(frame)
        pts = [frame.xy[j] for j in range(len(frame))]
        keys = [None] * len(frame)                    # matched track per pose
        whole = (frame.found.sum(axis=1) >= self.min_keypoints) if len(frame) else np.zeros(0, bool)
        matched_tracks: set[int] = set()
        if self.tracks and len(frame):
            sim = self.similarity(pts)
            # confirmed tracks first, so a track just started on a fragment of a person
            # cannot take that person's pose from its established track
            confirmed = [i for i, t in enumerate(self.tracks) if t.hits >= self.min_hits]
            tentative = [i for i, t in enumerate(self.tracks) if t.hits < self.min_hits]
            for group in (confirmed, tentative):
                free = [j for j in range(len(frame)) if keys[j] is None and (whole[j] or group is tentative)]
                if not group or not free:
                    continue
                sub = sim[np.ix_(group, free)]
                for r, c in keypoints.match(sub, self.min_similarity):
                    if sub[r, c] > 0:
                        t, j = self.tracks[group[r]], free[c]
                        self._update_track(t, pts[j], self._area(pts[j], frame.boxes[j]))
                        keys[j] = t
                        matched_tracks.add(group[r])
        for i, t in enumerate(self.tracks):
            t.age += 1
            if i not in matched_tracks:
                t.lost += 1
        self.tracks = [t for t in self.tracks if t.lost <= self.max_lost]
        for j in range(len(frame)):
            if keys[j] is None and whole[j]:
                keys[j] = Track(-1, pts[j].copy(), np.zeros_like(pts[j]), self._area(pts[j], frame.boxes[j]),
                                seen=int(whole[j] and frame.found[j].sum()))
                self.tracks.append(keys[j])
        for t in keys:
            if t is not None and t.id < 0 and t.hits >= self.min_hits:
                t.id = self.next_id
                self.next_id += 1
        return frame.with_track_ids([t.id if t is not None else -1 for t in keys])
