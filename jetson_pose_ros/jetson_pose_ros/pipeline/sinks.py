"""The one protocol of every output, and the two file sinks that need nothing but the package.

A **sink** takes each processed frame: ``write(frame, capture)`` with the ``PoseFrame`` found and the
``Capture`` it was found in (``capture.image``: the input image, with the overlay drawn when the
overlay is on; ``capture.source`` / ``index`` / ``timestamp``, and for recordings the header's stamp
and frame_id), then ``close()`` once at the end; every sink is a context manager.  ``Pipeline(sinks=[...])``
writes every frame to each of them.

Here: JSON lines (one object per frame) and CSV (one row per keypoint), both read the frame through
the serialisers in ``serialize.py`` and are flushed as they go, so nothing is lost on Ctrl-C.  The
sinks of images, video files, RTP, the browser view and recordings are in ``io/`` (``io.open_output``
opens the one a URI names).
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from ..core.capture import Capture
from ..core.errors import PoseNetError
from ..core.pose import PoseFrame
from .serialize import CSV_COLUMNS, CSV_XYZ_COLUMNS, GESTURE_COLUMNS, frame_csv_rows, frame_to_dict


class Sink:
    """Base of every sink: ``write(frame, capture)`` per frame, ``close()`` once (default: nothing to
    finish); ``with sink: ...`` closes it."""

    def write(self, frame: PoseFrame, capture: Capture) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class NullSink(Sink):
    """Writes nothing (no OUTPUT given)."""

    def write(self, frame: PoseFrame, capture: Capture) -> None:
        pass


class _FileSink(Sink):
    newline: str | None = None

    def __init__(self, path: str | Path):
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, "w", encoding="utf-8", newline=self.newline)
        except OSError as exc:
            raise PoseNetError(f"cannot write {path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        self.file.close()


class JsonLinesSink(_FileSink):
    """One JSON object per frame (``serialize.frame_to_dict``)."""

    def write(self, frame: PoseFrame, capture: Capture) -> None:
        self.file.write(json.dumps(frame_to_dict(frame, capture.source, capture.index, capture.timestamp)) + "\n")
        self.file.flush()


class CsvSink(_FileSink):
    """One CSV row per keypoint: frame, timestamp, pose id (index in the frame), track id (-1:
    untracked), keypoint id, name, x, y, score; with ``xyz`` (people in 3D) also x_m, y_m, z_m
    (metres in the depth optical frame, empty where no valid depth); with ``gestures`` then the pose's
    gesture columns (``serialize.GESTURE_COLUMNS``)."""

    newline = ""

    def __init__(self, path: str | Path, xyz: bool = False, gestures: bool = False):
        super().__init__(path)
        self.xyz = bool(xyz)
        self.gestures = bool(gestures)
        self.writer = csv.writer(self.file)
        self.writer.writerow(CSV_COLUMNS + (CSV_XYZ_COLUMNS if self.xyz else ()) +
                             (GESTURE_COLUMNS if self.gestures else ()))
        self.file.flush()

    def write(self, frame: PoseFrame, capture: Capture) -> None:
        self.writer.writerows(frame_csv_rows(frame, capture.index or 0, capture.timestamp, xyz=self.xyz,
                                             gestures=self.gestures))
        self.file.flush()
