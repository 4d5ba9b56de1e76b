"""How much of the detector + landmark networks' pre- and post-processing is the two OpenCV warps.

For MediaPipe Hands and BlazePose, per frame: the detector input (letterbox resize, ``prepare``) and
one rotated crop per hand or person (``crop_rotated``) are compiled OpenCV calls.  This script times
them inside the normal pipeline (right after the inferences, as they run) and reports them, and the
rest of pre + post, as a share of the inference time: if the warps alone exceed 10% of inference,
no faster Python around them can bring pre + post under 10% (docs/backends.md, issue 12).

    python benchmarks/two_stage_warps.py [--network N ...] [--repeat 5] [--threads 2]

Images as in backends_bench.py: the jetson-inference photos for the body networks; the
OneHand10K + FreiHAND + Panoptic photos for the hand networks.  Backend: ``auto``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from jetson_pose_ros.evaluation import speed as benchmark  # noqa: E402
from jetson_pose_ros.networks import mediapipe  # noqa: E402
from jetson_pose_ros.posenet import PoseNet  # noqa: E402

NETWORKS = ("mediapipe-hand", "mediapipe-hand-lite", "blazepose-body", "blazepose-body-lite")


def timed(fn, sink):
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            sink.append((time.perf_counter() - t0) * 1e3)
    return wrapper


def measure(network, paths, repeat, threads) -> dict:
    warps: list[float] = []
    originals = mediapipe.prepare, mediapipe.crop_rotated
    mediapipe.prepare, mediapipe.crop_rotated = timed(originals[0], warps), timed(originals[1], warps)
    try:
        net = PoseNet(network, backend="auto", num_threads=threads)
        images = [cv2.imread(str(p)) for p in paths]
        for image in images:                          # warm-up pass
            net.model.infer(image, 0.15)
        stages = {"preprocess": 0.0, "inference": 0.0, "decode": 0.0}
        warps.clear()
        frames = poses = 0
        for _ in range(repeat):
            for image in images:
                frame = net.model.infer(image, 0.15)
                for k in stages:
                    stages[k] += frame.timings.get(k, 0.0)
                frames += 1
                poses += len(frame)
    finally:
        mediapipe.prepare, mediapipe.crop_rotated = originals
    per = {k: v / frames for k, v in stages.items()}
    warp = sum(warps) / frames
    inference = per["inference"]
    return {"network": network, "backend": net.model.backend_used, "frames": frames,
            "poses_per_frame": poses / frames, "inference_ms": inference,
            "pre_post_ms": per["preprocess"] + per["decode"], "warps_ms": warp,
            "pre_post_pct": 100 * (per["preprocess"] + per["decode"]) / inference,
            "warps_pct": 100 * warp / inference,
            "rest_pct": 100 * (per["preprocess"] + per["decode"] - warp) / inference,
            "warp_calls_per_frame": len(warps) / frames, "warp_median_ms": float(np.median(warps))}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--network", action="append", help="network(s) (default: the four detector + landmark ones)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", help="write the rows here")
    args = p.parse_args(argv)
    data = ROOT.parent / "shared" / "data"
    body = benchmark.list_images(data / "jetson_inference" / "images")
    hands = sum((benchmark.list_images(data / "mmpose_tests_data" / s) for s in ("onehand10k", "freihand", "panoptic")), [])
    rows = [measure(n, hands if "hand" in n else body, args.repeat, args.threads) for n in args.network or NETWORKS]
    print(f"{'network':20s} {'backend':14s} {'poses/frame':>11s} {'inference':>9s} {'pre+post':>8s} "
          f"{'warps':>6s} {'warp calls':>10s} {'pre+post/inf':>12s} {'warps/inf':>9s} {'rest/inf':>8s}")
    for r in rows:
        print(f"{r['network']:20s} {r['backend']:14s} {r['poses_per_frame']:11.2f} {r['inference_ms']:9.2f} "
              f"{r['pre_post_ms']:8.2f} {r['warps_ms']:6.2f} {r['warp_calls_per_frame']:10.2f} "
              f"{r['pre_post_pct']:11.1f}% {r['warps_pct']:8.1f}% {r['rest_pct']:7.1f}%")
    print("(ms per frame, means over all frames; warps = the detector's letterbox + the landmark crops, OpenCV)")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
