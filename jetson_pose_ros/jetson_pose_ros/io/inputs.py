"""``open_source(uri)``: the input named by a URI, as jetson-inference's videoSource takes it: image
files, folders and globs, video files, V4L2 cameras, RTSP/RTP/HTTP streams and rosbag2/MCAP
recordings (see ``sources.py``, ``streams.py``, ``bag_source.py``)."""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..core.errors import InputError
from . import rosbag, streams
from .bag_source import BagSource
from .sources import IMAGE_EXTS, NETWORK_SCHEMES, VIDEO_EXTS, ImageListSource, Source, VideoFileSource, expand_images


def open_source(uri: str, loop: int = 0, *, width: int | None = None, height: int | None = None,
                rate: float | None = None, codec: str | None = None, flip: str | None = None,
                timeout: float = 10.0, max_pixels: int | None = None, topic: str | None = None) -> Source:
    """Open an input URI (see the module doc).  ``width``/``height``: frame size
    (requested from a camera, resized otherwise); ``rate``: frames per second at most
    (camera rate, frames dropped otherwise); ``codec``: RTP payload / camera format;
    ``flip``: one of ``FLIP_METHODS``; ``loop``: repeat a file/image input N more times
    (-1 forever); ``timeout``: seconds before a camera/stream that sends nothing is an error;
    ``max_pixels``: largest image/video frame (width x height) decoded (None: the default);
    ``topic``: the image topic of a recording (may be omitted when it has one image topic)."""
    if not uri:
        raise InputError("no input given")
    options = dict(width=width, height=height, rate=rate, flip=flip, max_pixels=max_pixels)
    if rosbag.is_bag(uri):
        return BagSource(rosbag.strip_scheme(uri), topic, loop, **options)
    if topic:
        raise InputError(f"{uri}: --topic applies to rosbag2/MCAP recordings only")
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme == "v4l2" or re.fullmatch(r"/dev/video\d+", uri):
        return streams.V4L2Source(uri, codec=codec, timeout=timeout, **options)
    if scheme == "rtp":
        return streams.RtpSource(uri, codec=codec, timeout=timeout, **options)
    if scheme in NETWORK_SCHEMES:
        return streams.NetworkSource(uri, timeout=timeout, **options)
    if scheme in ("csi", "display", "webrtc"):
        raise InputError(f"{uri}: '{scheme}://' inputs are not supported by this build "
                         f"(use a V4L2 camera, RTSP/RTP stream, video or images)")
    if scheme and scheme != "file":
        raise InputError(f"{uri}: unknown input protocol '{scheme}://'")
    path = uri[len("file://"):] if scheme == "file" else uri
    ext = Path(path).suffix.lower()
    if ext in VIDEO_EXTS and os.path.isfile(path):
        return VideoFileSource(path, loop, **options)
    paths = expand_images(path)
    if len(paths) == 1 and Path(paths[0]).suffix.lower() not in IMAGE_EXTS | VIDEO_EXTS:
        raise InputError(f"{paths[0]}: unsupported file type '{Path(paths[0]).suffix}' "
                         f"(images: {', '.join(sorted(IMAGE_EXTS))}; videos: {', '.join(sorted(VIDEO_EXTS))})")
    return ImageListSource(paths, loop, **options)
