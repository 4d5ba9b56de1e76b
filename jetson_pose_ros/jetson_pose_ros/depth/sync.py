"""Approximate-time pairing of colour and depth images by header stamp (pure Python, no rclpy).

The colour image leads: every colour frame is paired with the depth image whose stamp is nearest
to its own, if that one is within ``slop`` seconds, else it is reported as a drop (no 3D for that
frame).  A depth image may serve more than one colour frame (a depth stream slower than the colour
one).  The latest ``camera_info`` is kept and handed out with each pair.

A colour frame is decided as soon as the nearest depth can no longer change: when a depth image
stamped at or after it has arrived (streams arrive in stamp order, so later ones are farther), or
when the newest depth is within the slop and the next one, at least the shortest recent depth
interval later, would be farther (a depth stream stamped slightly before the colour one is paired
without waiting a frame); also when ``max_delay`` seconds of newer colour frames are waiting or ``queue_size`` colour frames
are pending (the depth stream stalled), and at ``flush()`` (end of a recording).  Queues are
bounded; depth images too old to match any pending or future colour frame are discarded.

Stamps: float seconds, ``builtin_interfaces/Time`` (``sec``, ``nanosec``), a ``Header`` or any
message with a ``header``; kept as integer nanoseconds.  A stamp that goes back by more than
``max_delay`` (a recording looping, simulated time reset) clears the queues.
"""
from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import PoseNetError
from .settings import check_sync_slop


def stamp_ns(stamp) -> int:
    """Integer nanoseconds of a stamp (see the module docstring)."""
    if hasattr(stamp, "header"):
        stamp = stamp.header
    if hasattr(stamp, "stamp"):
        stamp = stamp.stamp
    if hasattr(stamp, "sec") and hasattr(stamp, "nanosec"):
        return int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec)
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)):
        raise PoseNetError(f"not a stamp: {stamp!r}")
    return int(round(float(stamp) * 1e9))


@dataclass
class SyncedFrames:
    """A colour image, its depth partner and the latest camera_info (None before the first)."""

    color: Any
    depth: Any
    camera_info: Any
    color_stamp_ns: int
    depth_stamp_ns: int

    @property
    def offset(self) -> float:
        """Depth stamp minus colour stamp, seconds."""
        return (self.depth_stamp_ns - self.color_stamp_ns) * 1e-9


@dataclass
class SyncStats:
    """Counters for diagnostics (cumulative; compare two copies for a window)."""

    color: int = 0              # colour frames received
    depth: int = 0              # depth images received
    camera_info: int = 0        # camera_info messages received
    pairs: int = 0              # colour frames paired with a depth image
    dropped: int = 0            # colour frames with no depth within the slop (or cleared by a reset)
    pairs_without_info: int = 0  # pairs made before any camera_info arrived
    resets: int = 0             # stamps that went back: queues cleared
    zero_stamps: int = 0        # messages stamped 0 (a driver that does not stamp)
    last_drop_gap: float | None = None  # for the last drop: distance to the nearest depth (s), None: none

    def copy(self) -> "SyncStats":
        return SyncStats(**self.__dict__)


@dataclass
class ApproximateTimeSync:
    slop: float = 0.02
    queue_size: int = 30
    max_delay: float = 0.5
    stats: SyncStats = field(default_factory=SyncStats)

    def __post_init__(self):
        self.slop = check_sync_slop(self.slop)
        if not isinstance(self.queue_size, int) or self.queue_size < 1:
            raise PoseNetError(f"synchroniser queue_size must be an integer >= 1, got {self.queue_size!r}")
        self._slop_ns = int(round(self.slop * 1e9))
        self._delay_ns = int(round(max(self.max_delay, self.slop) * 1e9))
        self._color: deque[tuple[int, Any]] = deque()
        self._depth_stamps: list[int] = []
        self._depth: list[Any] = []
        self._last_color: int | None = None
        self._last_depth: int | None = None
        self._intervals: deque[int] = deque(maxlen=10)      # recent depth stamp intervals
        self.camera_info = None

    # --- input -----------------------------------------------------------------------------
    def add_camera_info(self, info) -> None:
        self.stats.camera_info += 1
        self.camera_info = info

    def add_color(self, msg, stamp=None) -> list[SyncedFrames]:
        t = self._stamp(msg if stamp is None else stamp)
        self.stats.color += 1
        if self._last_color is not None and t < self._last_color - self._delay_ns:
            self._reset()
        self._last_color = t if self._last_color is None else max(t, self._last_color)
        self._color.append((t, msg))
        if len(self._color) > 1 and t < self._color[-2][0]:        # slightly out of order: keep sorted
            self._color = deque(sorted(self._color, key=lambda c: c[0]))
        return self._process()

    def add_depth(self, msg, stamp=None) -> list[SyncedFrames]:
        t = self._stamp(msg if stamp is None else stamp)
        self.stats.depth += 1
        if self._depth_stamps and t < self._depth_stamps[-1] - self._delay_ns:
            self._reset()
        i = bisect.bisect_right(self._depth_stamps, t)
        if i == len(self._depth_stamps) and self._last_depth is not None and t > self._last_depth:
            self._intervals.append(t - self._last_depth)
        self._last_depth = t if self._last_depth is None else max(t, self._last_depth)
        self._depth_stamps.insert(i, t)
        self._depth.insert(i, msg)
        if len(self._depth) > self.queue_size:
            del self._depth_stamps[0], self._depth[0]
        return self._process()

    def flush(self) -> list[SyncedFrames]:
        """Decide every pending colour frame with the depth images there are (end of input)."""
        out = []
        while self._color:
            out.append(self._decide())
        return [p for p in out if p is not None]

    @property
    def pending(self) -> int:
        return len(self._color)

    # --- matching --------------------------------------------------------------------------
    def _stamp(self, stamp) -> int:
        t = stamp_ns(stamp)
        if t == 0:
            self.stats.zero_stamps += 1
        return t

    def _reset(self) -> None:
        self.stats.resets += 1
        self.stats.dropped += len(self._color)      # pending colour frames of the old timeline
        self._color.clear()
        self._last_color = self._last_depth = None
        self._intervals.clear()
        self._depth_stamps.clear()
        self._depth.clear()

    def _process(self) -> list[SyncedFrames]:
        out = []
        while self._color:
            t = self._color[0][0]
            final = bool(self._depth_stamps) and (self._depth_stamps[-1] >= t or self._no_nearer_depth(t))
            stale = self._color[-1][0] - t > self._delay_ns or len(self._color) > self.queue_size
            if not (final or stale):
                break
            pair = self._decide()
            if pair is not None:
                out.append(pair)
        return out

    def _no_nearer_depth(self, t: int) -> bool:
        """The newest depth (before ``t``) is within the slop, and the next depth image cannot be
        nearer to ``t`` if it comes at least the shortest of the last intervals later."""
        last = self._depth_stamps[-1]
        gap = t - last
        if gap > self._slop_ns or len(self._intervals) < 3:
            return False
        return last + min(self._intervals) - t >= gap

    def _decide(self) -> SyncedFrames | None:
        t, msg = self._color.popleft()
        stamps = self._depth_stamps
        best, gap = None, None
        i = bisect.bisect_left(stamps, t)
        for j in (i - 1, i):
            if 0 <= j < len(stamps) and (gap is None or abs(stamps[j] - t) < gap):
                best, gap = j, abs(stamps[j] - t)
        # depth images older than this colour frame minus the slop can match no later one
        old = bisect.bisect_left(stamps, t - self._slop_ns)
        if best is not None and gap <= self._slop_ns:
            pair = SyncedFrames(msg, self._depth[best], self.camera_info, t, stamps[best])
            self.stats.pairs += 1
            self.stats.pairs_without_info += self.camera_info is None
        else:
            pair = None
            self.stats.dropped += 1
            self.stats.last_drop_gap = None if gap is None else gap * 1e-9
        del stamps[:old], self._depth[:old]
        return pair
