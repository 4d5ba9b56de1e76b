"""Image sources, like jetson-utils' videoSource.

``open_source(uri, loop=0, width=, height=, rate=, codec=, flip=, timeout=)`` returns
an iterable of ``core.capture.Capture`` (one input image and its metadata) for any of these inputs:

=============================  ==================================================
image file, quoted glob, dir   ``img.jpg``, ``'imgs/*.jpg'``, ``imgs/`` (natural order)
video file                     ``.mp4 .mkv .avi .webm .mov ...`` (H.264/H.265/VP8/VP9/MJPEG, OpenCV's FFmpeg)
V4L2 camera                    ``/dev/video0``, ``v4l2:///dev/video0``
RTSP client                    ``rtsp://user:pass@host:port/path``
RTP receiver                   ``rtp://@:5000`` (needs ``codec``: h264, h265, vp8, vp9, mjpeg, mpeg4)
rosbag2 / MCAP recording       ``bag_dir/`` (sqlite3 or MCAP storage), ``run.mcap``, ``run.db3`` (``topic``)
other FFmpeg network inputs    ``http(s)://``, ``rtmp://``, ``udp://``, ``srt://``
=============================  ==================================================

An image that cannot be read is yielded as a capture with ``image=None`` and ``error`` set, so a
batch reports it and goes on (or ends, for a stream that broke).  Opening a source
that cannot be opened raises ``InputError`` with a one-line reason; network and
camera sources give up after ``timeout`` seconds instead of hanging.
"""
from __future__ import annotations

import glob as _glob
import os
import re
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..core.capture import Capture
from ..core.errors import InputError
from ..image_read import check_pixels, read_image_bytes

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pnm", ".jp2"}
VIDEO_EXTS = {".mp4", ".mkv", ".avi", ".webm", ".mov", ".m4v", ".flv", ".mpg", ".mpeg", ".ts", ".h264", ".h265"}
FLIP_METHODS = ("none", "counterclockwise", "rotate-180", "clockwise", "horizontal", "vertical",
                "upper-right-diagonal", "upper-left-diagonal")
NETWORK_SCHEMES = ("rtsp", "rtsps", "rtp", "http", "https", "rtmp", "udp", "srt")


def _natural_key(path: str):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path)]


def read_image(path: str, max_pixels: int | None = None) -> np.ndarray:
    """Read an image file as BGR uint8, or raise InputError with a one-line reason (no such
    file, empty, larger than ``max_pixels`` by its header, truncated, not decodable)."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if data.size == 0:
        raise InputError(f"{path}: empty file")
    return read_image_bytes(data, path, max_pixels)


# --- frame transforms ------------------------------------------------------------
def flip_image(image: np.ndarray, method: str | None) -> np.ndarray:
    """Apply a jetson-utils ``--input-flip`` method (GStreamer videoflip names)."""
    m = (method or "none").lower()
    if m == "none":
        return image
    if m == "counterclockwise":
        return cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    if m == "clockwise":
        return cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    if m == "rotate-180":
        return cv2.rotate(image, cv2.ROTATE_180)
    if m == "horizontal":
        return cv2.flip(image, 1)
    if m == "vertical":
        return cv2.flip(image, 0)
    if m == "upper-left-diagonal":        # transpose: (x, y) -> (y, x)
        return cv2.transpose(image)
    if m == "upper-right-diagonal":       # transverse: (x, y) -> (H-1-y, W-1-x)
        return cv2.rotate(cv2.transpose(image), cv2.ROTATE_180)
    raise InputError(f"invalid flip method '{method}' (valid: {', '.join(FLIP_METHODS)})")


def check_flip(method: str | None) -> str:
    m = (method or "none").lower()
    if m not in FLIP_METHODS:
        raise InputError(f"invalid flip method '{method}' (valid: {', '.join(FLIP_METHODS)})")
    return m


def target_size(w: int, h: int, width: int | None, height: int | None) -> tuple[int, int]:
    """Size for ``--input-width/--input-height``; one of them alone keeps the aspect ratio."""
    if width and height:
        return int(width), int(height)
    if width:
        return int(width), max(1, round(h * width / w))
    if height:
        return max(1, round(w * height / h)), int(height)
    return w, h


class Source:
    """Base of all sources: ``_captures()`` yields raw captures; iteration applies the
    options common to every kind (size, flip, rate) and numbers them 0, 1, 2 ..."""

    live = False            # a camera/stream (no length, no loop)

    def __init__(self, uri: str, loop: int = 0, width: int | None = None, height: int | None = None,
                 rate: float | None = None, flip: str | None = None, max_pixels: int | None = None):
        for name, v in (("width", width), ("height", height), ("rate", rate)):
            if v is not None and v <= 0:
                raise InputError(f"input {name} must be > 0, got {v}")
        self.uri = uri
        self.loop = int(loop)
        self.req_width, self.req_height, self.rate = width, height, rate
        self.flip = check_flip(flip)
        self.max_pixels = max_pixels      # largest decoded frame (None: options' max_image_pixels)
        self.fps = 0.0
        self.width = self.height = 0      # size of the frames as decoded (before resize / flip)
        self.frame_count = 0              # frames per pass, 0 when unknown
        self.dropped = 0                  # frames skipped by --input-rate (or by a live reader)

    # to implement
    def _captures(self) -> Iterator[Capture]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        """Frames this source will yield (0 when unknown / live / looping forever)."""
        if self.live or self.loop < 0 or not self.frame_count:
            return 0
        n = self.frame_count
        if self.rate and self.fps and self.rate < self.fps:
            n = int(np.ceil(n * self.rate / self.fps))
        return n * (self.loop + 1)

    @property
    def output_fps(self) -> float:
        """Frame rate of what this source yields (for writing a video)."""
        if self.rate and (not self.fps or self.rate < self.fps):
            return float(self.rate)
        return float(self.fps or 30.0)

    def transform(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        size = target_size(w, h, self.req_width, self.req_height)
        if size != (w, h):
            check_pixels(*size, self.max_pixels, f"{self.uri}: resizing {w}x{h} with --input-width/--input-height")
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA if size[0] < w else cv2.INTER_LINEAR)
        return flip_image(image, self.flip)

    def _transform(self, capture: Capture) -> None:
        """Resize/flip one capture in place; a capture that cannot be (too large) becomes a capture with ``error`` set."""
        try:
            capture.image = self.transform(capture.image)
        except InputError as exc:
            capture.image, capture.error = None, str(exc)

    def __iter__(self) -> Iterator[Capture]:
        period = 1.0 / self.rate if self.rate else 0.0
        decimate = bool(period) and (self.live or not self.fps or self.rate < self.fps)
        next_t = None
        index = 0
        for capture in self._captures():
            if capture.image is not None:
                if decimate:
                    if next_t is not None and capture.timestamp < next_t - 1e-6:
                        self.dropped += 1
                        continue
                    next_t = capture.timestamp + period if next_t is None or capture.timestamp - next_t > period \
                        else next_t + period
                self._transform(capture)
            capture.index = index
            index += 1
            yield capture


class ImageListSource(Source):
    """Still images (one file, a glob or a directory), in natural sort order."""

    def __init__(self, paths: list[str], loop: int = 0, **options):
        super().__init__(paths[0] if len(paths) == 1 else os.path.dirname(paths[0]), loop, **options)
        self.paths = paths
        self.frame_count = len(paths)
        self.fps = float(self.rate or 0.0)

    def __len__(self) -> int:
        return len(self.paths) * (self.loop + 1 if self.loop >= 0 else 1)

    def __iter__(self) -> Iterator[Capture]:
        # every image is one capture: --input-rate only sets the timestamps
        index = 0
        for capture in self._captures():
            if capture.image is not None:
                self._transform(capture)
            capture.index = index
            capture.timestamp = index / self.rate if self.rate else 0.0
            index += 1
            yield capture

    def _captures(self) -> Iterator[Capture]:
        rounds = 0
        while True:
            for path in self.paths:
                try:
                    yield Capture(read_image(path, self.max_pixels), 0, path)
                except InputError as exc:
                    yield Capture(None, 0, path, error=str(exc))
            rounds += 1
            if 0 <= self.loop < rounds:
                return


class VideoFileSource(Source):
    """A video file decoded with OpenCV's FFmpeg backend.

    A file that stops decoding before its container's frame count (truncated or
    corrupt) yields the frames it could decode, then one error frame.
    """

    def __init__(self, path: str, loop: int = 0, **options):
        super().__init__(path, loop, **options)
        self.path = path
        cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
        ok = cap.isOpened()
        self.fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        self.frame_count = max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0))
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        cap.release()
        if not ok:
            if os.path.getsize(path) == 0:
                raise InputError(f"{path}: empty file")
            raise InputError(f"{path}: cannot open video (corrupt, truncated or unsupported codec)")
        check_pixels(self.width, self.height, self.max_pixels, path)

    def _captures(self) -> Iterator[Capture]:
        rounds, offset = 0, 0.0
        while True:
            cap = cv2.VideoCapture(self.path, cv2.CAP_FFMPEG)
            n, t = 0, 0.0
            try:
                while True:
                    ok, img = cap.read()
                    if not ok:
                        break
                    pos = cap.get(cv2.CAP_PROP_POS_MSEC) / 1e3
                    t = pos if pos > 0 or n == 0 else n / (self.fps or 30.0)
                    yield Capture(img, 0, self.path, offset + t)
                    n += 1
            finally:
                cap.release()
            short = self.frame_count - n
            if n == 0 or short > max(2, 0.02 * self.frame_count):
                what = "no frame could be decoded" if n == 0 else \
                    f"decoding stopped after {n} of {self.frame_count} frames"
                yield Capture(None, 0, self.path, offset + t, error=f"{self.path}: {what} (truncated or corrupt file)")
                return
            rounds += 1
            if 0 <= self.loop < rounds:
                return
            offset += n / (self.fps or 30.0)


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
