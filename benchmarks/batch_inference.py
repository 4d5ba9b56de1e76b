"""Does batching the frames of several cameras into one inference call gain on this backend?

For each network whose model takes a batch (a dynamic first dimension), time one call with a batch
of N frames against N calls with one frame, interleaved (A, B, A, B ...) so that machine load hits
both alike; prints the median per-frame time of each and the gain.  Networks with a fixed batch of 1
are listed as such (batching cannot apply).

    python benchmarks/batch_inference.py --networks mobilenet-body,yolo11n-pose --batch 2 --rounds 20
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--networks", default="mobilenet-body")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--backend", default="onnxruntime", help="only ONNX Runtime sessions are timed here")
    ap.add_argument("--video", required=True, help="a frame of this video is the input (e.g. mmpose_demo.mp4)")
    args = ap.parse_args()

    import cv2

    from jetson_pose_ros.posenet import PoseNet
    from jetson_pose_ros.preprocess import prepare

    ok, image = cv2.VideoCapture(args.video).read()
    if not ok:
        raise SystemExit(f"{args.video}: cannot read a frame")

    for name in args.networks.split(","):
        net = PoseNet(name, backend=args.backend, **({"num_threads": args.threads} if args.threads else {}))
        backend = getattr(net.model, "backend", None)
        session = getattr(backend, "session", None)
        if session is None or not hasattr(net.model, "input"):
            print(f"{name}: not a single ONNX Runtime model ({type(net.model).__name__}); skipped")
            continue
        inp = session.get_inputs()[0]
        if isinstance(inp.shape[0], int):
            print(f"{name}: input {inp.name} {inp.shape}: fixed batch {inp.shape[0]}; batching does not apply")
            continue
        one = prepare(image, net.model.input)[0]
        one = one if one.ndim == 4 else one[None]
        h, w = one.shape[1:3] if one.shape[-1] == 3 else one.shape[2:4]
        many = np.concatenate([one] * args.batch)
        single, batched = [], []
        session.run(None, {inp.name: many})
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            for _ in range(args.batch):
                session.run(None, {inp.name: one})
            single.append((time.perf_counter() - t0) / args.batch * 1e3)
            t0 = time.perf_counter()
            session.run(None, {inp.name: many})
            batched.append((time.perf_counter() - t0) / args.batch * 1e3)
        a, b = statistics.median(single), statistics.median(batched)
        print(f"{name}: input {w}x{h}, {args.batch} frames: batch 1 {a:.1f} ms/frame, batch {args.batch} "
              f"{b:.1f} ms/frame, gain {100 * (a - b) / a:+.1f}% (median of {args.rounds} interleaved rounds)")


if __name__ == "__main__":
    main()
