"""Per-frame result sinks: JSON lines (one object per frame), flushed as they go."""
from __future__ import annotations

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
