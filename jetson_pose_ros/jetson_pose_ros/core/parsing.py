"""Parsers of user values that are more than a number: each returns the typed value or raises a
one-line ``PoseNetError``.  The options table (``options.py``) names one per option that needs it;
the CLI, the node, ``launch`` arguments and the library all parse through these, once."""
from __future__ import annotations

import math
import re
from typing import Any, Sequence

from .errors import PoseNetError

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")

MIN_SCALE, MAX_SCALE = 0.25, 4.0          # test-time augmentation input scales

OVERLAY_FLAGS = ("box", "links", "keypoints", "ids", "gestures")
_OVERLAY_ALIASES = {"boxes": "box", "link": "links", "keypoint": "keypoints", "id": "ids", "track_ids": "ids",
                    "gesture": "gestures", "default": "links,keypoints"}


def parse_bool(value: Any, name: str) -> bool:
    """``True``/``1``/``"yes"``/``"on"`` ... -> bool; anything else is an error."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    elif isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    raise PoseNetError(f"option {name} must be true or false, got {value!r}")


def parse_size(value: Any, name: str = "input_size") -> tuple[int, int] | None:
    """``"432x368"`` / ``(432, 368)`` -> (width, height), each 16..8192; ``""`` -> None."""
    if value in ("", None):
        return None
    try:
        w, h = (value.lower().split("x") if isinstance(value, str) else value)
        w, h = int(w), int(h)
    except (TypeError, ValueError, AttributeError):
        raise PoseNetError(f"option {name} must be WIDTHxHEIGHT, got {value!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise PoseNetError(f"option {name} must be between 16x16 and 8192x8192, got {w}x{h}")
    return w, h


def parse_scales(value: Any, name: str = "scales") -> tuple[float, ...]:
    """``"0.5,1,1.5"``, a number or a sequence -> sorted unique scales in [0.25, 4]."""
    if value is None or value == "":
        return (1.0,)
    items = value.replace(" ", "").split(",") if isinstance(value, str) else \
        [value] if isinstance(value, (int, float)) else list(value)
    try:
        scales = sorted({float(v) for v in items if v != ""})
    except (TypeError, ValueError):
        raise PoseNetError(f"{name}: expected numbers such as 0.5,1.0,1.5, got {value!r}") from None
    if not scales or any(not math.isfinite(s) or not MIN_SCALE <= s <= MAX_SCALE for s in scales):
        raise PoseNetError(f"{name}: each scale must be in [{MIN_SCALE}, {MAX_SCALE}], got {value!r}")
    return tuple(scales)


def parse_flags(flags: str | Sequence[str] | None, name: str = "overlay") -> frozenset[str]:
    """``"links,keypoints"`` / ``"box|links"`` / ``"none"`` -> set of overlay flags (case-insensitive)."""
    if flags is None:
        return frozenset()
    text = flags if isinstance(flags, str) else ",".join(flags)
    out: set[str] = set()
    for tok in filter(None, (t.strip().lower() for t in re.split(r"[,|]", text))):
        tok = _OVERLAY_ALIASES.get(tok, tok)
        if tok == "none":
            continue
        for t in tok.split(","):
            if t not in OVERLAY_FLAGS:
                raise PoseNetError(f"invalid {name} flag '{t}' (valid: {', '.join(OVERLAY_FLAGS)}, none)")
            out.add(t)
    return frozenset(out)
