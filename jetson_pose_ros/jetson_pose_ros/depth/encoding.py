"""Depth images in metres, from the units their encoding says (REP-118).

``16UC1`` / ``mono16``: unsigned millimetres (RealSense, OAK-D, Orbbec, Kinect drivers), 0 = no
return.  ``32FC1``: float metres (ZED, simulators), NaN / +-inf / 0 = no return.  Every other
encoding is one ``InputError``: a depth image in another encoding is almost always a wrong topic
(a colour or disparity image), and guessing its units would give wrong distances silently.

The result is a float32 (H, W) array in metres; no-return pixels are kept as they are (0 or NaN),
the lifting step treats every value that is not finite and > 0 as invalid.
"""
from __future__ import annotations

import numpy as np

from ..errors import InputError

MILLIMETRE_ENCODINGS = ("16UC1", "mono16")
METRE_ENCODINGS = ("32FC1",)
DEPTH_ENCODINGS = MILLIMETRE_ENCODINGS + METRE_ENCODINGS


def check_encoding(encoding: str) -> str:
    """``encoding`` if it is a depth encoding, else a one-line ``InputError``."""
    if encoding not in DEPTH_ENCODINGS:
        raise InputError(f"depth image encoding {encoding!r} is not supported: use "
                         f"{', '.join(DEPTH_ENCODINGS)} (16UC1/mono16 millimetres, 32FC1 metres)")
    return encoding


def depth_to_metres(depth: np.ndarray, encoding: str) -> np.ndarray:
    """A (H, W) depth array in ``encoding`` as float32 metres."""
    check_encoding(encoding)
    depth = np.asarray(depth)
    if depth.ndim == 3 and depth.shape[2] == 1:
        depth = depth[:, :, 0]
    if depth.ndim != 2 or depth.size == 0:
        raise InputError(f"depth image must be a non-empty (H, W) array, got shape {depth.shape}")
    if encoding in MILLIMETRE_ENCODINGS:
        if depth.dtype != np.uint16:
            raise InputError(f"depth image in {encoding} must be uint16 millimetres, got {depth.dtype}")
        return depth.astype(np.float32) * np.float32(0.001)
    if depth.dtype != np.float32:
        raise InputError(f"depth image in {encoding} must be float32 metres, got {depth.dtype}")
    return depth


def depth_from_buffer(data, width: int, height: int, encoding: str, step: int = 0,
                      is_bigendian: bool = False) -> np.ndarray:
    """Float32 metres from the fields of a ``sensor_msgs/Image`` (``data`` bytes, ``step`` bytes
    per row, 0 = packed rows); no ROS import needed."""
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
    rows = np.frombuffer(buf, np.uint8, count=step * (height - 1) + row)
    rows = np.lib.stride_tricks.as_strided(rows, (height, row), (step, 1))
    image = np.ascontiguousarray(rows).view(dtype).reshape(height, width)
    return depth_to_metres(image.astype(dtype.newbyteorder("="), copy=False), encoding)


def depth_from_message(msg) -> np.ndarray:
    """Float32 metres from a ``sensor_msgs/Image`` (or any object with its fields)."""
    return depth_from_buffer(msg.data, msg.width, msg.height, msg.encoding, msg.step, bool(msg.is_bigendian))
