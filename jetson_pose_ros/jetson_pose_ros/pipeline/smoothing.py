"""Keypoint smoothing with the One-Euro filter (Casiez, Roussel, Vogel, CHI 2012).

A low-pass filter whose cutoff rises with speed: still keypoints are smoothed
strongly (less jitter), moving ones lightly (little lag).
``cutoff = min_cutoff + beta * |velocity|``, velocity in pixels/second low-passed at
``d_cutoff`` Hz.  Lower ``min_cutoff`` = less jitter at rest; higher ``beta`` = less lag
in motion.

``PoseSmoother`` keeps one filter per (track ID, keypoint): poses must carry track
IDs (``tracking.PoseTracker``); untracked poses (track id -1) pass unchanged.  The box
corners are smoothed the same way.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..core.pose import PoseFrame


def _alpha(cutoff: float, dt: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """One-Euro filter of a point (any-length vector); the speed is the vector norm."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0):
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError(f"One-Euro needs min_cutoff > 0, d_cutoff > 0, beta >= 0 "
                             f"(got {min_cutoff}, {d_cutoff}, {beta})")
        self.min_cutoff, self.beta, self.d_cutoff = float(min_cutoff), float(beta), float(d_cutoff)
        self.x: np.ndarray | None = None
        self.dx: np.ndarray | None = None
        self.t: float | None = None

    def __call__(self, x, t: float) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self.x is None:
            self.x, self.dx, self.t = x.copy(), np.zeros_like(x), t
            return x.copy()
        dt = t - self.t
        if dt <= 0:                      # repeated/unknown timestamps: assume 30 fps
            dt = 1.0 / 30.0
        dx = (x - self.x) / dt
        self.dx = self.dx + _alpha(self.d_cutoff, dt) * (dx - self.dx)
        cutoff = self.min_cutoff + self.beta * float(np.linalg.norm(self.dx))
        self.x = self.x + _alpha(cutoff, dt) * (x - self.x)
        self.t = self.t + dt
        return self.x.copy()


class PoseSmoother:
    """One-Euro smoothing of tracked poses.  A keypoint unseen for more than
    ``reset_after`` seconds restarts its filter; a track unseen that long is forgotten."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.01, d_cutoff: float = 1.0,
                 reset_after: float = 0.5):
        OneEuroFilter(min_cutoff, beta, d_cutoff)          # validate the parameters
        self.params = (min_cutoff, beta, d_cutoff)
        self.reset_after = reset_after
        self.filters: dict[int, dict[int, OneEuroFilter]] = {}
        self.last_seen: dict[int, float] = {}
        self._frame = 0

    def _filter(self, track: int, key: int, x, t: float) -> np.ndarray:
        per_track = self.filters.setdefault(track, {})
        f = per_track.get(key)
        if f is None or (f.t is not None and t - f.t > self.reset_after):
            f = per_track[key] = OneEuroFilter(*self.params)
        return f(x, t)

    def update(self, frame: PoseFrame, timestamp: float | None = None) -> PoseFrame:
        """Smoothed copy of ``frame`` at ``timestamp`` seconds (None: 30 fps frame count)."""
        t = self._frame / 30.0 if timestamp is None else float(timestamp)
        self._frame += 1
        xy, boxes = frame.xy.copy(), frame.boxes.copy()
        found = frame.found
        for i, track in enumerate(frame.track_ids):
            track = int(track)
            if track < 0:
                continue
            for k in np.flatnonzero(found[i]):
                xy[i, k] = self._filter(track, int(k), xy[i, k], t)
            boxes[i, :2] = self._filter(track, -1, boxes[i, :2], t)
            boxes[i, 2:] = self._filter(track, -2, boxes[i, 2:], t)
            self.last_seen[track] = t
        for track in [k for k, seen in self.last_seen.items() if t - seen > self.reset_after]:
            self.filters.pop(track, None)
            self.last_seen.pop(track, None)
        return dataclasses.replace(frame, xy=xy, boxes=boxes)
