"""Result types: one ``ObjectPose`` per detected person or hand.

Mirrors jetson-inference's ``poseNet.ObjectPose``: ``keypoints`` holds only the
keypoints that were found (each with its topology ``id``), and ``links`` are
pairs of indices into that list.  The jetson-inference spellings (``ID``,
``Keypoints``, ``FindKeypoint`` ...) are provided as aliases.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence


@dataclass
class Keypoint:
    """One keypoint in input-image pixels; ``id`` indexes the topology."""

    id: int
    x: float
    y: float
    score: float = 1.0
    name: str = ""

    # jetson-inference spelling
    @property
    def ID(self) -> int:  # noqa: N802
        return self.id


@dataclass
class ObjectPose:
    """A detected person (or hand): its keypoints, links and bounding box."""

    id: int
    keypoints: list[Keypoint]
    links: list[tuple[int, int]]
    score: float = 0.0
    left: float = 0.0
    top: float = 0.0
    right: float = 0.0
    bottom: float = 0.0
    attributes: dict = field(default_factory=dict)  # e.g. handedness

    @classmethod
    def from_keypoints(cls, pose_id: int, keypoints: Sequence[Keypoint],
                       skeleton: Sequence[tuple[int, int]], score: float | None = None,
                       box: Sequence[float] | None = None, **attributes) -> "ObjectPose":
        """Build a pose from its found keypoints; links are the topology links whose
        two ends were both found, and the box is the keypoints' extent unless given."""
        kps = sorted(keypoints, key=lambda k: k.id)
        index = {k.id: i for i, k in enumerate(kps)}
        links = [(index[a], index[b]) for a, b in skeleton if a in index and b in index]
        if box is None:
            xs = [k.x for k in kps] or [0.0]
            ys = [k.y for k in kps] or [0.0]
            box = (min(xs), min(ys), max(xs), max(ys))
        if score is None:
            score = float(sum(k.score for k in kps) / len(kps)) if kps else 0.0
        left, top, right, bottom = (float(v) for v in box)
        return cls(pose_id, kps, links, float(score), left, top, right, bottom, dict(attributes))

    # --- queries ----------------------------------------------------------
    def find_keypoint(self, key: int | str) -> int:
        """Index into ``keypoints`` of the keypoint with this topology id or name, or -1."""
        for i, kp in enumerate(self.keypoints):
            if (isinstance(key, str) and kp.name == key) or (not isinstance(key, str) and kp.id == key):
                return i
        return -1

    def find_link(self, a: int | str, b: int | str) -> int:
        """Index into ``links`` of the link joining keypoints ``a`` and ``b`` (topology ids
        or names, either order), or -1."""
        ia, ib = self.find_keypoint(a), self.find_keypoint(b)
        if ia < 0 or ib < 0:
            return -1
        for i, (p, q) in enumerate(self.links):
            if {p, q} == {ia, ib}:
                return i
        return -1

    def keypoint(self, key: int | str) -> Keypoint | None:
        i = self.find_keypoint(key)
        return self.keypoints[i] if i >= 0 else None

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "score": round(self.score, 4),
            "box": [round(v, 2) for v in (self.left, self.top, self.right, self.bottom)],
            "keypoints": [{"id": k.id, "name": k.name, "x": round(k.x, 2), "y": round(k.y, 2),
                           "score": round(k.score, 4)} for k in self.keypoints],
            "links": [list(link) for link in self.links],
            **({"attributes": self.attributes} if self.attributes else {}),
        }

    # --- jetson-inference spellings ----------------------------------------
    @property
    def ID(self) -> int:  # noqa: N802
        return self.id

    @property
    def Keypoints(self) -> list[Keypoint]:  # noqa: N802
        return self.keypoints

    @property
    def Links(self) -> list[tuple[int, int]]:  # noqa: N802
        return self.links

    Left = property(lambda self: self.left)
    Top = property(lambda self: self.top)
    Right = property(lambda self: self.right)
    Bottom = property(lambda self: self.bottom)
    Width = property(lambda self: self.width)
    Height = property(lambda self: self.height)
    FindKeypoint = find_keypoint
    FindLink = find_link
