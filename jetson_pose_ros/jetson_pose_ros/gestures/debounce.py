"""Per-track temporal state: debounced labels and short keypoint histories.

``Debouncer``: a track's label changes only after the same new label came ``n`` frames in a row,
so that a robot does not act on one noisy frame (trt_pose_hand uses 4 equal predictions).
``TrackHistory``: the last ``length`` positions of one point per track (NaN where the track was
not seen in a frame), for the fingertip trajectories and the waving wrist.
"""
from __future__ import annotations

from collections import deque
from typing import Hashable, Iterable, Sequence

import numpy as np

from ..core.errors import InputError


def _check_count(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


class Debouncer:
    """Debounce labels per track ID.

    ``update(track_id, label, score)`` returns the track's stable ``(label, score)``: it switches to
    a new label once that label was seen ``n`` consecutive frames (``n = 1``: no debouncing); until a
    track has a stable label, ``initial`` (score 0).  The score is the latest score of the stable
    label (kept while other labels flicker).  Tracks not updated for ``max_age`` updates of any
    track are forgotten; ``forget(ids)`` drops tracks at once (e.g. when the tracker ends them).
    """

    def __init__(self, n: int = 4, initial: str = "none", max_age: int = 300):
        self.n = _check_count("n (debounce frames)", n)
        self.max_age = _check_count("max_age", max_age)
        self.initial = initial
        self._state: dict[Hashable, list] = {}   # id -> [stable, stable_score, candidate, count, last_seen]
        self._clock = 0

    def update(self, track_id: Hashable, label: str, score: float) -> tuple[str, float]:
        st = self._state.get(track_id)
        if st is None:
            st = self._state[track_id] = [self.initial, 0.0, None, 0, self._clock]
        st[4] = self._clock
        if label == st[0]:
            st[1], st[2], st[3] = float(score), None, 0
        elif label == st[2]:
            st[3] += 1
        else:
            st[2], st[3] = label, 1
        if st[2] is not None and st[3] >= self.n:
            st[0], st[1], st[2], st[3] = label, float(score), None, 0
        return st[0], st[1]

    def update_many(self, track_ids: Sequence[Hashable], labels: Sequence[str],
                    scores: Sequence[float]) -> tuple[list[str], np.ndarray]:
        """One frame: every track's raw label -> stable labels and scores; ages out stale tracks."""
        self._clock += 1
        out = [self.update(t, lab, s) for t, lab, s in zip(track_ids, labels, scores)]
        if self._clock % 32 == 0:
            self._expire()
        return [o[0] for o in out], np.array([o[1] for o in out], dtype=np.float64)

    def forget(self, track_ids: Iterable[Hashable]) -> None:
        for t in track_ids:
            self._state.pop(t, None)

    def _expire(self) -> None:
        old = [t for t, st in self._state.items() if self._clock - st[4] > self.max_age]
        self.forget(old)

    def __len__(self) -> int:
        return len(self._state)


class TrackHistory:
    """The last ``length`` 2D positions of one point per track, oldest first.

    ``update(track_ids, points)`` appends one frame (points (N, 2), NaN = not found); tracks absent
    from a frame get NaN for it, and are forgotten once their whole history is NaN.
    ``get(track_ids)`` -> (N, length, 2)."""

    def __init__(self, length: int = 16):
        self.length = _check_count("history length", length)
        self._hist: dict[Hashable, deque] = {}

    def update(self, track_ids: Sequence[Hashable], points) -> None:
        p = np.asarray(points, dtype=np.float64).reshape(len(track_ids), 2)
        seen = set()
        for t, q in zip(track_ids, p):
            h = self._hist.get(t)
            if h is None:
                h = self._hist[t] = deque([(np.nan, np.nan)] * self.length, maxlen=self.length)
            h.append((float(q[0]), float(q[1])))
            seen.add(t)
        for t in [t for t in self._hist if t not in seen]:
            h = self._hist[t]
            h.append((np.nan, np.nan))
            if all(np.isnan(x) for x, _ in h):
                del self._hist[t]

    def get(self, track_ids: Sequence[Hashable]) -> np.ndarray:
        out = np.full((len(track_ids), self.length, 2), np.nan)
        for i, t in enumerate(track_ids):
            h = self._hist.get(t)
            if h is not None:
                out[i] = np.asarray(h)
        return out

    def forget(self, track_ids: Iterable[Hashable]) -> None:
        for t in track_ids:
            self._hist.pop(t, None)

    def __len__(self) -> int:
        return len(self._hist)
