"""Waving: a tracked body's wrist held up and swung from side to side.

Per track and side, the wrist's position relative to the shoulders' midpoint, in units of the
body's size (``body.body_scale``), is kept for the last ``history`` frames.  A side waves when its
wrist is at or above shoulder height in most known frames and its horizontal position turns back
at least ``min_reversals`` times by more than ``amplitude`` (hysteresis, so jitter does not count).
"""
from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np

from ..errors import InputError
from ._math import sigmoid
from .body import L_SH, L_WR, R_SH, R_WR, body_scale, to_coco
from .debounce import TrackHistory, _check_count


def count_reversals(x: np.ndarray, amplitude: float) -> int:
    """Turns of a 1D series (NaN skipped) that move back by more than ``amplitude``."""
    x = x[~np.isnan(x)]
    if len(x) < 3:
        return 0
    turns, direction = 0, 0
    lo = hi = extreme = x[0]
    for v in x[1:]:
        if direction == 0:                      # no swing yet: wait for the first one
            lo, hi = min(lo, v), max(hi, v)
            if v - lo > amplitude:
                direction, extreme = 1, v
            elif hi - v > amplitude:
                direction, extreme = -1, v
        elif direction * (v - extreme) >= 0:    # still going the same way
            extreme = v
        elif abs(v - extreme) > amplitude:      # turned back by more than the amplitude
            turns += 1
            direction, extreme = -direction, v
    return turns


class WaveDetector:
    """``update(track_ids, xy, keypoint_names=None)`` for one frame's bodies -> (N,) waving scores."""

    def __init__(self, history: int = 30, amplitude: float = 0.12, min_reversals: int = 2):
        self.history = _check_count("waving history", history)
        self.min_reversals = _check_count("min_reversals", min_reversals)
        if not (np.isfinite(amplitude) and amplitude > 0):
            raise InputError(f"waving amplitude must be > 0 (in body sizes), got {amplitude}")
        self.amplitude = float(amplitude)
        self._wrists = TrackHistory(self.history)

    def update(self, track_ids: Sequence[Hashable], xy, keypoint_names: Sequence[str] | None = None) -> np.ndarray:
        k = to_coco(xy, keypoint_names)
        if len(track_ids) != len(k):
            raise InputError(f"{len(track_ids)} track IDs for {len(k)} bodies")
        with np.errstate(invalid="ignore"):
            s = body_scale(k)
            mid = (k[:, L_SH] + k[:, R_SH]) / 2
            rel = (k[:, [L_WR, R_WR]] - mid[:, None]) / s[:, None, None]       # (N, 2 sides, 2)
        keys = [(t, side) for t in track_ids for side in (0, 1)]
        self._wrists.update(keys, rel.reshape(-1, 2))
        hist = self._wrists.get(keys)                                          # (2N, T, 2)
        scores = np.zeros(len(keys))
        for i, h in enumerate(hist):
            known = ~np.isnan(h[:, 0])
            if known.sum() < 6:
                continue
            up = np.mean(h[known, 1] < 0.1)                                    # at/above the shoulders
            turns = count_reversals(h[:, 0], self.amplitude)
            scores[i] = sigmoid((turns - self.min_reversals + 0.5) / 0.3) * sigmoid((up - 0.6) / 0.08)
        return scores.reshape(-1, 2).max(1) if len(track_ids) else np.zeros(0)

    def forget(self, track_ids: Sequence[Hashable]) -> None:
        self._wrists.forget([(t, side) for t in track_ids for side in (0, 1)])
