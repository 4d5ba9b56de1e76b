"""Per-frame result sinks, flushed as they go so nothing is lost on Ctrl-C:
JSON lines (one object per frame) and CSV (one row per keypoint)."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Sequence

from .pose import ObjectPose


def frame_record(source: str, index: int, poses: Sequence[ObjectPose], width: int, height: int,
                 network: str, timestamp: float | None = None) -> dict:
    rec = {"source": source, "frame": index, "width": width, "height": height, "network": network,
           "poses": [p.to_dict() for p in poses]}
    if timestamp is not None:
        rec["timestamp"] = round(timestamp, 6)
    return rec


class JsonLinesSink:
    """Writes one JSON object per frame and flushes it, so nothing is lost on Ctrl-C."""

    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "w", encoding="utf-8")

    def write(self, record: dict) -> None:
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


CSV_COLUMNS = ("frame", "timestamp", "pose_id", "keypoint_id", "name", "x", "y", "score")


class CsvSink:
    """One CSV row per keypoint: frame, timestamp, pose id, keypoint id, name, x, y, score.
    The pose id is the track ID when tracking is on.  Flushed after every frame."""

    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.file = open(path, "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(CSV_COLUMNS)
        self.file.flush()

    def write(self, record: dict) -> None:
        """Write a ``frame_record`` dict (same input as ``JsonLinesSink.write``)."""
        ts = record.get("timestamp")
        self.writer.writerows((record["frame"], "" if ts is None else f"{ts:.6f}", p["id"], k["id"], k["name"],
                               f"{k['x']:.2f}", f"{k['y']:.2f}", f"{k['score']:.4f}")
                              for p in record["poses"] for k in p["keypoints"])
        self.file.flush()

    def close(self) -> None:
        self.file.close()
