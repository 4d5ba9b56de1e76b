"""Depth images in metres, from the units their encoding says (REP-118).

``16UC1`` / ``mono16``: unsigned millimetres (RealSense, OAK-D, Orbbec, Kinect drivers), 0 = no
return.  ``32FC1``: float metres (ZED, simulators), NaN / +-inf / 0 = no return.  Every other
encoding is one ``InputError``: a depth image in another encoding is almost always a wrong topic
(a colour or disparity image), and guessing its units would give wrong distances silently.

``decode_depth`` checks an image and returns a ``DepthImage``: the array as published (no copy) and
its scale in metres per unit; the lifting step reads only the pixels around the keypoints and
scales those (converting a whole 640x480 image would cost more than the lifting itself).
``DepthImage.metres()`` / ``depth_to_metres`` give the whole float32 (H, W) image in metres.
No-return pixels are kept as they are (0 or NaN): every value that is not finite and > 0 is
invalid to the lifting step.
"""
from __future__ import annotations

import numpy as np

from dataclasses import dataclass

from ..core.errors import InputError

MILLIMETRE_ENCODINGS = ("16UC1", "mono16")
METRE_ENCODINGS = ("32FC1",)
DEPTH_ENCODINGS = MILLIMETRE_ENCODINGS + METRE_ENCODINGS


def check_encoding(encoding: str) -> str:
    """``encoding`` if it is a depth encoding, else a one-line ``InputError``."""
    if encoding not in DEPTH_ENCODINGS:
        raise InputError(f"depth image encoding {encoding!r} is not supported: use "
                         f"{', '.join(DEPTH_ENCODINGS)} (16UC1/mono16 millimetres, 32FC1 metres)")
    return encoding


@dataclass(frozen=True)
class DepthImage:
    """A depth image as published: ``raw`` (H, W) uint16 or float32, ``scale`` metres per unit."""

    raw: np.ndarray
    scale: float
    encoding: str

    @property
    def shape(self) -> tuple[int, int]:
        return self.raw.shape

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.raw.shape[1], self.raw.shape[0]

    def metres(self) -> np.ndarray:
        if self.scale == 1.0:
            return self.raw
        return self.raw.astype(np.float32) * np.float32(self.scale)


def decode_depth(depth: np.ndarray, encoding: str) -> DepthImage:
    """A (H, W) depth array in ``encoding``, checked, with its scale (no copy)."""
    check_encoding(encoding)
    depth = np.asarray(depth)
    if depth.ndim == 3 and depth.shape[2] == 1:
        depth = depth[:, :, 0]
    if depth.ndim != 2 or depth.size == 0:
        raise InputError(f"depth image must be a non-empty (H, W) array, got shape {depth.shape}")
    if encoding in MILLIMETRE_ENCODINGS:
        if depth.dtype != np.uint16:
            raise InputError(f"depth image in {encoding} must be uint16 millimetres, got {depth.dtype}")
        return DepthImage(depth, 0.001, encoding)
    if depth.dtype != np.float32:
        raise InputError(f"depth image in {encoding} must be float32 metres, got {depth.dtype}")
    return DepthImage(depth, 1.0, encoding)


def depth_to_metres(depth: np.ndarray, encoding: str) -> np.ndarray:
    """A (H, W) depth array in ``encoding`` as float32 metres."""
    return decode_depth(depth, encoding).metres()


def depth_from_buffer(data, width: int, height: int, encoding: str, step: int = 0,
                      is_bigendian: bool = False) -> DepthImage:
    """A ``DepthImage`` from the fields of a ``sensor_msgs/Image`` (``data`` bytes, ``step`` bytes
    per row, 0 = packed rows); no ROS import needed, no copy for packed native-order rows."""
    check_encoding(encoding)
    dtype = np.dtype(np.uint16 if encoding in MILLIMETRE_ENCODINGS else np.float32)
    dtype = dtype.newbyteorder(">" if is_bigendian else "<")
    width, height = int(width), int(height)
    row = width * dtype.itemsize
    step = int(step) or row
    buf = memoryview(data).cast("B") if not isinstance(data, np.ndarray) else data.reshape(-1).view(np.uint8)
    if width <= 0 or height <= 0 or step < row or len(buf) < step * (height - 1) + row:
        raise InputError(f"depth image {width}x{height} {encoding} step {step}: {len(buf)} bytes of data "
                         f"do not hold it")
    if step == row and dtype.isnative:
        image = np.frombuffer(buf, dtype, count=width * height).reshape(height, width)
    else:
        rows = np.frombuffer(buf, np.uint8, count=step * (height - 1) + row)
        rows = np.lib.stride_tricks.as_strided(rows, (height, row), (step, 1))
        image = np.ascontiguousarray(rows).view(dtype).reshape(height, width)
        image = image.astype(dtype.newbyteorder("="), copy=False)
    return decode_depth(image, encoding)


def depth_from_message(msg) -> DepthImage:
    """A ``DepthImage`` from a ``sensor_msgs/Image`` (or any object with its fields)."""
    return depth_from_buffer(msg.data, msg.width, msg.height, msg.encoding, msg.step, bool(msg.is_bigendian))
