"""``Capture``: one input image and where it came from, as a source yields it (``io.open_source``)
and as the sinks read it (``pipeline.sinks.Sink.write``).  Library callers of ``Pipeline(image, ...)``
may leave ``index``, ``source`` and ``timestamp`` None (the JSON line then has no such key).

A capture is the *input*; the poses found in it are a ``PoseFrame`` (``core.pose``), the result.  In
code, ``frame`` names a ``PoseFrame`` and ``capture`` a ``Capture``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Capture:
    image: np.ndarray | None        # BGR uint8; None when it could not be read (``error`` says why)
    index: int | None               # 0, 1, 2 ... in the order the source yields (None: not numbered)
    source: str | None              # the file, device or stream (recordings: ``path:topic``); None: unnamed
    timestamp: float | None = 0.0   # seconds from the start of the source (recordings: the message stamp)
    error: str | None = None
    stamp_ns: int | None = None     # recordings: the image header's stamp (ns); its frame_id
    frame_id: str = ""
    log_time_ns: int | None = None  # recordings: when the message was recorded (ns)
    depth_frame_id: str = ""        # people in 3D: the optical frame of the depth image paired with it

    @property
    def stamp(self) -> int:
        """The header stamp in ns (recordings), else ``timestamp`` in ns."""
        return self.stamp_ns if self.stamp_ns is not None else int(round((self.timestamp or 0.0) * 1e9))

    @property
    def log_time(self) -> int:
        """When to record results of this capture (ns): the input's recording time, else ``stamp``."""
        return self.log_time_ns if self.log_time_ns is not None else self.stamp
