"""Network families: registry ``decoder.family`` -> model class (imported on demand)."""
from __future__ import annotations

import importlib

FAMILIES = {
    "paf": "jetson_pose_ros.networks.paf:PafModel",
    "mediapipe": "jetson_pose_ros.networks.mediapipe:MediaPipeModel",
    "movenet": "jetson_pose_ros.networks.single_stage:MoveNetModel",
    "yolo-pose": "jetson_pose_ros.networks.single_stage:YoloPoseModel",
}


def model_class(family: str):
    try:
        module, cls = FAMILIES[family].split(":")
    except KeyError:
        raise KeyError(f"unknown decoder family '{family}' (known: {', '.join(FAMILIES)})") from None
    return getattr(importlib.import_module(module), cls)
