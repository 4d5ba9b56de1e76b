"""Live sources: V4L2 cameras and network streams (RTSP, RTP, HTTP ...).

They decode with OpenCV (V4L2 backend for cameras, its bundled FFmpeg for
streams) in a background thread that keeps only the newest few frames, so a slow
consumer gets recent frames instead of an ever-growing delay.  Opening and reading
are bounded by ``timeout`` seconds: an unreachable or silent stream is an
``InputError`` (or an error frame once frames have been received), never a hang.
"""
from __future__ import annotations

import os
import re
import stat
import tempfile
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit

import cv2

from ..core.capture import Capture
from ..core.errors import InputError
from .ffmpeg import CODECS, RTP_PAYLOAD, codec_names
from .sources import Source

_ENV = "OPENCV_FFMPEG_CAPTURE_OPTIONS"
_env_lock = threading.Lock()


def redact(uri: str) -> str:
    """``rtsp://user:secret@host`` -> ``rtsp://user:***@host`` for messages."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", uri)


@contextmanager
def ffmpeg_capture_options(options: dict[str, str]):
    """OpenCV reads FFmpeg demuxer options from an environment variable when a
    capture opens; set it for this open only."""
    with _env_lock:
        old = os.environ.get(_ENV)
        os.environ[_ENV] = "|".join(f"{k};{v}" for k, v in options.items())
        try:
            yield
        finally:
            if old is None:
                os.environ.pop(_ENV, None)
            else:
                os.environ[_ENV] = old


class CaptureSource(Source):
    """A ``cv2.VideoCapture`` read by a background thread (base of the live sources)."""

    live = True
    end_on_timeout = False       # True where a silent stream is the normal end (RTP has no end message)

    def __init__(self, uri: str, *, timeout: float = 10.0, queue_size: int = 8, **options):
        super().__init__(uri, 0, **options)
        if timeout <= 0:
            raise InputError(f"timeout must be > 0 seconds, got {timeout}")
        self.timeout = float(timeout)
        self.name = redact(uri)
        self._queue: deque = deque(maxlen=max(1, queue_size))
        self._cond = threading.Condition()
        self._end: str | None = None          # set by the reader: "" normal end, else an error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cap = self._open()
        self.fps = float(self.cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if self.fps > 1000:            # RTP clock rate reported as a frame rate
            self.fps = 0.0
        self.width = int(self.cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        self.height = int(self.cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        if self.width <= 0 or self.height <= 0:
            self.cap.release()
            raise InputError(f"{self.name}: no video received within {self.timeout:g} s "
                             f"(nothing sent to this address, or wrong codec)")

    def _open(self) -> cv2.VideoCapture:
        raise NotImplementedError

    def _ffmpeg_params(self) -> list[int]:
        ms = int(self.timeout * 1000)
        # one decoding thread: FFmpeg's frame threads each hold a frame back (latency)
        return [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms, cv2.CAP_PROP_N_THREADS, 1]

    def _read_loop(self) -> None:
        n, t0 = 0, None
        end = ""
        try:
            while not self._stop.is_set():
                started = time.monotonic()
                ok, img = self.cap.read()
                now = time.monotonic()
                if not ok or img is None:
                    if n == 0:
                        end = f"{self.name}: no frame received within {self.timeout:g} s"
                    elif now - started >= 0.9 * self.timeout and not self.end_on_timeout:
                        end = f"{self.name}: stream lost (no frame for {self.timeout:g} s after {n} frame(s))"
                    break
                t0 = now if t0 is None else t0
                with self._cond:
                    if len(self._queue) == self._queue.maxlen:
                        self.dropped += 1
                    self._queue.append((img, now - t0))
                    self._cond.notify()
                n += 1
        except Exception as exc:  # noqa: BLE001 - reported as the stream's end
            end = f"{self.name}: {exc}"
        finally:
            self.cap.release()            # the reader owns the VideoCapture once started
            with self._cond:
                self._end = end
                self._cond.notify()

    def _captures(self) -> Iterator[Capture]:
        if self._thread is None:
            self._thread = threading.Thread(target=self._read_loop, name=f"capture {self.name}", daemon=True)
            self._thread.start()
        n = 0
        while True:
            with self._cond:
                # a watchdog on top of the backend's own read timeout (which OpenCV may retry)
                if not self._cond.wait_for(lambda: self._queue or self._end is not None, self.timeout + 0.5):
                    if n == 0 or not self.end_on_timeout:
                        yield Capture(None, 0, self.name, error=f"{self.name}: no frame for {self.timeout:g} s "
                                                              f"after {n} frame(s)")
                    return
                item = self._queue.popleft() if self._queue else None
                end = self._end
            if item is not None:
                n += 1
                yield Capture(item[0], 0, self.name, item[1])
                continue
            if end:
                yield Capture(None, 0, self.name, error=end)
            return

    def close(self) -> None:
        """Stop reading.  A reader blocked in the backend finishes on its own (within its
        timeout) and releases the VideoCapture; close() does not wait for it that long."""
        self._stop.set()
        if self._thread is None:
            if self.cap is not None:
                self.cap.release()
        else:
            self._thread.join(timeout=1.0)


class V4L2Source(CaptureSource):
    """A V4L2 camera: ``/dev/video0`` or ``v4l2:///dev/video0``.  ``codec`` picks the
    camera's pixel format (mjpeg, yuyv, h264 ...); width/height/rate are requested
    from the driver (frames are still resized to the requested size if it differs)."""

    FOURCC = {"mjpeg": "MJPG", "mjpg": "MJPG", "yuyv": "YUYV", "yuy2": "YUYV", "h264": "H264",
              "uyvy": "UYVY", "nv12": "NV12", "rgb": "RGB3", "bgr": "BGR3", "grey": "GREY"}

    def __init__(self, uri: str, codec: str | None = None, **options):
        self.device = uri[len("v4l2://"):] if uri.lower().startswith("v4l2://") else uri
        self.codec = codec
        super().__init__(uri, **options)

    def _open(self) -> cv2.VideoCapture:
        dev = self.device
        if not os.path.exists(dev):
            raise InputError(f"{dev}: no such V4L2 device (is the camera connected? see 'ls /dev/video*')")
        if not stat.S_ISCHR(os.stat(dev).st_mode):
            raise InputError(f"{dev}: not a device file (expected a V4L2 camera such as /dev/video0)")
        if not os.access(dev, os.R_OK | os.W_OK):
            raise InputError(f"{dev}: permission denied (add the user to the 'video' group)")
        cap = cv2.VideoCapture(dev, cv2.CAP_V4L2)
        if not cap.isOpened():
            cap.release()
            raise InputError(f"{dev}: cannot open as a V4L2 capture device (busy, or not a camera)")
        if self.codec:
            fourcc = self.FOURCC.get(self.codec.lower(), self.codec.upper()[:4])
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*fourcc.ljust(4)))
        if self.req_width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.req_width)
        if self.req_height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.req_height)
        if self.rate:
            cap.set(cv2.CAP_PROP_FPS, self.rate)
        return cap


class NetworkSource(CaptureSource):
    """An FFmpeg network input: ``rtsp://user:pass@host:port/path`` (over TCP),
    ``http(s)://``, ``rtmp://``, ``udp://``, ``srt://``."""

    def _open(self) -> cv2.VideoCapture:
        scheme = self.uri.split("://", 1)[0].lower()
        opts = {"rtsp_transport": "tcp"} if scheme.startswith("rtsp") else {}
        with ffmpeg_capture_options(opts):
            cap = cv2.VideoCapture(self.uri, cv2.CAP_FFMPEG, self._ffmpeg_params())
        if not cap.isOpened():
            cap.release()
            raise InputError(f"{self.name}: cannot open stream (host unreachable, connection refused, "
                             f"wrong path or credentials; timeout {self.timeout:g} s)")
        return cap


class RtpSource(CaptureSource):
    """An RTP receiver, ``rtp://@:PORT`` (any interface) or ``rtp://GROUP:PORT``
    (multicast).  RTP carries no stream description, so ``codec`` (default h264)
    says what the sender encodes; an SDP file is written for FFmpeg.
    The stream ends when no packet arrived for ``timeout`` seconds."""

    end_on_timeout = True

    def __init__(self, uri: str, codec: str | None = None, **options):
        self.codec = (codec or "h264").lower()
        if self.codec not in CODECS:
            raise InputError(f"{uri}: unknown RTP codec '{codec}' (valid: {codec_names()})")
        parts = urlsplit(uri.replace("@:", ":", 1) if "@:" in uri else uri)
        try:
            port = parts.port
        except ValueError:
            port = None
        if not port:
            raise InputError(f"{uri}: RTP input needs a port, e.g. rtp://@:5000")
        self.port = port
        self.host = parts.hostname or "0.0.0.0"
        self._tmp = tempfile.TemporaryDirectory(prefix="jpr-rtp-")
        self.sdp_path = os.path.join(self._tmp.name, "stream.sdp")
        with open(self.sdp_path, "w") as f:
            f.write(self.sdp())
        try:
            super().__init__(uri, **options)
        except BaseException:
            self._tmp.cleanup()
            raise

    def sdp(self) -> str:
        name = CODECS[self.codec][1]
        pt = RTP_PAYLOAD.get(name, 96)
        return ("v=0\no=- 0 0 IN IP4 127.0.0.1\ns=jetson_pose_ros\n"
                f"c=IN IP4 {self.host}\nt=0 0\nm=video {self.port} RTP/AVP {pt}\n"
                f"a=rtpmap:{pt} {name}/90000\n")

    def _open(self) -> cv2.VideoCapture:
        # FFmpeg probes 5 s of stream by default; 1 s holds a keyframe from any sane sender
        opts = {"protocol_whitelist": "file,udp,rtp", "buffer_size": "4194304", "analyzeduration": "1000000"}
        with ffmpeg_capture_options(opts):
            cap = cv2.VideoCapture(self.sdp_path, cv2.CAP_FFMPEG, self._ffmpeg_params())
        if not cap.isOpened():
            cap.release()
            raise InputError(f"{self.name}: cannot receive RTP on port {self.port} "
                             f"(port in use, or no {self.codec} stream within {self.timeout:g} s)")
        return cap

    def close(self) -> None:
        super().close()
        self._tmp.cleanup()
