"""Waving: a tracked body's wrist held up and swung from side to side.

Per track and side, the wrist's position relative to the shoulders' midpoint, in units of the
body's size (``body.body_scale``), is followed frame by frame.  A side waves when, over the last
``history`` frames, its wrist was at or above shoulder height in most frames where it was seen and
its horizontal position turned back at least ``min_reversals`` times by more than ``amplitude``
(hysteresis, so jitter does not count).  The state is updated in O(1) per wrist and frame.
"""
from __future__ import annotations

import math
from collections import deque
from typing import Hashable, Sequence

import numpy as np

from ..core.errors import InputError
from .body import L_SH, L_WR, R_SH, R_WR, _scale, to_coco
from .debounce import _check_count


class _Swing:
    """Hysteresis turn detector on a 1D signal."""

    __slots__ = ("amplitude", "direction", "lo", "hi", "extreme")

    def __init__(self, amplitude: float):
        self.amplitude = amplitude
        self.direction = 0
        self.lo = self.hi = self.extreme = None

    def step(self, v: float) -> bool:
        """Feed one value; True when it completes a turn."""
        if self.lo is None:
            self.lo = self.hi = self.extreme = v
            return False
        if self.direction == 0:                           # no swing yet: wait for the first one
            self.lo, self.hi = min(self.lo, v), max(self.hi, v)
            if v - self.lo > self.amplitude:
                self.direction, self.extreme = 1, v
            elif self.hi - v > self.amplitude:
                self.direction, self.extreme = -1, v
            return False
        if self.direction * (v - self.extreme) >= 0:      # still going the same way
            self.extreme = v
            return False
        if abs(v - self.extreme) > self.amplitude:        # turned back by more than the amplitude
            self.direction, self.extreme = -self.direction, v
            return True
        return False


class _Wrist:
    __slots__ = ("swing", "turns", "up", "n_seen", "n_up", "last_seen")

    def __init__(self, amplitude: float, history: int):
        self.swing = _Swing(amplitude)
        self.turns: deque = deque()                       # frame numbers of the turns
        self.up: deque = deque([-1] * history)            # 1 = at/above the shoulders, 0 = below, -1 = unseen
        self.n_seen = self.n_up = 0                       # running counts over ``up``
        self.last_seen = 0

    def push_up(self, u: int) -> None:
        old = self.up.popleft()
        self.n_seen += (u >= 0) - (old >= 0)
        self.n_up += (u == 1) - (old == 1)
        self.up.append(u)


class WaveDetector:
    """``update(track_ids, xy, keypoint_names=None)`` for one frame's bodies -> (N,) waving scores."""

    def __init__(self, history: int = 30, amplitude: float = 0.12, min_reversals: int = 2):
        self.history = _check_count("waving history", history)
        self.min_reversals = _check_count("min_reversals", min_reversals)
        if not (np.isfinite(amplitude) and amplitude > 0):
            raise InputError(f"waving amplitude must be > 0 (in body sizes), got {amplitude}")
        self.amplitude = float(amplitude)
        self._wrists: dict[Hashable, _Wrist] = {}
        self._frame = 0

    def update(self, track_ids: Sequence[Hashable], xy, keypoint_names: Sequence[str] | None = None) -> np.ndarray:
        return self.update_coco(track_ids, to_coco(xy, keypoint_names))

    def update_coco(self, track_ids: Sequence[Hashable], k: np.ndarray) -> np.ndarray:
        """``update`` for bodies already in COCO-17 order (N, 17, 2)."""
        if len(track_ids) != len(k):
            raise InputError(f"{len(track_ids)} track IDs for {len(k)} bodies")
        self._frame += 1
        frame, horizon = self._frame, self._frame - self.history
        out = np.zeros(len(k))
        for i, (t, p) in enumerate(zip(track_ids, k.tolist())):
            s = _scale(p)
            mx, my = (p[L_SH][0] + p[R_SH][0]) * 0.5, (p[L_SH][1] + p[R_SH][1]) * 0.5
            best = 0.0
            for side, wr in ((0, p[L_WR]), (1, p[R_WR])):
                w = self._wrists.get((t, side))
                if w is None:
                    w = self._wrists[(t, side)] = _Wrist(self.amplitude, self.history)
                w.last_seen = frame
                x, y = (wr[0] - mx) / s, (wr[1] - my) / s      # NaN where unknown (s is > 0 or NaN)
                if x == x and y == y:
                    if w.swing.step(x):
                        w.turns.append(frame)
                    w.push_up(1 if y < 0.1 else 0)
                else:
                    w.push_up(-1)
                while w.turns and w.turns[0] <= horizon:
                    w.turns.popleft()
                if w.n_seen < 6:
                    continue
                up = w.n_up / w.n_seen
                score = (0.5 + 0.5 * math.tanh(0.5 * (len(w.turns) - self.min_reversals + 0.5) / 0.3)) \
                    * (0.5 + 0.5 * math.tanh(0.5 * (up - 0.6) / 0.08))
                best = max(best, score)
            out[i] = best
        if frame % 64 == 0:                               # forget wrists not seen for a while
            for key in [key for key, w in self._wrists.items() if w.last_seen <= horizon]:
                del self._wrists[key]
        return out

    def forget(self, track_ids: Sequence[Hashable]) -> None:
        for t in track_ids:
            self._wrists.pop((t, 0), None)
            self._wrists.pop((t, 1), None)
