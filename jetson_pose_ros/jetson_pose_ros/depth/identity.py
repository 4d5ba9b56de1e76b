"""String IDs of tracked people: ``b<track_id>`` (REP-155 wants IDs that start with a letter; the
HRI outputs use the same IDs), and their TF frame ``body_<id>``."""
from __future__ import annotations

NO_TRACK = -1


def person_id(track_id: int) -> str:
    """``"b12"`` for track 12; ``""`` for an untracked pose (track_id < 0)."""
    track_id = int(track_id)
    return f"b{track_id}" if track_id >= 0 else ""


def body_frame(track_id: int) -> str:
    """TF frame of a tracked person, ``"body_b12"``; ``""`` for an untracked pose."""
    pid = person_id(track_id)
    return f"body_{pid}" if pid else ""
