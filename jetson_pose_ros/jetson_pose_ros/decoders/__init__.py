"""Network families: registry ``decoder.family`` -> model class (imported on demand)."""
from __future__ import annotations

import importlib

FAMILIES = {
    "paf": "jetson_pose_ros.decoders.paf:PafModel",
    "mediapipe": "jetson_pose_ros.decoders.mediapipe:MediaPipeModel",
    "movenet": "jetson_pose_ros.decoders.single_stage:MoveNetModel",
    "yolo-pose": "jetson_pose_ros.decoders.single_stage:YoloPoseModel",
}


def model_class(family: str):
    try:
        module, cls = FAMILIES[family].split(":")
    except KeyError:
        raise KeyError(f"unknown decoder family '{family}' (known: {', '.join(FAMILIES)})") from None
    return getattr(importlib.import_module(module), cls)
