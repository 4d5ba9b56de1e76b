"""Per-frame result sinks (context managers), flushed as they go so nothing is lost on
Ctrl-C: JSON lines (one object per frame) and CSV (one row per keypoint).  Both read a
``PoseFrame`` through the serialisers in ``serialize.py``."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from ..core.errors import PoseNetError
from ..core.pose import PoseFrame
from .serialize import CSV_COLUMNS, CSV_XYZ_COLUMNS, GESTURE_COLUMNS, frame_csv_rows, frame_to_dict


class _FileSink:
    newline: str | None = None

    def __init__(self, path: str | Path):
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, "w", encoding="utf-8", newline=self.newline)
        except OSError as exc:
            raise PoseNetError(f"cannot write {path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class JsonLinesSink(_FileSink):
    """One JSON object per frame (``serialize.frame_to_dict``)."""

    def write(self, frame: PoseFrame, source: str | None = None, index: int | None = None,
              timestamp: float | None = None) -> None:
        self.file.write(json.dumps(frame_to_dict(frame, source, index, timestamp)) + "\n")
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

    def write(self, frame: PoseFrame, source: str | None = None, index: int | None = None,
              timestamp: float | None = None) -> None:
        self.writer.writerows(frame_csv_rows(frame, index or 0, timestamp, xyz=self.xyz, gestures=self.gestures))
        self.file.flush()
