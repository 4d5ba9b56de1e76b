"""Result types.

``PoseFrame`` is the one per-frame result every stage passes on (decoders build it,
tracking/smoothing return new frames, overlay and every serialiser read it): dense
arrays, ``xy`` (N,K,2) with NaN where a keypoint was not found, as supervision's
``KeyPoints``.

``ObjectPose`` mirrors jetson-inference's ``poseNet.ObjectPose`` and is a view built
from a frame (``PoseFrame.poses()``): ``keypoints`` holds only the keypoints that were
found (each with its topology ``id``), and ``links`` are pairs of indices into that
list.  The jetson-inference spellings (``ID``, ``Keypoints``, ``FindKeypoint`` ...)
are provided as aliases.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

import numpy as np


XY_DECIMALS = 2
SCORE_DECIMALS = 4
# per-pose labels of the gestures stage: JSON keys at the pose's top level (not under "attributes")
LABEL_KEYS = ("gesture", "posture", "motion")


def pose_dict(index: int, track_id: int, score: float, box: Sequence[float],
              keypoints: Iterable[tuple[int, str, float, float, float]], links: Sequence[tuple[int, int]],
              attributes: dict | None = None) -> dict:
    """One pose: ``keypoints`` as (id, name, x, y, score) of the found keypoints, ``links``
    as index pairs into that list.  The gestures stage's ``gesture`` / ``posture`` / ``motion``
    (``{"label", "score"}``; a pointing gesture with ``"direction": [dx, dy]``) are keys of the pose."""
    attributes = dict(attributes or {})
    labels = {k: attributes.pop(k) for k in LABEL_KEYS if k in attributes}
    return {
        "id": int(index), "track_id": int(track_id), "score": round(float(score), SCORE_DECIMALS),
        "box": [round(float(v), XY_DECIMALS) for v in box],
        "keypoints": [{"id": int(i), "name": str(n), "x": round(float(x), XY_DECIMALS),
                       "y": round(float(y), XY_DECIMALS), "score": round(float(s), SCORE_DECIMALS)}
                      for i, n, x, y, s in keypoints],
        "links": [[int(a), int(b)] for a, b in links],
        **labels,
        **({"attributes": dict(attributes)} if attributes else {}),
    }


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
    """A detected person (or hand): its keypoints, links and bounding box.  ``id`` is the
    pose's index in its frame (as in jetson-inference); ``track_id`` its persistent track
    ID when tracking, else -1."""

    id: int
    keypoints: list[Keypoint]
    links: list[tuple[int, int]]
    score: float = 0.0
    left: float = 0.0
    top: float = 0.0
    right: float = 0.0
    bottom: float = 0.0
    attributes: dict = field(default_factory=dict)  # e.g. handedness
    track_id: int = -1

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

    def to_dict(self) -> dict:
        """This pose as written in JSON (``pose_dict``)."""
        return pose_dict(self.id, self.track_id, self.score, (self.left, self.top, self.right, self.bottom),
                         ((k.id, k.name, k.x, k.y, k.score) for k in self.keypoints), self.links, self.attributes)

    Left = property(lambda self: self.left)
    Top = property(lambda self: self.top)
    Right = property(lambda self: self.right)
    Bottom = property(lambda self: self.bottom)
    Width = property(lambda self: self.width)
    Height = property(lambda self: self.height)
    FindKeypoint = find_keypoint
    FindLink = find_link


def _float_array(values, shape) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    return a.reshape(shape) if a.size or not shape[0] else np.zeros(shape)


@dataclass
class PoseFrame:
    """The poses of one image, as arrays.

    ``xy`` (N,K,2) image pixels, NaN where a keypoint was not found; ``scores`` (N,K), 0
    where not found; ``boxes`` (N,4) left, top, right, bottom; ``pose_scores`` (N);
    ``track_ids`` (N) int, -1 = not tracked (or a track not yet confirmed); ``attributes``
    one dict per pose (``handedness``, ``derived_keypoints`` ...).  Frame data: ``image_size``
    (width, height), ``network``, ``keypoint_names``, ``skeleton`` (pairs of keypoint ids),
    ``timings`` (ms per stage).  ``xyz`` (N,K,3) metres in the depth camera's optical frame
    (x right, y down, z forward), NaN where a keypoint or its depth is unknown; None when no
    depth was used (``jetson_pose_ros.depth.with_xyz`` returns a frame with it filled).
    """

    xy: np.ndarray
    scores: np.ndarray
    boxes: np.ndarray
    pose_scores: np.ndarray
    track_ids: np.ndarray
    attributes: list[dict]
    image_size: tuple[int, int] = (0, 0)
    network: str = ""
    keypoint_names: list[str] = field(default_factory=list)
    skeleton: list[tuple[int, int]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    xyz: np.ndarray | None = None

    def __post_init__(self):
        k = len(self.keypoint_names) or (self.xy.shape[1] if np.ndim(self.xy) == 3 else 0)
        n = len(self.attributes)
        self.xy = _float_array(self.xy, (n, k, 2))
        self.scores = _float_array(self.scores, (n, k))
        self.boxes = _float_array(self.boxes, (n, 4))
        self.pose_scores = _float_array(self.pose_scores, (n,))
        self.track_ids = np.asarray(self.track_ids, dtype=np.int64).reshape(n)
        self.image_size = (int(self.image_size[0]), int(self.image_size[1]))
        if self.xyz is not None:
            self.xyz = _float_array(self.xyz, (n, k, 3))

    @classmethod
    def empty(cls, keypoint_names: Sequence[str] = (), skeleton=(), **frame) -> "PoseFrame":
        k = len(keypoint_names)
        return cls(np.zeros((0, k, 2)), np.zeros((0, k)), np.zeros((0, 4)), np.zeros(0),
                   np.zeros(0, np.int64), [], keypoint_names=list(keypoint_names),
                   skeleton=[tuple(s) for s in skeleton], **frame)

    @classmethod
    def from_poses(cls, poses: Sequence[ObjectPose], keypoint_names: Sequence[str], skeleton=(),
                   **frame) -> "PoseFrame":
        """A frame from ``ObjectPose`` lists (e.g. poses built by a user's own code)."""
        k = len(keypoint_names)
        xy, scores = np.full((len(poses), k, 2), np.nan), np.zeros((len(poses), k))
        for i, p in enumerate(poses):
            for kp in p.keypoints:
                if 0 <= kp.id < k:
                    xy[i, kp.id], scores[i, kp.id] = (kp.x, kp.y), kp.score
        return cls(xy, scores, [[p.left, p.top, p.right, p.bottom] for p in poses], [p.score for p in poses],
                   [p.track_id for p in poses], [dict(p.attributes) for p in poses],
                   keypoint_names=list(keypoint_names), skeleton=[tuple(s) for s in skeleton], **frame)

    # --- queries ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.attributes)

    @property
    def num_keypoints(self) -> int:
        return self.xy.shape[1]

    @property
    def found(self) -> np.ndarray:
        """(N,K) bool: keypoint found."""
        return ~np.isnan(self.xy[..., 0])

    def with_track_ids(self, track_ids) -> "PoseFrame":
        return replace(self, track_ids=np.asarray(track_ids, np.int64))

    def poses(self) -> list[ObjectPose]:
        """jetson-inference ``ObjectPose`` views (found keypoints only, links between them)."""
        names, out = self.keypoint_names, []
        found = self.found
        for i in range(len(self)):
            kps = [Keypoint(int(k), float(self.xy[i, k, 0]), float(self.xy[i, k, 1]), float(self.scores[i, k]),
                            names[k] if k < len(names) else "") for k in np.flatnonzero(found[i])]
            pose = ObjectPose.from_keypoints(i, kps, self.skeleton, float(self.pose_scores[i]), self.boxes[i],
                                             **self.attributes[i])
            pose.track_id = int(self.track_ids[i])
            out.append(pose)
        return out
