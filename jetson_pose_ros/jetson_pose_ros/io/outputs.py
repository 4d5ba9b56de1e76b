"""Image and video outputs, like jetson-utils' videoOutput: ``open_output(uri)`` returns the sink
(``pipeline.sinks.Sink``) that a URI names.

==========================  ======================================================
image file                  ``out.jpg`` (overwritten by each frame)
image sequence              ``out_%i.jpg``, ``out_%04i.png``
directory                   ``out/`` (file names from the input)
video file                  ``out.mp4 .mkv .avi .webm ...`` (``codec``, ``bitrate``)
RTP sender                  ``rtp://HOST:PORT`` (``codec``, ``bitrate``)
browser view                ``http://@:PORT/`` (MJPEG page; see ``io.http``)
recording                   ``out.mcap``, ``rosbag2://out_dir`` (poses as messages; see ``io.bag_output``)
==========================  ======================================================

Every one is a sink: ``write(frame, capture)`` (the ``PoseFrame`` and the ``Capture`` whose image,
drawn on, is shown or written; only recordings read the frame itself) and ``close()``, which
finishes the file or stream (a video written so far stays playable when input breaks).
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import cv2
import numpy as np

from ..core.capture import Capture
from ..core.errors import InputError, PoseNetError
from ..core.pose import PoseFrame
from ..pipeline.sinks import NullSink, Sink
from .bag_output import BagSink, is_bag_output
from .ffmpeg import CODECS, FFmpegWriter, codec_names, encoder_args, even_size, ffmpeg_binary
from .http import HttpSink
from .sources import IMAGE_EXTS, VIDEO_EXTS

log = logging.getLogger(__name__)

_PATTERN = re.compile(r"%(0?\d*)i")
# OpenCV VideoWriter fallback (no ffmpeg binary): codec name -> fourcc, and a default per container
FOURCC = {"mpeg4": "mp4v", "mjpeg": "MJPG", "h264": "avc1", "h265": "hvc1", "hevc": "hvc1",
          "vp8": "VP80", "vp9": "VP90"}
DEFAULT_FOURCC = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG", ".webm": "VP80"}
WEBM_CODECS = {"vp8", "vp9"}


def _write_image(path: str, image: np.ndarray) -> None:
    ok, buf = cv2.imencode(Path(path).suffix or ".jpg", image)
    if not ok:
        raise InputError(f"{path}: cannot encode image")
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        buf.tofile(path)
    except OSError as exc:
        raise PoseNetError(f"cannot write {path}: {exc.strerror or exc}") from None


def check_writable(path: str | Path) -> None:
    """Before any frame is processed: ``path``'s directory can be made and written to, and its
    name is not too long; else a one-line PoseNetError (instead of a traceback on frame 1)."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except OSError as exc:
        raise PoseNetError(f"cannot write {path}: {exc.strerror or exc} ({parent})") from None
    if len(os.fsencode(path.name)) > limit:
        raise PoseNetError(f"cannot write {str(path)[:80]}...: file name longer than {limit} bytes")
    if path.is_dir():
        raise PoseNetError(f"cannot write {path}: it is a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PoseNetError(f"cannot write {path}: directory {parent} is not writable")


def _fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Frames of a stream/video keep the first frame's size."""
    h, w = image.shape[:2]
    if (w, h) == size:
        return image
    if w >= size[0] and h >= size[1] and w - size[0] <= 1 and h - size[1] <= 1:
        return image[:size[1], :size[0]]          # odd -> even size for yuv420p
    return cv2.resize(image, size)


MAX_PATTERN_WIDTH = 32      # digits of a %Ni file name pattern (a file name holds 255 bytes)


class ImageSink(Sink):
    """One image file (overwritten per frame), a ``%i`` pattern, or a directory."""

    def __init__(self, target: str, directory: bool = False):
        self.target = target
        self.directory = directory
        self.written: list[str] = []
        for m in ([] if directory else _PATTERN.finditer(target)):
            if m.group(1) and int(m.group(1)) > MAX_PATTERN_WIDTH:
                raise InputError(f"cannot write {target}: the width of %{m.group(1)}i is too large "
                                 f"(at most {MAX_PATTERN_WIDTH} digits, e.g. out_%04i.jpg)")
        check_writable(Path(target) / "frame.jpg" if directory else self.path_for(Capture(None, 0, "input.jpg")))

    def path_for(self, capture: Capture) -> str:
        if self.directory:
            src = Path(capture.source)
            name = src.name if src.suffix.lower() in IMAGE_EXTS else f"{src.stem}_{capture.index:06d}.jpg"
            return str(Path(self.target) / name)
        if _PATTERN.search(self.target):
            return _PATTERN.sub(lambda m: f"%{m.group(1)}d" % capture.index, self.target)
        return self.target

    def write(self, frame: PoseFrame | None, capture: Capture) -> None:
        path = self.path_for(capture)
        _write_image(path, capture.image)
        self.written.append(path)


class VideoFileSink(Sink):
    """A video file, opened on the first frame (its size sets the video's size).

    With the ``ffmpeg`` binary (default when installed): any codec in
    ``ffmpeg.CODECS`` (default h264; vp9 for .webm) and ``bitrate`` in bits/s.
    Without it, OpenCV's VideoWriter (codecs mpeg4, mjpeg, vp8, vp9; a 4-letter
    fourcc also works; no bitrate control).
    """

    def __init__(self, path: str, fps: float = 30.0, codec: str | None = None, bitrate: int | None = None,
                 backend: str = "auto"):
        self.path = path
        self.fps = fps or 30.0
        self.bitrate = int(bitrate) if bitrate else None
        ext = Path(path).suffix.lower()
        self.fourcc = None
        name = codec.lower() if codec else None
        if name and name not in CODECS:
            if len(codec) == 4 and backend != "ffmpeg":      # an OpenCV fourcc, e.g. mp4v
                self.fourcc, name, backend = codec, None, "opencv"
            else:
                raise InputError(f"{path}: unknown codec '{codec}' (valid: {codec_names()})")
        if backend == "auto":
            backend = "ffmpeg" if ffmpeg_binary() else "opencv"
        if backend not in ("ffmpeg", "opencv"):
            raise InputError(f"unknown video writer backend '{backend}' (ffmpeg, opencv)")
        if backend == "ffmpeg" and not ffmpeg_binary():
            raise InputError(f"{path}: ffmpeg not found (install it: apt-get install ffmpeg)")
        if backend == "ffmpeg":
            name = name or ("vp9" if ext == ".webm" else "h264")
            if ext == ".webm" and name not in WEBM_CODECS:
                raise InputError(f"{path}: .webm holds only vp8/vp9, not {name}")
        elif self.fourcc is None:
            self.fourcc = FOURCC[name] if name else DEFAULT_FOURCC.get(ext, "mp4v")
            if self.bitrate:
                log.warning("%s: --bitrate needs ffmpeg (not installed); using OpenCV's default quality", path)
        self.backend = backend
        self.codec = name or self.fourcc
        self.writer = None
        self.size: tuple[int, int] | None = None
        self.frames = 0
        check_writable(path)

    def _open(self, w: int, h: int) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if self.backend == "ffmpeg":
            self.size = even_size(self.codec, (w, h))
            args = encoder_args(self.codec, self.bitrate, self.fps)
            if Path(self.path).suffix.lower() in (".mp4", ".mov", ".m4v") and self.codec in ("h265", "hevc"):
                args += ["-tag:v", "hvc1"]           # playable in browsers / QuickTime
            self.writer = FFmpegWriter(self.path, self.size, self.fps, args + [self.path])
            return
        self.size = (w, h)
        self.writer = cv2.VideoWriter(self.path, cv2.VideoWriter_fourcc(*self.fourcc[:4]), self.fps, (w, h))
        if not self.writer.isOpened():
            self.writer = None
            raise InputError(f"{self.path}: OpenCV cannot write codec '{self.fourcc}' "
                             f"(install ffmpeg for h264/h265/vp9 and bitrate control)")

    def write(self, frame: PoseFrame | None, capture: Capture) -> None:
        image = capture.image
        if self.writer is None:
            self._open(image.shape[1], image.shape[0])
        self.writer.write(_fit(image, self.size))
        self.frames += 1

    def close(self) -> None:
        writer, self.writer = self.writer, None
        if isinstance(writer, FFmpegWriter):
            writer.close()
        elif writer is not None:
            writer.release()


class RtpSink(Sink):
    """An RTP sender (``rtp://HOST:PORT``, unicast or multicast) encoding with ffmpeg.
    The stream description for receivers is written to ``sdp_path`` (``sdp=`` in the
    URI query picks the file, e.g. ``rtp://10.0.0.5:5000?sdp=/tmp/pose.sdp``)."""

    def __init__(self, uri: str, fps: float = 30.0, codec: str | None = None, bitrate: int | None = None):
        parts = urlsplit(uri)
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or not port:
            raise InputError(f"{uri}: RTP output needs a host and port, e.g. rtp://192.168.1.10:5000")
        if not ffmpeg_binary():
            raise InputError(f"{uri}: RTP output needs ffmpeg (install it: apt-get install ffmpeg)")
        self.uri = f"rtp://{parts.hostname}:{port}"
        self.codec = (codec or "h264").lower()
        if self.codec not in CODECS:
            raise InputError(f"{uri}: unknown codec '{codec}' (valid: {codec_names()})")
        query = dict(q.split("=", 1) for q in parts.query.split("&") if "=" in q)
        self._tmp = None
        if "sdp" in query:
            self.sdp_path = query["sdp"]
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="jpr-rtp-out-")
            self.sdp_path = os.path.join(self._tmp.name, "stream.sdp")
        self.fps = fps or 30.0
        self.bitrate = int(bitrate) if bitrate else None
        self.writer: FFmpegWriter | None = None
        self.size: tuple[int, int] | None = None
        self.frames = 0

    def write(self, frame: PoseFrame | None, capture: Capture) -> None:
        image = capture.image
        if self.writer is None:
            self.size = even_size(self.codec, (image.shape[1], image.shape[0]))
            args = encoder_args(self.codec, self.bitrate, self.fps)
            if self.codec in ("h264",):
                args += ["-tune", "zerolatency"]
            self.writer = FFmpegWriter(self.uri, self.size, self.fps,
                                       args + ["-f", "rtp", "-pkt_size", "1200", "-sdp_file", self.sdp_path,
                                               self.uri])
            log.info("%s: streaming %s; receivers need the SDP in %s", self.uri, self.codec, self.sdp_path)
        self.writer.write(_fit(image, self.size))
        self.frames += 1

    def close(self) -> None:
        writer, self.writer = self.writer, None
        try:
            if writer is not None:
                writer.close()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None


def open_output(uri: str | None, fps: float = 30.0, codec: str | None = None, multi_frame: bool = False,
                bitrate: int | None = None, **options) -> Sink:
    """Open an output URI (see the module doc).  A path ending in ``/`` or an existing
    directory is a directory; a video extension is a video file; anything else an
    image path or ``%i`` pattern.  Several frames into one plain image path
    overwrite it, as in jetson-inference; no URI: a ``NullSink``.  ``options`` go to the sink class
    (``backend=`` for video files; ``title=`` for the browser view; ``topic=``, ``namespace=``,
    ``overlay=``, ``detections=`` for recordings)."""
    if not uri:
        return NullSink()
    if is_bag_output(uri):
        return BagSink(uri, **options)
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme == "rtp":
        return RtpSink(uri, fps, codec, bitrate)
    if scheme in ("http", "https"):
        return HttpSink(uri, **options)
    if scheme in ("display", "rtsp", "rtmp", "webrtc"):
        raise InputError(f"{uri}: '{scheme}://' output is not supported by this build "
                         f"(use http://@:PORT/ for a browser view, rtp://HOST:PORT, or a file)")
    if scheme and scheme != "file":
        raise InputError(f"{uri}: unknown output protocol '{scheme}://'")
    path = uri[len("file://"):] if scheme == "file" else uri
    ext = Path(path).suffix.lower()
    if path.endswith(("/", os.sep)) or os.path.isdir(path) or (not ext and multi_frame):
        return ImageSink(path, directory=True)
    if ext in VIDEO_EXTS:
        return VideoFileSink(path, fps, codec, bitrate, **options)
    if ext not in IMAGE_EXTS:
        raise InputError(f"{uri}: unsupported output type '{ext or '(none)'}' "
                         f"(image, %i pattern, directory/, video file, rtp://HOST:PORT or http://@:PORT/)")
    return ImageSink(path)
