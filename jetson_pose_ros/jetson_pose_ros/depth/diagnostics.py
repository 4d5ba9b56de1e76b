"""What is wrong with a depth set-up, as plain values (the node turns them into
``diagnostic_msgs/DiagnosticStatus``; levels are its OK / WARN / ERROR bytes).

``DepthDiagnostics`` counts per frame (no camera_info, unknown encoding, size mismatch, found
keypoints without a valid depth over a window of frames) and ``status(sync_stats)`` returns one
``DepthStatus`` with the worst level, a one-line message and the values; ``sync_status`` reads the
synchroniser's counters (colour frames without depth within the slop since the last call).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .sync import SyncStats

OK, WARN, ERROR = 0, 1, 2


@dataclass
class DepthStatus:
    level: int
    message: str
    values: dict[str, str] = field(default_factory=dict)


def sync_status(stats: SyncStats, previous: SyncStats | None = None, slop: float | None = None) -> DepthStatus:
    """Pairing since ``previous`` (a copy of the counters at the last call; None: since start)."""
    prev = previous or SyncStats()
    color, depth = stats.color - prev.color, stats.depth - prev.depth
    pairs, dropped = stats.pairs - prev.pairs, stats.dropped - prev.dropped
    values = {"colour frames": str(color), "depth images": str(depth), "pairs": str(pairs),
              "colour frames without depth": str(dropped), "camera_info received": str(stats.camera_info),
              "zero stamps": str(stats.zero_stamps - prev.zero_stamps)}
    within = f" within sync_slop {slop:g} s" if slop is not None else " within sync_slop"
    if color and not depth:
        return DepthStatus(ERROR, "no depth images received: no 3D", values)
    if stats.camera_info == 0 and (depth or pairs):
        return DepthStatus(ERROR, "no camera_info received: no 3D (the depth camera's intrinsics are needed)",
                           values)
    if dropped:
        gap = stats.last_drop_gap
        nearest = f", nearest depth {gap * 1e3:.0f} ms away" if gap is not None else ""
        return DepthStatus(WARN, f"{dropped} of {pairs + dropped} colour frames had no depth image{within}"
                                 f"{nearest}", values)
    if stats.zero_stamps - prev.zero_stamps:
        return DepthStatus(WARN, "messages stamped 0: the camera driver does not stamp its images", values)
    return DepthStatus(OK, f"{pairs} colour frames paired with depth", values)


class DepthDiagnostics:
    """Per-frame counters; ``window`` frames for the share of keypoints without depth, WARN above
    ``missing_share``."""

    def __init__(self, window: int = 100, missing_share: float = 0.3):
        self.frames = deque(maxlen=int(window))           # (found keypoints, found without depth)
        self.missing_share = float(missing_share)
        self.no_camera_info_frames = 0
        self.encoding_error: str | None = None
        self.size_note: str | None = None
        self._sizes_seen: set = set()

    # --- events ----------------------------------------------------------------------------
    def no_camera_info(self) -> None:
        """A depth pair arrived before any camera_info: that frame has no 3D."""
        self.no_camera_info_frames += 1

    def bad_encoding(self, message: str) -> None:
        """The message of the ``InputError`` raised for a depth encoding."""
        self.encoding_error = message

    def size_mismatch(self, colour_size: tuple[int, int], depth_size: tuple[int, int]) -> str | None:
        """A one-line note the first time a (colour, depth) size pair differs, else None: log it
        once; the lifting handles it by scaling."""
        colour_size, depth_size = tuple(map(int, colour_size)), tuple(map(int, depth_size))
        if colour_size == depth_size or (colour_size, depth_size) in self._sizes_seen:
            return None
        self._sizes_seen.add((colour_size, depth_size))
        self.size_note = (f"depth image {depth_size[0]}x{depth_size[1]} differs from the colour image "
                          f"{colour_size[0]}x{colour_size[1]}: keypoints are scaled to it (aligned depth assumed)")
        return self.size_note

    def lifted(self, xy: np.ndarray, xyz: np.ndarray) -> None:
        """One lifted frame: (N, K, 2) keypoints and their (N, K, 3) points."""
        found = np.isfinite(np.asarray(xy)).all(axis=-1)
        missing = found & ~np.isfinite(np.asarray(xyz)).all(axis=-1)
        self.frames.append((int(found.sum()), int(missing.sum())))

    # --- report ----------------------------------------------------------------------------
    @property
    def missing_depth_share(self) -> float | None:
        found = sum(f for f, _ in self.frames)
        return sum(m for _, m in self.frames) / found if found else None

    def status(self, sync: DepthStatus | None = None) -> DepthStatus:
        """The worst of the depth checks (and of ``sync``, a ``sync_status``) as one status."""
        share = self.missing_depth_share
        values = dict(sync.values) if sync else {}
        values.update({"frames without camera_info": str(self.no_camera_info_frames),
                       "found keypoints without depth": "n/a" if share is None else f"{share:.1%}",
                       "window (frames)": str(len(self.frames))})
        if self.size_note:
            values["size"] = self.size_note
        checks = [sync] if sync else []
        if self.encoding_error:
            checks.append(DepthStatus(ERROR, self.encoding_error))
        if self.no_camera_info_frames:
            checks.append(DepthStatus(ERROR, f"{self.no_camera_info_frames} depth frames arrived before any "
                                             "camera_info: no 3D for them"))
        if share is not None and share > self.missing_share:
            checks.append(DepthStatus(WARN, f"{share:.0%} of found keypoints had no valid depth in the last "
                                            f"{len(self.frames)} frames (holes, outside [min_depth, max_depth], "
                                            "or a depth image not aligned to the colour image)"))
        worst = max(checks, key=lambda c: c.level, default=DepthStatus(OK, "depth OK"))
        if worst.level == OK and self.size_note:
            worst = DepthStatus(OK, self.size_note)
        return DepthStatus(worst.level, worst.message, values)
