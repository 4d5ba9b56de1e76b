"""The ``ffmpeg`` command-line tool as an encoder: raw BGR frames on stdin, any
codec/bitrate/container (or an RTP stream) out.

The binary comes from the system (Debian: ``apt-get install ffmpeg``; see
``scripts/install_system_deps.sh``).  Decoding does not need it: inputs go
through OpenCV's own FFmpeg build.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections import deque
from threading import Thread

import numpy as np

from ..core.errors import InputError

# codec name (as in jetson-utils' --output-codec / --input-codec) -> ffmpeg encoder, RTP encoding name
CODECS = {
    "h264": ("libx264", "H264"),
    "h265": ("libx265", "H265"),
    "hevc": ("libx265", "H265"),
    "vp8": ("libvpx", "VP8"),
    "vp9": ("libvpx-vp9", "VP9"),
    "mpeg4": ("mpeg4", "MP4V-ES"),
    "mjpeg": ("mjpeg", "JPEG"),
    "mpeg2": ("mpeg2video", "MPV"),
}
# encoders that need width and height even
_EVEN_SIZE = {"libx264", "libx265", "libvpx", "libvpx-vp9", "mpeg4", "mpeg2video"}
# ffmpeg's RTP payload types: static ones for JPEG (26) and MPEG video (32), dynamic (96) otherwise
RTP_PAYLOAD = {"JPEG": 26, "MPV": 32}


def ffmpeg_binary(name: str = "ffmpeg") -> str | None:
    """Path of ``ffmpeg``/``ffprobe`` (``$FFMPEG`` / ``$FFPROBE`` override), or None."""
    env = os.environ.get(name.upper())
    if env:
        return env if os.path.isfile(env) else None
    return shutil.which(name)


def codec_names() -> str:
    return ", ".join(sorted(CODECS))


def encoder_for(codec: str) -> str:
    try:
        return CODECS[codec.lower()][0]
    except KeyError:
        raise InputError(f"unknown codec '{codec}' (valid: {codec_names()})") from None


def encoder_args(codec: str, bitrate: int | None, fps: float) -> list[str]:
    """ffmpeg output options for ``codec`` at ``bitrate`` bits/s (None: the encoder's quality default)."""
    enc = encoder_for(codec)
    args = ["-c:v", enc]
    if enc in ("libx264", "libx265"):
        args += ["-preset", "veryfast", "-pix_fmt", "yuv420p"]
        if enc == "libx265":
            args += ["-x265-params", "log-level=error"]
    elif enc in ("libvpx", "libvpx-vp9"):
        args += ["-deadline", "realtime", "-cpu-used", "8", "-pix_fmt", "yuv420p"]
        if bitrate is None:        # libvpx's default is a low fixed bitrate: use constant quality
            args += ["-crf", "32", "-b:v", "0"] if enc == "libvpx-vp9" else ["-crf", "20", "-b:v", "4M"]
    elif enc == "mjpeg":
        args += ["-pix_fmt", "yuvj420p"]
        if bitrate is None:
            args += ["-q:v", "3"]
    elif enc in ("mpeg4", "mpeg2video"):
        args += ["-pix_fmt", "yuv420p"]
        if bitrate is None:
            args += ["-q:v", "4"]
    if bitrate:
        args += ["-b:v", str(int(bitrate))]
    # a keyframe every second, so a receiver joining late (RTP) starts within a second
    args += ["-g", str(max(1, int(round(fps or 30))))]
    return args


class FFmpegWriter:
    """Pipes BGR frames into an ``ffmpeg`` process.

    ``output_args`` is everything after the input (encoder options, format, target).
    The process runs in its own session so that Ctrl-C in a terminal reaches only
    the Python process, which then closes the pipe and lets ffmpeg finish the file.
    """

    def __init__(self, target: str, size: tuple[int, int], fps: float, output_args: list[str]):
        exe = ffmpeg_binary()
        if exe is None:
            raise InputError(f"{target}: ffmpeg not found (install it: apt-get install ffmpeg)")
        self.target = target
        self.size = size
        cmd = [exe, "-hide_banner", "-loglevel", "error", "-nostats", "-y",
               "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{size[0]}x{size[1]}",
               "-r", f"{fps or 30:g}", "-i", "pipe:0", "-an", *output_args]
        self.command = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self._stderr: deque[str] = deque(maxlen=20)
        self._reader = Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        for line in iter(self.proc.stderr.readline, b""):
            self._stderr.append(line.decode("utf-8", "replace").rstrip())

    def error_text(self) -> str:
        return " | ".join(self._stderr) or f"ffmpeg exited with code {self.proc.poll()}"

    def write(self, image: np.ndarray) -> None:
        try:
            self.proc.stdin.write(np.ascontiguousarray(image).tobytes())
        except (BrokenPipeError, ValueError, OSError):
            self.proc.wait(timeout=5)
            self._reader.join(timeout=1)
            raise InputError(f"{self.target}: ffmpeg encoder stopped: {self.error_text()}") from None

    def close(self, timeout: float = 30.0) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=1)
        if self.proc.returncode not in (0, None):
            raise InputError(f"{self.target}: ffmpeg failed: {self.error_text()}")


def even_size(codec: str, size: tuple[int, int]) -> tuple[int, int]:
    """Frame size the encoder accepts (yuv420p encoders need even sides)."""
    if encoder_for(codec) in _EVEN_SIZE:
        return size[0] - size[0] % 2, size[1] - size[1] % 2
    return size
