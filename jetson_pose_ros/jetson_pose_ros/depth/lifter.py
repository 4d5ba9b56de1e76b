"""Streams of colour results, depth images and camera_info -> 3D frames, in colour order: the
integration step the node (``ros/depth3d.py``) and the ``posenet`` CLI (recordings) share.

``DepthLifter.add_depth(msg)`` / ``add_camera_info(msg)`` take the ``sensor_msgs`` messages (rclpy's
or rosbags'); ``add_color(frame, stamp, payload)`` takes a colour frame's ``PoseFrame`` *after*
tracking and smoothing (lifting comes last).  Each call returns the colour frames decided by then
(``ApproximateTimeSync``), oldest first, as ``Lifted``: ``frame`` with ``xyz`` filled and
``positions`` when it had a depth partner within the slop and everything needed was there, else the
frame unchanged with ``positions`` None (no depth within the slop, no camera_info yet, a depth image
that cannot be read: each counted by ``DepthDiagnostics``).  ``flush()`` decides the rest (end of a
recording).  A frame whose depth partner has not arrived yet waits (at most ``max_delay`` of colour
stamps or ``queue_size`` frames), so results may come one call late.

Colour stamps are assumed to be in order (a camera, a recording): a stamp that goes back by more
than the synchroniser's ``max_delay`` clears the queues (those frames get no 3D).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.errors import InputError
from ..core.pose import PoseFrame
from .diagnostics import DepthDiagnostics, DepthStatus, sync_status
from .encoding import depth_from_message
from .intrinsics import Intrinsics
from .lifting import with_xyz
from .position import person_positions
from .settings import DepthSettings
from .sync import ApproximateTimeSync, SyncStats, stamp_ns


@dataclass
class Lifted:
    """One decided colour frame: ``frame`` (with ``xyz`` when lifted), ``positions`` (N, 3) metres
    or None (no 3D for this frame), the colour stamp, the depth image's ``frame_id`` (the optical
    frame of the coordinates) and what ``add_color`` was given as ``payload``."""

    frame: PoseFrame
    positions: np.ndarray | None
    color_stamp_ns: int
    depth_frame_id: str = ""
    payload: Any = None

    @property
    def lifted(self) -> bool:
        return self.positions is not None


class _Pending:
    __slots__ = ("frame", "stamp", "payload", "result")

    def __init__(self, frame, stamp, payload):
        self.frame, self.stamp, self.payload, self.result = frame, stamp, payload, None


class DepthLifter:
    def __init__(self, settings: DepthSettings | None = None, slop: float = 0.02, rectified: bool = False,
                 queue_size: int = 30, max_delay: float = 0.5):
        self.settings = settings or DepthSettings()
        self.sync = ApproximateTimeSync(slop, queue_size=queue_size, max_delay=max_delay)
        self.diag = DepthDiagnostics()
        self.rectified = bool(rectified)
        self.notes: list[str] = []             # one-time notes (depth size != colour size): log and clear
        self._waiting: deque[_Pending] = deque()
        self._info = self._k = None
        self._k_size = None
        self._previous: SyncStats | None = None

    # --- input -----------------------------------------------------------------------------
    def add_camera_info(self, msg) -> None:
        self.sync.add_camera_info(msg)

    def add_depth(self, msg) -> list[Lifted]:
        return self._decided(self.sync.add_depth(msg))

    def add_color(self, frame: PoseFrame, stamp, payload: Any = None) -> list[Lifted]:
        """``stamp``: the colour image's header, or its ``builtin_interfaces/Time`` (anything with
        ``sec`` / ``nanosec``), or float seconds (``sync.stamp_ns``)."""
        item = _Pending(frame, stamp_ns(stamp), payload)
        self._waiting.append(item)
        return self._decided(self.sync.add_color(item, stamp=stamp))

    def flush(self) -> list[Lifted]:
        return self._decided(self.sync.flush(), everything=True)

    # --- report ----------------------------------------------------------------------------
    def status(self) -> DepthStatus:
        """The depth set-up's status since the last call (pairing, frames without camera_info, an
        unreadable depth image) and over the last frames (keypoints without depth): a problem that
        went away (the first depth image before the first camera_info) clears at the next call."""
        stats = self.sync.stats
        st = sync_status(stats, self._previous, self.sync.slop)
        self._previous = stats.copy()
        out = self.diag.status(st)
        self.diag.no_camera_info_frames = 0
        self.diag.encoding_error = None
        return out

    # --- work ------------------------------------------------------------------------------
    def _decided(self, pairs, everything: bool = False) -> list[Lifted]:
        for pair in pairs:
            item = pair.color
            item.result = self._lift(item, pair)
        done = len(self._waiting) if everything else len(self._waiting) - self.sync.pending
        out = []
        for _ in range(max(0, done)):
            item = self._waiting.popleft()
            out.append(item.result or Lifted(item.frame, None, item.stamp, "", item.payload))
        return out

    def _intrinsics(self, info, size) -> Intrinsics:
        """Intrinsics of ``info`` (cached while the same message and depth size come)."""
        if info is not self._info or size != self._k_size:
            try:
                k = Intrinsics.from_camera_info(info, rectified=self.rectified, size=size)
            except InputError as err:
                k = err
            self._info, self._k_size, self._k = info, size, k
        if isinstance(self._k, InputError):
            raise self._k
        return self._k

    def _lift(self, item: _Pending, pair) -> Lifted | None:
        if pair.camera_info is None:
            self.diag.no_camera_info()
            return None
        try:
            depth = depth_from_message(pair.depth)
            k = self._intrinsics(pair.camera_info, depth.size)
            note = self.diag.size_mismatch(item.frame.image_size, depth.size)
            frame = with_xyz(item.frame, depth, k, self.settings)
        except InputError as err:              # encoding, camera_info, sizes of two different views
            self.diag.bad_encoding(str(err))
            return None
        if note:
            self.notes.append(note)
        self.diag.lifted(frame.xy, frame.xyz)
        positions = person_positions(frame.xyz, frame.keypoint_names)
        header = getattr(pair.depth, "header", None)
        return Lifted(frame, positions, item.stamp, str(getattr(header, "frame_id", "") or ""), item.payload)
