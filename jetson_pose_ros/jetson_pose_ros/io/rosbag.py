"""rosbag2 / MCAP recordings without a ROS installation, with the pure-Python ``rosbags`` library.

* ``is_bag(uri)``: a rosbag2 directory (has ``metadata.yaml``), an ``.mcap`` / ``.db3`` file, or
  ``rosbag2://PATH``;
* ``typestore(packages)``: the ROS 2 message types rosbags knows (std_msgs, sensor_msgs ...) plus
  the given packages' types, registered from their ``.msg`` files *at run time* (so a change of
  ``jetson_pose_msgs``' definitions needs no code change here).  ``.msg`` files are looked up in
  ``$JETSON_POSE_MSG_PATH``, every ``$AMENT_PREFIX_PATH`` prefix and this Python's prefix
  (``share/PKG/msg``), then, for ``jetson_pose_msgs``, in the source tree next to this package;
* ``build(ts, typename, values)``: a message from nested dicts (missing fields get their defaults,
  so a message gaining fields needs no change of the code that fills it); ``message_classes`` wraps
  it as rclpy-like constructors, so ``ros/messages.py`` builds the recorded messages too.
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from ..core.errors import InputError

IMAGE_TYPES = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage")
BAG_EXTS = (".mcap", ".db3")
SCHEME = "rosbag2://"


def _rosbags():
    try:
        import rosbags.rosbag2  # noqa: F401
        import rosbags.typesys  # noqa: F401
    except ImportError:
        raise InputError("rosbag2/MCAP recordings need the rosbags package (pip install rosbags)") from None
    return rosbags


def strip_scheme(uri: str) -> str:
    return uri[len(SCHEME):] if uri.startswith(SCHEME) else uri


def is_bag(uri: str) -> bool:
    """A recording to read: ``rosbag2://``, an .mcap/.db3 file or a directory with metadata.yaml."""
    if uri.startswith(SCHEME):
        return True
    path = Path(uri)
    return (path.suffix.lower() in BAG_EXTS and path.is_file()) or (path.is_dir() and (path / "metadata.yaml").is_file())


def topic_namespace(topic: str | None) -> str:
    """``/camera/image_raw`` and ``/camera/image_raw/compressed`` -> ``/camera``; ``/image`` -> ``""``."""
    parts = [p for p in (topic or "").split("/") if p]
    if parts and parts[-1] == "compressed":
        parts.pop()
    return "/" + "/".join(parts[:-1]) if len(parts) > 1 else ""


def msg_dir(package: str) -> Path | None:
    """``share/PACKAGE/msg`` of the first prefix that has it (see the module doc), or None."""
    roots = [p for p in os.environ.get("JETSON_POSE_MSG_PATH", "").split(os.pathsep) if p]
    candidates = [Path(r) / package / "msg" for r in roots] + [Path(r) / package for r in roots]
    prefixes = [p for p in os.environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep) if p] + [sys.prefix]
    candidates += [Path(p) / "share" / package / "msg" for p in prefixes]
    if package == "jetson_pose_msgs":          # source checkout: <repo>/jetson_pose_msgs/msg
        candidates.append(Path(__file__).resolve().parents[3] / package / "msg")
    for c in candidates:
        if c.is_dir() and any(c.glob("*.msg")):
            return c
    return None


@lru_cache(maxsize=None)
def typestore(packages: tuple[str, ...] = ("jetson_pose_msgs",)):
    """A rosbags typestore (ROS 2 Kilted types) with ``packages``' .msg types registered."""
    _rosbags()
    from rosbags.typesys import Stores, get_types_from_msg, get_typestore

    ts = get_typestore(Stores.ROS2_KILTED)
    for package in packages:
        folder = msg_dir(package)
        if folder is None:
            raise InputError(f"message definitions of {package} not found (share/{package}/msg in "
                             "AMENT_PREFIX_PATH or JETSON_POSE_MSG_PATH)")
        types: dict = {}
        for path in sorted(folder.glob("*.msg")):
            types.update(get_types_from_msg(path.read_text(encoding="utf-8"), f"{package}/msg/{path.stem}"))
        ts.register(types)
    return ts


# ------------------------------------------------------------------ building messages
_NUMPY = {"bool": np.bool_, "byte": np.uint8, "char": np.uint8, "int8": np.int8, "uint8": np.uint8,
          "int16": np.int16, "uint16": np.uint16, "int32": np.int32, "uint32": np.uint32, "int64": np.int64,
          "uint64": np.uint64, "float32": np.float32, "float64": np.float64}


def _base(typ: str, value: Any):
    if typ in ("string", "wstring"):
        return "" if value is None else str(value)
    if typ == "bool":
        return bool(value) if value is not None else False
    if typ in ("float32", "float64"):
        return float(value) if value is not None else 0.0
    return int(value) if value is not None else 0


def _field(ts, node, value: Any):
    from rosbags.interfaces import Nodetype

    kind, detail = node
    if kind == Nodetype.BASE:
        return _base(detail[0], value)
    if kind == Nodetype.NAME:
        return value if value is not None and not isinstance(value, dict) else build(ts, detail, value)
    (sub_kind, sub_detail), length = detail
    items = [] if value is None else value
    if sub_kind == Nodetype.BASE and sub_detail[0] in _NUMPY:
        arr = np.asarray(items, dtype=_NUMPY[sub_detail[0]]).reshape(-1)
        if kind == Nodetype.ARRAY and arr.size != length:
            arr = np.resize(arr, length) if arr.size else np.zeros(length, _NUMPY[sub_detail[0]])
        return arr
    out = [_field(ts, (sub_kind, sub_detail), v) for v in items]
    if kind == Nodetype.ARRAY:
        out += [_field(ts, (sub_kind, sub_detail), None) for _ in range(length - len(out))]
    return out


def build(ts, typename: str, values: dict | None = None):
    """A ``typename`` message of ``ts`` from nested dicts; unknown keys are an error (a typo
    would silently drop data), missing fields get zeros / empty values."""
    values = values or {}
    fields = ts.fielddefs[typename][1]
    unknown = set(values) - {name for name, _ in fields}
    if unknown:
        raise KeyError(f"{typename} has no field(s) {', '.join(sorted(unknown))}")
    return ts.types[typename](**{name: _field(ts, node, values.get(name)) for name, node in fields})


def stamp_fields(stamp_ns: int) -> dict:
    return {"sec": int(stamp_ns) // 1_000_000_000, "nanosec": int(stamp_ns) % 1_000_000_000}


def message_classes(ts, package: str) -> SimpleNamespace:
    """``package``'s message types as constructors taking any subset of the fields (the rest get
    defaults), as rclpy's generated classes do: code written for those (``ros.messages.frame_to_msg``,
    ``ros.detections.to_detections``, given ``msgs=``) builds rosbags messages without rclpy."""
    prefix = f"{package}/msg/"
    return SimpleNamespace(**{name[len(prefix):]: (lambda name: lambda **kw: build(ts, name, kw))(name)
                              for name in ts.fielddefs if name.startswith(prefix)})
