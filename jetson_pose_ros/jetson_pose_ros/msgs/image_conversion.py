"""sensor_msgs/Image and sensor_msgs/CompressedImage <-> numpy, without cv_bridge.

ROS 2's cv_bridge is not installable from PyPI, so this module does the few conversions the
pose node needs, following sensor_msgs/image_encodings and cv_bridge's behaviour:

* ``image_to_numpy(msg)``   -> the pixels as stored (HxW or HxWxC, uint8/uint16, native byte
  order), honouring ``step`` (row padding) and ``is_bigendian``;
* ``image_to_bgr(msg)``     -> HxWx3 uint8 BGR (what ``PoseNet.process`` takes);
* ``compressed_to_bgr(msg)``-> reads jpeg/png (``image_read.read_image_bytes``: size checked from
  the header before decoding, truncated data refused);
* ``bgr_to_image(...)`` / ``numpy_to_image(...)`` / ``bgr_to_compressed(...)`` for publishing.

Every malformed message raises :class:`jetson_pose_ros.core.errors.InputError` with a one-line message.
Only numpy and OpenCV are needed; the message classes are imported lazily so that the pure
conversions can be used (and tested) wherever sensor_msgs is importable.
"""
from __future__ import annotations

import array
import sys

import cv2
import numpy as np

from ..core.errors import InputError
from ..image_read import check_pixels, read_image_bytes

# encoding -> (dtype, channels, conversion to BGR or None when already BGR / special)
_U8, _U16 = np.dtype(np.uint8), np.dtype(np.uint16)
ENCODINGS: dict[str, tuple[np.dtype, int, int | None]] = {
    "bgr8": (_U8, 3, None),
    "rgb8": (_U8, 3, cv2.COLOR_RGB2BGR),
    "bgra8": (_U8, 4, cv2.COLOR_BGRA2BGR),
    "rgba8": (_U8, 4, cv2.COLOR_RGBA2BGR),
    "mono8": (_U8, 1, cv2.COLOR_GRAY2BGR),
    "8UC1": (_U8, 1, cv2.COLOR_GRAY2BGR),
    "8UC3": (_U8, 3, None),               # cv_bridge treats 8UC3 as BGR
    "8UC4": (_U8, 4, cv2.COLOR_BGRA2BGR),
    "mono16": (_U16, 1, cv2.COLOR_GRAY2BGR),
    "16UC1": (_U16, 1, cv2.COLOR_GRAY2BGR),
    "bgr16": (_U16, 3, None),
    "rgb16": (_U16, 3, cv2.COLOR_RGB2BGR),
    "bgra16": (_U16, 4, cv2.COLOR_BGRA2BGR),
    "rgba16": (_U16, 4, cv2.COLOR_RGBA2BGR),
    # packed YUV 4:2:2, two bytes per pixel
    "yuv422": (_U8, 2, cv2.COLOR_YUV2BGR_UYVY),        # = uyvy (U0 Y0 V0 Y1)
    "uyvy": (_U8, 2, cv2.COLOR_YUV2BGR_UYVY),
    "yuv422_yuy2": (_U8, 2, cv2.COLOR_YUV2BGR_YUY2),   # = yuyv (Y0 U0 Y1 V0)
    "yuyv": (_U8, 2, cv2.COLOR_YUV2BGR_YUY2),
}
_YUV = {"yuv422", "uyvy", "yuv422_yuy2", "yuyv"}
_HOST_BIG_ENDIAN = sys.byteorder == "big"


def supported_encodings() -> list[str]:
    return list(ENCODINGS)


def _describe(msg) -> str:
    return f"{getattr(msg, 'width', '?')}x{getattr(msg, 'height', '?')} '{getattr(msg, 'encoding', '?')}'"


def image_to_numpy(msg, max_pixels: int | None = None) -> np.ndarray:
    """The pixels of a sensor_msgs/Image as an array (HxW for one channel, else HxWxC).

    The array may be a read-only view of ``msg.data``; copy it before drawing on it.  An image of
    more than ``max_pixels`` (None: the ``max_image_pixels`` default) is refused.
    """
    encoding = str(msg.encoding)
    spec = ENCODINGS.get(encoding)
    if spec is None:
        spec = ENCODINGS.get(encoding.lower())
    if spec is None:
        raise InputError(f"unsupported image encoding '{encoding}' "
                         f"(supported: {', '.join(ENCODINGS)})")
    dtype, channels, _ = spec
    height, width, step = int(msg.height), int(msg.width), int(msg.step)
    if height <= 0 or width <= 0:
        raise InputError(f"empty image {_describe(msg)}: width and height must be > 0")
    check_pixels(width, height, max_pixels, f"image {_describe(msg)}")
    if encoding.lower() in _YUV and width % 2:
        raise InputError(f"image {_describe(msg)}: YUV 4:2:2 needs an even width")
    row_bytes = width * channels * dtype.itemsize
    if step < row_bytes:
        raise InputError(f"image {_describe(msg)}: step {step} is smaller than width*bytes_per_pixel = {row_bytes}")
    if step % dtype.itemsize:
        raise InputError(f"image {_describe(msg)}: step {step} is not a multiple of {dtype.itemsize}")
    buf = _bytes_of(msg)
    if buf.size < height * step:
        raise InputError(f"image {_describe(msg)}: data has {buf.size} bytes, "
                         f"expected height*step = {height}*{step} = {height * step}")
    rows = buf[: height * step].reshape(height, step)[:, :row_bytes]
    if dtype.itemsize > 1:
        big = bool(msg.is_bigendian)
        wire = dtype.newbyteorder(">" if big else "<")
        # rows is (H, row_bytes) of uint8; reinterpret each row as wire-order integers
        pixels = np.ascontiguousarray(rows).view(wire)
        if big != _HOST_BIG_ENDIAN:
            pixels = pixels.astype(dtype)  # to native byte order (copies)
    else:
        pixels = rows
    if channels == 1:
        return pixels.reshape(height, width)
    return pixels.reshape(height, width, channels)


def _bytes_of(msg) -> np.ndarray:
    """The message's ``data`` as a uint8 array, without a copy where rclpy allows it."""
    try:
        return np.frombuffer(msg.data, dtype=np.uint8)
    except (TypeError, ValueError):
        return np.frombuffer(bytes(msg.data), dtype=np.uint8)


def image_to_bgr(msg, max_pixels: int | None = None) -> np.ndarray:
    """A sensor_msgs/Image as a contiguous HxWx3 uint8 BGR array (16-bit images are scaled >> 8)."""
    pixels = image_to_numpy(msg, max_pixels)
    encoding = str(msg.encoding)
    _, _, code = ENCODINGS.get(encoding) or ENCODINGS[encoding.lower()]
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    if code is None:
        return np.ascontiguousarray(pixels)
    return cv2.cvtColor(np.ascontiguousarray(pixels), code)


def compressed_to_bgr(msg, max_pixels: int | None = None) -> np.ndarray:
    """Decode a sensor_msgs/CompressedImage (jpeg or png, as image_transport's compressed plugin
    writes it; ``format`` like "jpeg", "png" or "bgr8; jpeg compressed bgr8") to HxWx3 BGR.
    Larger than ``max_pixels`` by its header, truncated or undecodable: a one-line InputError."""
    fmt = str(getattr(msg, "format", "")).strip()
    low = fmt.lower()
    if "compresseddepth" in low:
        raise InputError(f"compressed image format '{fmt}' (compressedDepth) is not supported")
    buf = _bytes_of(msg)
    if buf.size == 0:
        raise InputError(f"compressed image ('{fmt}') has no data")
    return read_image_bytes(buf, f"compressed image ('{fmt}', {buf.size} bytes)", max_pixels)


# ----------------------------------------------------------------------------- numpy -> msg
def _to_uint8_array(raw: bytes) -> array.array:
    # rclpy stores uint8[] as array('B'); assigning an array skips the per-element check
    out = array.array("B")
    out.frombytes(raw)
    return out


def numpy_to_image(pixels: np.ndarray, encoding: str, header=None, step: int | None = None,
                   is_bigendian: bool | None = None):
    """Pack an array (HxW or HxWxC as produced by :func:`image_to_numpy`) into a sensor_msgs/Image.

    ``step`` pads rows (``step >= width*bytes_per_pixel``); ``is_bigendian`` picks the byte order
    of 16-bit data (default: the host's).
    """
    from sensor_msgs.msg import Image

    spec = ENCODINGS.get(encoding)
    if spec is None:
        raise InputError(f"unsupported image encoding '{encoding}' (supported: {', '.join(ENCODINGS)})")
    dtype, channels, _ = spec
    pixels = np.asarray(pixels)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.ndim != 3 or pixels.shape[2] != channels or pixels.dtype != dtype:
        raise InputError(f"array of shape {pixels.shape} and dtype {pixels.dtype} does not match "
                         f"'{encoding}' ({channels} channel(s) of {dtype})")
    height, width = pixels.shape[:2]
    big = _HOST_BIG_ENDIAN if is_bigendian is None else bool(is_bigendian)
    if dtype.itemsize > 1:
        pixels = pixels.astype(dtype.newbyteorder(">" if big else "<"), copy=False)
    row_bytes = width * channels * dtype.itemsize
    step = row_bytes if step is None else int(step)
    if step < row_bytes:
        raise InputError(f"step {step} is smaller than width*bytes_per_pixel = {row_bytes}")
    rows = np.ascontiguousarray(pixels).view(np.uint8).reshape(height, row_bytes)
    if step > row_bytes:
        padded = np.zeros((height, step), np.uint8)
        padded[:, :row_bytes] = rows
        rows = padded
    msg = Image()
    if header is not None:
        msg.header = header
    msg.height, msg.width = int(height), int(width)
    msg.encoding = encoding
    msg.is_bigendian = int(big)
    msg.step = int(step)
    msg.data = _to_uint8_array(rows.tobytes())
    return msg


def bgr_to_image(bgr: np.ndarray, encoding: str = "bgr8", header=None, step: int | None = None,
                 is_bigendian: bool | None = None):
    """A BGR uint8 image as a sensor_msgs/Image in ``encoding`` (bgr8, rgb8, bgra8, rgba8, mono8,
    mono16, yuv422/uyvy, yuv422_yuy2/yuyv, ...)."""
    bgr = np.asarray(bgr)
    if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
        raise InputError(f"expected an HxWx3 uint8 BGR image, got shape {bgr.shape} dtype {bgr.dtype}")
    enc = encoding
    if enc in ("bgr8", "8UC3"):
        pixels = bgr
    elif enc == "rgb8":
        pixels = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    elif enc in ("bgra8", "8UC4"):
        pixels = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
    elif enc == "rgba8":
        pixels = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA)
    elif enc in ("mono8", "8UC1"):
        pixels = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    elif enc in ("mono16", "16UC1"):
        pixels = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY).astype(np.uint16) * 257
    elif enc == "bgr16":
        pixels = bgr.astype(np.uint16) * 257
    elif enc == "rgb16":
        pixels = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.uint16) * 257
    elif enc in _YUV:
        pixels = bgr_to_yuv422(bgr, uyvy=enc in ("yuv422", "uyvy"))
    else:
        raise InputError(f"cannot encode BGR images as '{encoding}'")
    return numpy_to_image(pixels, enc, header=header, step=step, is_bigendian=is_bigendian)


def bgr_to_yuv422(bgr: np.ndarray, uyvy: bool = True) -> np.ndarray:
    """Pack BGR into YUV 4:2:2 (HxWx2 uint8, UYVY or YUYV byte order; BT.601 limited range, the
    inverse of OpenCV's COLOR_YUV2BGR_UYVY / _YUY2 and of what V4L2 cameras deliver)."""
    height, width = bgr.shape[:2]
    if width % 2:
        raise InputError("YUV 4:2:2 needs an even width")
    code = getattr(cv2, "COLOR_BGR2YUV_UYVY" if uyvy else "COLOR_BGR2YUV_YUY2", None)
    if code is not None:
        return cv2.cvtColor(np.ascontiguousarray(bgr), code)
    f = bgr.astype(np.float32)  # OpenCV < 4.10: the same BT.601 matrix by hand
    b, g, r = f[:, :, 0], f[:, :, 1], f[:, :, 2]
    y = 16 + 0.257 * r + 0.504 * g + 0.098 * b
    u = 128 - 0.148 * r - 0.291 * g + 0.439 * b
    v = 128 + 0.439 * r - 0.368 * g - 0.071 * b
    u = (u[:, 0::2] + u[:, 1::2]) / 2
    v = (v[:, 0::2] + v[:, 1::2]) / 2
    out = np.empty((height, width, 2), np.float32)
    yi, ci = (1, 0) if uyvy else (0, 1)
    out[:, :, yi] = y
    out[:, 0::2, ci] = u
    out[:, 1::2, ci] = v
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def bgr_to_compressed(bgr: np.ndarray, fmt: str = "jpeg", header=None, quality: int = 90):
    """Encode BGR as a sensor_msgs/CompressedImage (``fmt`` "jpeg" or "png")."""
    from sensor_msgs.msg import CompressedImage

    fmt = fmt.lower()
    if fmt in ("jpeg", "jpg"):
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        fmt = "jpeg"
    elif fmt == "png":
        ok, buf = cv2.imencode(".png", bgr)
    else:
        raise InputError(f"unsupported compressed format '{fmt}' (jpeg, png)")
    if not ok:
        raise InputError(f"could not encode image as {fmt}")
    msg = CompressedImage()
    if header is not None:
        msg.header = header
    msg.format = fmt
    msg.data = _to_uint8_array(buf.tobytes())
    return msg
