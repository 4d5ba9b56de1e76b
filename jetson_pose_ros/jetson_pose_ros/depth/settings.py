"""The depth options, checked in one place like every option (``options.Option``).

``DEPTH_OPTIONS`` are the node parameters / CLI flags of the depth input: the ``depth`` group of
the one options table (``options.OPTIONS``, where they are defined); ``DepthSettings`` is the
checked set the library functions take.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import PoseNetError
from ..core.options import OPTIONS

DEPTH_OPTIONS = {n: o for n, o in OPTIONS.items() if o.group == "depth"}


@dataclass(frozen=True)
class DepthSettings:
    """Checked lifting settings: ``window`` (odd pixels), ``min_depth`` < ``max_depth`` (metres)."""

    window: int = DEPTH_OPTIONS["depth_window"].default
    min_depth: float = DEPTH_OPTIONS["min_depth"].default
    max_depth: float = DEPTH_OPTIONS["max_depth"].default

    def __post_init__(self):
        object.__setattr__(self, "window", DEPTH_OPTIONS["depth_window"].check(self.window))
        object.__setattr__(self, "min_depth", DEPTH_OPTIONS["min_depth"].check(self.min_depth))
        object.__setattr__(self, "max_depth", DEPTH_OPTIONS["max_depth"].check(self.max_depth))
        if self.window % 2 == 0:
            raise PoseNetError(f"option depth_window must be odd (a window centred on the keypoint), got {self.window}")
        if self.min_depth >= self.max_depth:
            raise PoseNetError(f"option min_depth ({self.min_depth:g}) must be less than max_depth "
                               f"({self.max_depth:g})")


def check_sync_slop(value) -> float:
    return DEPTH_OPTIONS["sync_slop"].check(value)


def camera_info_topic(depth_topic: str, camera_info_topic: str = "") -> str:
    """``camera_info_topic`` if given, else the depth topic's sibling ``camera_info`` (the
    image_transport convention: ``/camera/aligned_depth_to_color/image_raw`` ->
    ``/camera/aligned_depth_to_color/camera_info``; a relative name stays relative)."""
    if camera_info_topic:
        return camera_info_topic
    topic = depth_topic.rstrip("/")
    if not topic:
        raise PoseNetError("option camera_info_topic: no depth_topic to take the sibling camera_info of")
    head, sep, _ = topic.rpartition("/")
    return f"{head}{sep}camera_info"
