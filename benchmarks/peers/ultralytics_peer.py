"""Ultralytics' own predictor on the same ``yolo11n-pose.onnx`` file as this project's
``yolo11n-body``, on the same images (part of ``compare.py``; needs ``ultralytics`` in the peers
environment).

Peer call: ``YOLO(onnx).predict(bgr, imgsz=640)`` (its letterbox, ONNX Runtime inference, NMS and
scaling back: Ultralytics' whole ``predict`` path, with its default thresholds conf 0.25 / IoU 0.7).
Ours: ``PoseNet("yolo11n-body").process`` without overlay.  Agreement: people matched one to one
by mean keypoint distance over the 17 COCO keypoints, divided by the peer's keypoint box size.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from jetson_pose_ros.runtime.model_files import resolve_files
from jetson_pose_ros.posenet import PoseNet
from jetson_pose_ros.core.registry import get_network

COCO17 = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
          "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
          "right_knee", "left_ankle", "right_ankle")


def run_ultralytics(images: list[Path], repeat: int, variant: tuple[str, str], timed, match, agreement,
                    warmup: int = 2) -> dict:
    from ultralytics import YOLO

    onnx = resolve_files(get_network("yolo11n-body"))["model"]
    peer = YOLO(str(onnx), task="pose")
    ours = PoseNet("yolo11n-body", 0.0, backend=variant[0], precision=variant[1])
    ids = [ours.topology.keypoints.index(n) for n in COCO17]
    pairs_all, n_peer, n_ours, t_peer, t_ours = [], 0, 0, 0.0, 0.0
    for path in images:
        bgr = cv2.imread(str(path))

        def peer_call():
            return peer.predict(bgr, imgsz=640, verbose=False)[0]
        for _ in range(warmup):
            peer_call()
            ours.process(bgr, overlay=None)
        res, tp = timed(peer_call, repeat)
        mine, to = timed(lambda: ours.process(bgr, overlay=None), repeat)
        t_peer, t_ours = t_peer + tp, t_ours + to
        kp = res.keypoints.data.cpu().numpy() if res.keypoints is not None else np.zeros((0, 17, 3))
        theirs = [np.asarray(k, float) for k in kp]
        mine_arr = []
        for pose in mine:
            a = np.full((17, 3), np.nan)
            for k in pose.keypoints:
                if k.id in ids:
                    a[ids.index(k.id)] = (k.x, k.y, k.score)
            mine_arr.append(a)
        pairs_all += match(theirs, mine_arr)
        n_peer, n_ours = n_peer + len(theirs), n_ours + len(mine)
    return {"images": len(images), "repeat": repeat, "backend": ours.model.backend_used,
            **agreement(pairs_all, n_peer, n_ours),
            "peer_ms_per_image": t_peer / len(images), "ours_ms_per_image": t_ours / len(images),
            "speed_ratio_ours_over_peer": t_ours / t_peer}
