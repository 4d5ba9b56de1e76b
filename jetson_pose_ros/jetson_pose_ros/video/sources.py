"""Frame sources, like jetson-utils' videoSource: image file, glob, directory, video file.

``open_source(uri)`` returns an iterable of ``Frame``.  A frame that cannot be
read is yielded with ``image=None`` and ``error`` set, so a batch reports it and
goes on with the next one.
"""
from __future__ import annotations

import glob as _glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..errors import InputError

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm", ".jp2"}
VIDEO_EXTS = {".mp4", ".mkv", ".avi", ".webm", ".mov", ".m4v", ".flv", ".mpg", ".mpeg", ".ts", ".h264", ".h265"}


@dataclass
class Frame:
    image: np.ndarray | None
    index: int
    source: str
    timestamp: float = 0.0          # seconds from the start of the source
    error: str | None = None


def _natural_key(path: str):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path)]


def read_image(path: str) -> np.ndarray:
    """Read an image file as BGR uint8, or raise InputError with a one-line reason."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0:
        raise InputError(f"{path}: empty file")
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if img is None:
        raise InputError(f"{path}: not a readable image (corrupt or unsupported format)")
    return img


class ImageListSource:
    """Still images (one file, a glob or a directory), in natural sort order."""

    def __init__(self, paths: list[str], loop: int = 0):
        self.paths = paths
        self.loop = loop

    def __len__(self) -> int:
        return len(self.paths) * (self.loop + 1 if self.loop >= 0 else 1)

    def __iter__(self) -> Iterator[Frame]:
        index, rounds = 0, 0
        while True:
            for path in self.paths:
                try:
                    yield Frame(read_image(path), index, path)
                except InputError as exc:
                    yield Frame(None, index, path, error=str(exc))
                index += 1
            rounds += 1
            if 0 <= self.loop < rounds:
                return


class VideoFileSource:
    """A video file decoded with OpenCV (FFmpeg backend)."""

    def __init__(self, path: str, loop: int = 0):
        self.path = path
        self.loop = loop
        cap = cv2.VideoCapture(path)
        ok = cap.isOpened()
        self.fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        self.frame_count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        cap.release()
        if not ok:
            raise InputError(f"{path}: cannot open video (corrupt or unsupported codec)")

    def __len__(self) -> int:
        return self.frame_count * (self.loop + 1) if self.loop >= 0 else 0

    def __iter__(self) -> Iterator[Frame]:
        index, rounds = 0, 0
        while True:
            cap = cv2.VideoCapture(self.path)
            n = 0
            while True:
                ok, img = cap.read()
                if not ok:
                    break
                t = cap.get(cv2.CAP_PROP_POS_MSEC) / 1e3
                yield Frame(img, index, self.path, t)
                index += 1
                n += 1
            cap.release()
            if n == 0 and rounds == 0:
                yield Frame(None, index, self.path, error=f"{self.path}: no frame could be decoded")
                return
            rounds += 1
            if 0 <= self.loop < rounds:
                return


def expand_images(uri: str) -> list[str]:
    """Image paths for a file, directory or glob pattern (natural sort order)."""
    if os.path.isdir(uri):
        files = [str(p) for p in Path(uri).iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTS]
        if not files:
            raise InputError(f"{uri}: directory has no image files")
        return sorted(files, key=_natural_key)
    if any(ch in uri for ch in "*?["):
        files = [p for p in _glob.glob(uri) if os.path.isfile(p)]
        if not files:
            raise InputError(f"{uri}: no files match this pattern")
        return sorted(files, key=_natural_key)
    if not os.path.exists(uri):
        raise InputError(f"{uri}: no such file or directory")
    return [uri]


def open_source(uri: str, loop: int = 0):
    """Open an input URI: image file, glob, directory or video file."""
    if not uri:
        raise InputError("no input given")
    path = uri[len("file://"):] if uri.startswith("file://") else uri
    ext = Path(path).suffix.lower()
    if ext in VIDEO_EXTS and os.path.isfile(path):
        return VideoFileSource(path, loop)
    paths = expand_images(path)
    if len(paths) == 1 and Path(paths[0]).suffix.lower() not in IMAGE_EXTS | VIDEO_EXTS:
        raise InputError(f"{paths[0]}: unsupported file type '{Path(paths[0]).suffix}' "
                         f"(images: {', '.join(sorted(IMAGE_EXTS))}; videos: {', '.join(sorted(VIDEO_EXTS))})")
    return ImageListSource(paths, loop)
