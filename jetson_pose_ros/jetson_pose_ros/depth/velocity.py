"""Velocity of tracked people from their 3D positions: finite differences over the stamps'
dt, smoothed exponentially with a time constant (``alpha = 1 - exp(-dt / time_constant)``, so
irregular frame intervals weigh correctly).

A track's first position, a position after a gap longer than ``max_gap`` seconds and an unknown
(NaN) position give NaN; tracks not seen for ``max_gap`` are forgotten.  Untracked poses
(track_id < 0) have no velocity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import PoseNetError


@dataclass
class _TrackState:
    stamp: float
    position: np.ndarray
    velocity: np.ndarray = field(default_factory=lambda: np.full(3, np.nan))


class VelocityEstimator:
    def __init__(self, time_constant: float = 0.3, max_gap: float = 1.0):
        for name, value in (("time_constant", time_constant), ("max_gap", max_gap)):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise PoseNetError(f"velocity {name} must be a finite number > 0 s, got {value!r}")
        self.time_constant, self.max_gap = float(time_constant), float(max_gap)
        self.tracks: dict[int, _TrackState] = {}

    def reset(self) -> None:
        self.tracks.clear()

    def update(self, stamp: float, track_ids, positions: np.ndarray) -> np.ndarray:
        """Positions (N, 3) of the poses with ``track_ids`` (N) at ``stamp`` seconds -> (N, 3)
        smoothed velocities in metres per second, NaN where unknown."""
        stamp = float(stamp)
        positions = np.asarray(positions, np.float64).reshape(-1, 3)
        out = np.full(positions.shape, np.nan)
        for i, (tid, pos) in enumerate(zip(np.asarray(track_ids, np.int64).reshape(-1), positions)):
            if tid < 0 or not np.isfinite(pos).all():
                continue
            state = self.tracks.get(int(tid))
            if state is None or not 0 <= stamp - state.stamp <= self.max_gap:   # new, gap, or time went back
                self.tracks[int(tid)] = _TrackState(stamp, pos.copy())
                continue
            dt = stamp - state.stamp
            if dt == 0:                                      # the same stamp again: nothing new
                out[i] = state.velocity
                continue
            raw = (pos - state.position) / dt
            if np.isfinite(state.velocity).all():
                alpha = 1.0 - math.exp(-dt / self.time_constant)
                state.velocity = state.velocity + alpha * (raw - state.velocity)
            else:
                state.velocity = raw
            state.stamp, state.position = stamp, pos.copy()
            out[i] = state.velocity
        for tid in [t for t, s in self.tracks.items() if stamp - s.stamp > self.max_gap]:
            del self.tracks[tid]
        return out
