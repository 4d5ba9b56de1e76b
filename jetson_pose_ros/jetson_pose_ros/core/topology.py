"""Keypoint topologies as data: trt_pose topology JSON and jetson-inference colors.txt."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PoseNetError

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"   # packaged registry, topologies, colors

DEFAULT_COLOR = (0, 255, 0, 255)  # RGBA, jetson-inference's default keypoint colour


@dataclass
class Topology:
    """Keypoint names, links (0-based pairs) and per-keypoint RGBA colours."""

    name: str
    keypoints: list[str]
    skeleton: list[tuple[int, int]]
    colors: list[tuple[int, int, int, int]] = field(default_factory=list)

    def __post_init__(self):
        n = len(self.keypoints)
        for a, b in self.skeleton:
            if not (0 <= a < n and 0 <= b < n):
                raise PoseNetError(f"topology '{self.name}': link ({a}, {b}) is outside 0..{n - 1}")
        if not self.colors:
            self.colors = [DEFAULT_COLOR] * n

    @property
    def num_keypoints(self) -> int:
        return len(self.keypoints)

    def with_colors(self, path: str | Path | None) -> "Topology":
        if path is None:
            return self
        return Topology(self.name, self.keypoints, self.skeleton, load_colors(path, len(self.keypoints)))


def resolve_data_file(path: str | Path, data_dir: str | Path | None = None) -> Path:
    """A path as given, or relative to ``data_dir`` (default: the packaged ``MODELS_DIR``)."""
    p = Path(path)
    if p.is_file():
        return p
    if data_dir is None:
        data_dir = MODELS_DIR
    packaged = Path(data_dir) / p
    if packaged.is_file():
        return packaged
    raise PoseNetError(f"file not found: {path}")


def load_topology(path: str | Path, colors: str | Path | None = None,
                  data_dir: str | Path | None = None) -> Topology:
    """Load a trt_pose topology JSON (``keypoints`` + 1-based ``skeleton``) or a file with
    ``skeleton_0based``; ``colors`` is an optional jetson-inference colors.txt.  Relative names
    not found as given are looked up in ``data_dir``."""
    p = resolve_data_file(path, data_dir)
    try:
        data = json.loads(p.read_text())
        names = [str(k) for k in data["keypoints"]]
        if "skeleton" in data:
            skeleton = [(int(a) - 1, int(b) - 1) for a, b in data["skeleton"]]
        else:
            skeleton = [(int(a), int(b)) for a, b in data["skeleton_0based"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PoseNetError(f"invalid topology file {p}: {exc}") from None
    name = str(data.get("supercategory") or data.get("name") or p.stem)
    topo = Topology(name, names, skeleton)
    return topo.with_colors(resolve_data_file(colors, data_dir) if colors else None)


def load_colors(path: str | Path, num_keypoints: int) -> list[tuple[int, int, int, int]]:
    """Parse colors.txt: one ``r g b [a]`` line per keypoint; missing lines stay green."""
    p = resolve_data_file(path)
    colors: list[tuple[int, int, int, int]] = []
    for lineno, line in enumerate(p.read_text().splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        try:
            values = [int(float(v)) for v in fields[:4]]
        except ValueError:
            raise PoseNetError(f"{p}:{lineno}: expected 'r g b [a]', got {line!r}") from None
        if len(values) < 3:
            raise PoseNetError(f"{p}:{lineno}: expected 'r g b [a]', got {line!r}")
        r, g, b = values[:3]
        a = values[3] if len(values) > 3 else 255
        colors.append(tuple(max(0, min(255, v)) for v in (r, g, b, a)))
    colors = colors[:num_keypoints]
    colors += [DEFAULT_COLOR] * (num_keypoints - len(colors))
    return colors
