"""People in 3D in the ``posenet`` CLI: the depth flags checked in one place, and the step that lifts
each processed frame (``DepthInput``).

* a photo (or any non-recording input) with ``--depth FILE`` (a 16-bit PNG in millimetres or a
  ``.npy`` array in metres, aligned to the colour image) and ``--intrinsics fx,fy,cx,cy`` (pixels of
  the colour image, no distortion): every frame is lifted with that depth image;
* a rosbag2/MCAP recording with ``--depth-topic`` (and ``--camera-info-topic``, default: the depth
  topic's sibling ``camera_info``): the depth and camera_info messages are read between the colour
  frames and paired by stamp (``depth.DepthLifter``, ``--sync-slop``), as the node does.

``DepthInput.add(frame, capture)`` returns the frames decided so far, in order, as
``depth.Lifted`` (``payload`` = the ``Capture`` the frame was found in); a frame without depth within
the slop comes back without ``xyz``.  ``flush()`` returns the rest at the end of the input.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np

from ..depth.encoding import DepthImage, decode_depth
from ..depth.intrinsics import Intrinsics
from ..depth.lifter import DepthLifter, Lifted
from ..depth.lifting import with_xyz
from ..depth.position import person_positions
from ..depth.settings import DEPTH_OPTIONS, DepthSettings, camera_info_topic
from ..core.capture import Capture
from ..core.errors import InputError, PoseNetError
from ..core.pose import PoseFrame

CAMERA_INFO = "sensor_msgs/msg/CameraInfo"
IMAGE = "sensor_msgs/msg/Image"


def parse_intrinsics(text: str) -> tuple[float, float, float, float]:
    """``"fx,fy,cx,cy"`` -> four finite numbers > 0, or a one-line ``PoseNetError``."""
    try:
        values = tuple(float(v) for v in str(text).split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) and v > 0 for v in values):
        raise PoseNetError(f"--intrinsics must be 4 finite positive numbers fx,fy,cx,cy (pixels of the colour "
                           f"image), got '{text}'")
    return values


def intrinsics_arg(text: str) -> tuple[float, float, float, float]:
    try:
        return parse_intrinsics(text)
    except PoseNetError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("--intrinsics ")) from None


def read_depth_file(path: str) -> DepthImage:
    """A depth image file: 16-bit PNG (millimetres, 0 = no return) or ``.npy`` (metres, float)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--depth {path}: no such file")
    suffix = p.suffix.lower()
    if suffix == ".npy":
        try:
            depth = np.load(p, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise InputError(f"--depth {path}: not a readable .npy array ({exc})") from None
        if depth.dtype.kind != "f":
            raise InputError(f"--depth {path}: a .npy depth image must hold float metres, got {depth.dtype}")
        return decode_depth(np.ascontiguousarray(depth, np.float32), "32FC1")
    if suffix == ".png":
        depth = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
        if depth is None or depth.dtype != np.uint16 or depth.ndim != 2:
            got = "unreadable" if depth is None else f"{depth.dtype} with shape {depth.shape}"
            raise InputError(f"--depth {path}: a PNG depth image must be 16-bit single-channel millimetres, got {got}")
        return decode_depth(depth, "16UC1")
    raise InputError(f"--depth {path}: use a 16-bit PNG (millimetres) or a .npy array (metres)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("people in 3D (docs/depth.md; the depth options below)")
    g.add_argument("--depth", metavar="FILE", help="aligned depth image of a photo: 16-bit PNG in millimetres or "
                   ".npy in metres; needs --intrinsics (recordings: --depth-topic)")
    g.add_argument("--intrinsics", type=intrinsics_arg, metavar="FX,FY,CX,CY",
                   help="pinhole intrinsics of the colour image in pixels (with --depth)")


def settings_from(args) -> DepthSettings:
    return DepthSettings(**{k: v for k, v in (("window", args.depth_window), ("min_depth", args.min_depth),
                                              ("max_depth", args.max_depth)) if v is not None})


class DepthInput:
    """See the module docstring; ``open(args, source)`` returns one, or None when no 3D is asked for."""

    def __init__(self, settings: DepthSettings, lifter: DepthLifter | None = None, depth: DepthImage | None = None,
                 intrinsics=None, depth_frame_id: str = ""):
        self.settings, self.lifter, self.depth, self.intrinsics = settings, lifter, depth, intrinsics
        self.depth_frame_id = depth_frame_id
        self.ready: list[Lifted] = []          # decided while reading depth messages between frames

    @classmethod
    def check(cls, args, is_bag: bool) -> None:
        """The flags fit together (before anything is opened); one-line ``PoseNetError`` if not."""
        if args.depth and args.intrinsics is None:
            raise PoseNetError("--depth needs --intrinsics fx,fy,cx,cy (the colour image's, in pixels)")
        if args.intrinsics is not None and not args.depth:
            raise PoseNetError("--intrinsics applies with --depth FILE only")
        if args.depth and is_bag:
            raise PoseNetError("--depth FILE is for photos and videos; a recording's depth comes from --depth-topic")
        if args.depth_topic and not is_bag:
            raise PoseNetError("--depth-topic applies to rosbag2/MCAP recordings only (a photo: --depth FILE)")
        if args.camera_info_topic and not args.depth_topic:
            raise PoseNetError("--camera-info-topic applies with --depth-topic only")
        if args.sync_slop is not None and not args.depth_topic:
            raise PoseNetError("--sync-slop applies with --depth-topic only")
        if args.depth:
            read_depth_file(args.depth)            # a missing or unreadable file: one line now
        settings_from(args)

    @classmethod
    def open(cls, args, source) -> "DepthInput | None":
        settings = settings_from(args)
        if args.depth:
            return cls(settings, depth=read_depth_file(args.depth), intrinsics=args.intrinsics)
        if not args.depth_topic:
            return None
        slop = args.sync_slop if args.sync_slop is not None else DEPTH_OPTIONS["sync_slop"].default
        self = cls(settings, lifter=DepthLifter(settings, slop))
        info_topic = camera_info_topic(args.depth_topic, args.camera_info_topic or "")
        source.follow(args.depth_topic, IMAGE, lambda msg: self.ready.extend(self.lifter.add_depth(msg)))
        source.follow(info_topic, CAMERA_INFO, self.lifter.add_camera_info)
        return self

    def add(self, frame: PoseFrame, capture: Capture) -> list[Lifted]:
        if self.lifter is None:                    # a depth file: lift now
            w, h = frame.image_size
            fx, fy, cx, cy = self.intrinsics
            lifted = with_xyz(frame, self.depth, Intrinsics.from_values(fx, fy, cx, cy, w, h), self.settings)
            return [Lifted(lifted, person_positions(lifted.xyz, lifted.keypoint_names), 0, "", capture)]
        stamp = capture.stamp
        t = SimpleNamespace(sec=stamp // 1_000_000_000, nanosec=stamp % 1_000_000_000)
        self.ready.extend(self.lifter.add_color(frame, t, payload=capture))
        return self.take()

    def take(self) -> list[Lifted]:
        out, self.ready = self.ready, []
        return out

    def flush(self) -> list[Lifted]:
        if self.lifter is not None:
            self.ready.extend(self.lifter.flush())
        return self.take()

    def summary(self) -> str | None:
        """One line on the pairing since the start (recordings), for the log at the end (call once)."""
        if self.lifter is None:
            return None
        return f"depth: {self.lifter.status().message}"

