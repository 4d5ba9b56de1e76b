"""Generators of hostile inputs (issue 10), shared by the robustness tests and the node soak
benchmark (the node_soak case of benchmarks/run.py): decompression bombs (a small PNG/JPEG whose header claims a
huge size), truncated and corrupt data, malformed sensor_msgs/Image fields, degenerate images,
broken topology / annotation / params files."""
from __future__ import annotations

import json
import struct
import zlib

import cv2
import numpy as np


def png_bytes(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


def jpeg_bytes(image: np.ndarray, quality: int = 90) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def png_claiming(width: int, height: int, real: np.ndarray | None = None) -> bytes:
    """A valid small PNG whose IHDR (with a correct CRC) claims ``width`` x ``height``."""
    b = bytearray(png_bytes(np.zeros((8, 8, 3), np.uint8) if real is None else real))
    b[16:24] = struct.pack(">II", width, height)
    b[29:33] = struct.pack(">I", zlib.crc32(bytes(b[12:29])) & 0xFFFFFFFF)
    return bytes(b)


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A real 1-bit greyscale PNG of ``width`` x ``height`` (all zero): about 50 KB for
    20000x20000, 1.2 GB once decoded as BGR."""
    row = b"\x00" + bytes((width + 7) // 8)          # filter byte + packed bits
    comp = zlib.compressobj(9)
    data = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small grey JPEG whose SOF0 header is patched to ``width`` x ``height`` (libjpeg decodes
    it as a grey image of that size, printing only "Corrupt JPEG data")."""
    b = bytearray(jpeg_bytes(np.full((16, 16, 3), 128, np.uint8)))
    i = b.find(b"\xff\xc0")
    b[i + 5:i + 9] = struct.pack(">HH", height, width)
    return bytes(b)


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: max(1, int(len(data) * keep))]


def image_fields(**fields):
    """A sensor_msgs/Image-like object (attributes only; ``image_conversion`` reads nothing else)."""
    from types import SimpleNamespace

    base = dict(height=48, width=64, encoding="bgr8", step=64 * 3, is_bigendian=0, data=bytes(48 * 64 * 3))
    base.update(fields)
    return SimpleNamespace(**base)


# raw sensor_msgs/Image fields that must each be refused with one line
BAD_RAW = {
    "unknown encoding": dict(encoding="bayer_weird42"),
    "short data": dict(data=bytes(100)),
    "zero width": dict(width=0, step=0),
    "step too small": dict(step=10),
    "huge header": dict(width=100000, height=100000, step=300000),
    "odd yuv width": dict(encoding="yuv422", width=63, step=126),
}


def topology_with(path, keypoints: int, base: dict) -> str:
    """A trt_pose topology JSON with ``keypoints`` keypoints (links kept where both ends exist)."""
    names = (list(base["keypoints"]) + [f"extra_{i}" for i in range(keypoints)])[:keypoints]
    body = dict(base, keypoints=names, skeleton=[s for s in base["skeleton"] if max(s) <= keypoints])
    with open(path, "w") as f:
        json.dump(body, f)
    return str(path)
