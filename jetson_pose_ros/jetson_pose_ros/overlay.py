"""Drawing poses on BGR images, as jetson-inference's poseNet.Overlay does, plus track IDs
(flag ``ids``) and gesture labels (flag ``gestures``: the ``gesture`` attribute set by the
pipeline's gestures stage, with its score, and a body's posture)."""
from __future__ import annotations

import cv2
import numpy as np

from .core.parsing import parse_flags
from .core.pose import PoseFrame
from .core.topology import Topology

def draw(image: np.ndarray, frame: PoseFrame, topology: Topology,
         flags="links,keypoints", keypoint_scale: float = 0.0052, link_scale: float = 0.0013) -> np.ndarray:
    """Draw in place on a BGR (or BGRA / grey) uint8 image and return it.  ``ids`` writes each
    tracked pose's track ID above its box."""
    flags = parse_flags(flags)
    if not flags or not len(frame):
        return image
    side = max(image.shape[:2])
    radius = max(1, int(round(keypoint_scale * side)))
    width = max(1, int(round(link_scale * side)))
    colors = [(int(b), int(g), int(r)) for r, g, b, _a in topology.colors] or [(0, 255, 0)]
    found = frame.found
    pts = np.where(found[..., None], np.round(np.nan_to_num(frame.xy)), 0).astype(np.int64)
    links = [(a, b) for a, b in topology.skeleton if a < frame.num_keypoints and b < frame.num_keypoints]
    for i in range(len(frame)):
        if "box" in flags:
            l, t, r, b = (int(v) for v in frame.boxes[i])
            cv2.rectangle(image, (l, t), (r, b), (255, 255, 255), width, cv2.LINE_AA)
        if "links" in flags:
            for a, b in links:
                if found[i, a] and found[i, b]:
                    cv2.line(image, tuple(pts[i, a]), tuple(pts[i, b]), colors[b % len(colors)], width, cv2.LINE_AA)
        if "keypoints" in flags:
            for k in np.flatnonzero(found[i]):
                cv2.circle(image, tuple(pts[i, k]), radius, colors[k % len(colors)], -1, cv2.LINE_AA)
        text = [f"#{frame.track_ids[i]}"] if "ids" in flags and frame.track_ids[i] >= 0 else []
        if "gestures" in flags:
            text += gesture_text(frame.attributes[i])
        if text:
            draw_label(image, " ".join(text), frame.boxes[i])
    return image


def gesture_text(attributes: dict) -> list[str]:
    """``["open_palm 0.93", "motion: stop 0.80"]``: a pose's gesture, posture and motion labels
    (those that say something: not ``none``/``other``) with their scores."""
    out = []
    for key, prefix in (("gesture", ""), ("posture", ""), ("motion", "motion: ")):
        item = attributes.get(key)
        if item and item.get("label") not in (None, "none", "other"):
            out.append(f"{prefix}{item['label']} {float(item.get('score', 0.0)):.2f}")
    return out


def draw_label(image: np.ndarray, text: str, box, scale: float = 0.0008) -> None:
    """White text with a black outline above ``box`` (left, top, ...)."""
    side = max(image.shape[:2])
    font = max(0.4, scale * side)
    thick = max(1, int(round(font * 2)))
    x, y = int(box[0]), max(int(box[1]) - 6, int(22 * font))
    for color, th in (((0, 0, 0), thick + 2), ((255, 255, 255), thick)):
        cv2.putText(image, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, font, color, th, cv2.LINE_AA)
