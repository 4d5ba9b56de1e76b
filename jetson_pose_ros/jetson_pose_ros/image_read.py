"""Reading compressed images (bytes -> pixels) safely: the size is read from the header (``imagesize``) and
checked against ``max_image_pixels`` **before** anything is decoded, so a small file whose
header claims 20000x20000 pixels (a decompression bomb) is refused without allocating it.

Truncated JPEG/PNG data (no end-of-image marker after the last scan / no ``IEND`` chunk) is
refused too (choice: **skip**, not process): libjpeg would fill the missing part with grey and
only print "Corrupt JPEG data" on stderr, which gives poses on half an image without any sign.
Every refusal is one ``InputError`` line; the CLI reports it and goes on with the next file,
the node logs one throttled warning and drops the frame.
"""
from __future__ import annotations

import io

import cv2
import imagesize
import numpy as np

from .core.errors import InputError
from .core.options import OPTIONS

DEFAULT_MAX_IMAGE_PIXELS = int(OPTIONS["max_image_pixels"].default)
_JPEG, _PNG = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"


def check_pixels(width: int, height: int, max_pixels: int | None, what: str) -> None:
    """A one-line InputError when ``width*height`` exceeds ``max_pixels`` (None: the default)."""
    limit = DEFAULT_MAX_IMAGE_PIXELS if max_pixels is None else int(max_pixels)
    if int(width) * int(height) > limit:
        raise InputError(f"{what}: {width}x{height} image ({int(width) * int(height) / 1e6:.1f} MP) is larger "
                         f"than max_image_pixels = {limit} ({limit / 1e6:g} MP); refused")


def header_size(data: bytes | np.ndarray) -> tuple[int, int]:
    """(width, height) from the image header, (-1, -1) when the format is not recognised."""
    raw = data.tobytes() if isinstance(data, np.ndarray) else bytes(data)
    try:
        w, h = imagesize.get(io.BytesIO(raw))
    except Exception:  # noqa: BLE001 - a malformed header: let the decoder say what it is
        return -1, -1
    return int(w), int(h)


def truncation(raw: bytes) -> str | None:
    """Why JPEG/PNG data is truncated, or None (other formats: None)."""
    if raw.startswith(_JPEG):
        last_scan = raw.rfind(b"\xff\xda")
        if last_scan < 0:
            return "JPEG data has no image scan"
        if raw.rfind(b"\xff\xd9") < last_scan:
            return "JPEG data is truncated (no end-of-image marker after the last scan)"
    elif raw.startswith(_PNG) and raw.rfind(b"IEND") < 0:
        return "PNG data is truncated (no IEND chunk)"
    return None


def read_image_bytes(data: bytes | np.ndarray, what: str, max_pixels: int | None = None) -> np.ndarray:
    """JPEG/PNG/... bytes as HxWx3 uint8 BGR, or raise a one-line ``InputError`` naming
    ``what`` (a file name, "compressed image ('jpeg')"): empty, too large for ``max_pixels``,
    truncated, or not decodable."""
    buf = data if isinstance(data, np.ndarray) else np.frombuffer(data, np.uint8)
    if buf.size == 0:
        raise InputError(f"{what}: no data")
    raw = buf.tobytes()
    w, h = header_size(raw)
    if w > 0 and h > 0:
        check_pixels(w, h, max_pixels, what)
    reason = truncation(raw)
    if reason:
        raise InputError(f"{what}: not a readable image, could not be decoded ({reason}); skipped")
    try:
        image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    except cv2.error as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else "decoder error"
        raise InputError(f"{what}: not a readable image, could not be decoded ({first.strip()})") from None
    if image is None or image.size == 0:
        raise InputError(f"{what}: not a readable image, could not be decoded ({buf.size} bytes; corrupt or "
                         "unsupported format)")
    check_pixels(image.shape[1], image.shape[0], max_pixels, what)  # formats without a readable header
    return image
