"""Frame outputs, like jetson-utils' videoOutput: image file, ``%i`` sequence,
directory, video file."""
from __future__ import annotations

import os
import re
from pathlib import Path

import cv2
import numpy as np

from ..errors import InputError
from .sources import IMAGE_EXTS, VIDEO_EXTS, Frame

_PATTERN = re.compile(r"%(0?\d*)i")
FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG", ".webm": "VP80"}


def _write_image(path: str, image: np.ndarray) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(Path(path).suffix or ".jpg", image)
    if not ok:
        raise InputError(f"{path}: cannot encode image")
    buf.tofile(path)


class ImageOutput:
    """One image file (overwritten per frame), a ``%i`` pattern, or a directory."""

    def __init__(self, target: str, directory: bool = False):
        self.target = target
        self.directory = directory
        self.written: list[str] = []

    def path_for(self, frame: Frame) -> str:
        if self.directory:
            src = Path(frame.source)
            name = src.name if src.suffix.lower() in IMAGE_EXTS else f"{src.stem}_{frame.index:06d}.jpg"
            return str(Path(self.target) / name)
        if _PATTERN.search(self.target):
            return _PATTERN.sub(lambda m: f"%{m.group(1)}d" % frame.index, self.target)
        return self.target

    def render(self, image: np.ndarray, frame: Frame) -> None:
        path = self.path_for(frame)
        _write_image(path, image)
        self.written.append(path)

    def close(self) -> None:
        pass


class VideoFileOutput:
    """A video file written with OpenCV; opened on the first frame (its size)."""

    def __init__(self, path: str, fps: float = 30.0, codec: str | None = None):
        self.path = path
        self.fps = fps or 30.0
        self.codec = codec or FOURCC.get(Path(path).suffix.lower(), "mp4v")
        self.writer = None
        self.size = None
        self.frames = 0

    def render(self, image: np.ndarray, frame: Frame) -> None:
        h, w = image.shape[:2]
        if self.writer is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self.writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*self.codec[:4]), self.fps, (w, h))
            if not self.writer.isOpened():
                raise InputError(f"{self.path}: cannot open video writer (codec {self.codec})")
            self.size = (w, h)
        if (w, h) != self.size:
            image = cv2.resize(image, self.size)
        self.writer.write(image)
        self.frames += 1

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()
            self.writer = None


class NullOutput:
    def render(self, image, frame) -> None:
        pass

    def close(self) -> None:
        pass


def open_output(uri: str | None, fps: float = 30.0, codec: str | None = None, multi_frame: bool = False):
    """Open an output URI.  A path ending in ``/`` or an existing directory is a
    directory; a video extension is a video file; anything else an image path or
    ``%i`` pattern.  Several frames into one plain image path overwrite it, as in
    jetson-inference."""
    if not uri:
        return NullOutput()
    path = uri[len("file://"):] if uri.startswith("file://") else uri
    ext = Path(path).suffix.lower()
    if path.endswith(("/", os.sep)) or os.path.isdir(path) or (not ext and multi_frame):
        os.makedirs(path, exist_ok=True)
        return ImageOutput(path, directory=True)
    if ext in VIDEO_EXTS:
        return VideoFileOutput(path, fps, codec)
    if ext not in IMAGE_EXTS:
        raise InputError(f"{uri}: unsupported output type '{ext or '(none)'}' "
                         f"(image, %i pattern, directory/ or video file)")
    return ImageOutput(path)
