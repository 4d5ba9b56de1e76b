"""Drawing poses on BGR images, as jetson-inference's poseNet.Overlay does."""
from __future__ import annotations

import re
from typing import Sequence

import cv2
import numpy as np

from .errors import PoseNetError
from .pose import ObjectPose
from .topology import Topology

FLAGS = ("box", "links", "keypoints")
_ALIASES = {"boxes": "box", "link": "links", "keypoint": "keypoints", "default": "links,keypoints"}


def parse_flags(flags: str | Sequence[str] | None) -> frozenset[str]:
    """``"links,keypoints"`` / ``"box|links"`` / ``"none"`` -> set of flags (case-insensitive)."""
    if flags is None:
        return frozenset()
    text = flags if isinstance(flags, str) else ",".join(flags)
    out: set[str] = set()
    for tok in filter(None, (t.strip().lower() for t in re.split(r"[,|]", text))):
        tok = _ALIASES.get(tok, tok)
        if tok == "none":
            continue
        for t in tok.split(","):
            if t not in FLAGS:
                raise PoseNetError(f"invalid overlay flag '{t}' (valid: box, links, keypoints, none)")
            out.add(t)
    return frozenset(out)


def draw(image: np.ndarray, poses: Sequence[ObjectPose], topology: Topology, flags="links,keypoints",
         keypoint_scale: float = 0.0052, link_scale: float = 0.0013) -> np.ndarray:
    """Draw in place on a BGR (or BGRA / grey) uint8 image and return it."""
    flags = parse_flags(flags)
    if not flags or not poses:
        return image
    side = max(image.shape[:2])
    radius = max(1, int(round(keypoint_scale * side)))
    width = max(1, int(round(link_scale * side)))
    colors = [(int(b), int(g), int(r)) for r, g, b, _a in topology.colors]

    def pt(kp):
        return int(round(kp.x)), int(round(kp.y))

    for pose in poses:
        if "box" in flags:
            cv2.rectangle(image, (int(pose.left), int(pose.top)), (int(pose.right), int(pose.bottom)),
                          (255, 255, 255), width, cv2.LINE_AA)
        if "links" in flags:
            for a, b in pose.links:
                kb = pose.keypoints[b]
                cv2.line(image, pt(pose.keypoints[a]), pt(kb), colors[kb.id % len(colors)], width, cv2.LINE_AA)
        if "keypoints" in flags:
            for kp in pose.keypoints:
                cv2.circle(image, pt(kp), radius, colors[kp.id % len(colors)], -1, cv2.LINE_AA)
    return image
