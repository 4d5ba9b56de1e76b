"""Does ``auto``'s tuning need a subprocess per candidate?  Times the same candidates three ways,
the ways interleaved round by round (so machine load hits all of them alike):

- ``subprocess``: each candidate alone in a fresh Python process (``tuning.ISOLATION = "subprocess"``);
- ``sequential``: one process, one candidate loaded at a time (freed before the next);
- ``interleaved``: one process, every candidate loaded at once, timed frame by frame in turn.

    python benchmarks/tune_isolation.py --network mobilenet-body --threads 2 --rounds 3

Prints ms/frame (median over rounds) per candidate and mode, and each mode's ratio to the
subprocess figure; the mode whose ranking and ratios match ``subprocess`` is good enough.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

from jetson_pose_ros.runtime import tuning  # noqa: E402
from jetson_pose_ros.posenet import PoseNet  # noqa: E402
from jetson_pose_ros.preprocess import prepare  # noqa: E402


def interleaved(network, pairs, threads, frames, warmup) -> dict:
    image = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    nets = {p: PoseNet(network, backend=p[0], precision=p[1], num_threads=threads) for p in pairs}
    stages = {p: [(getattr(n.model, b), getattr(n.model, s)) for b, s in tuning.STAGES
                  if getattr(n.model, b, None) is not None and getattr(n.model, s, None) is not None]
              for p, n in nets.items()}
    times = {p: [] for p in pairs}
    for i in range(warmup + frames):
        for p in pairs:
            t = time.perf_counter()
            for be, spec in stages[p]:
                be.run({spec.name: prepare(image, spec)[0]})
            if i >= warmup:
                times[p].append((time.perf_counter() - t) * 1e3)
    return {" ".join(p): float(np.median(v)) for p, v in times.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--network", default="mobilenet-body")
    ap.add_argument("--pairs", default="onnxruntime:f32,openvino:f32,openvino:bf16")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--frames", type=int, default=tuning.FRAMES)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    pairs = [tuple(p.split(":")) for p in args.pairs.split(",")]
    got = {m: {" ".join(p): [] for p in pairs} for m in ("subprocess", "sequential", "interleaved")}
    for r in range(args.rounds):
        for mode in ("subprocess", "sequential", "interleaved"):
            if mode == "interleaved":
                rows = interleaved(args.network, pairs, args.threads, args.frames, tuning.WARMUP)
            else:
                rows = {f"{x['backend']} {x['precision']}": x["ms"] for x in
                        tuning.measure(args.network, pairs, args.threads, None, args.frames, tuning.WARMUP, mode,
                                       rounds=1)}
            for k, v in rows.items():
                got[mode][k].append(v)
            print(f"round {r} {mode:11s} " + "  ".join(f"{k} {v:.1f}" for k, v in rows.items()), flush=True)
    print(f"\n{args.network}, threads {args.threads}, {tuning.cpu_model()}; median of {args.rounds} rounds, ms/frame")
    ref = {k: float(np.median(v)) for k, v in got["subprocess"].items()}
    for mode, rows in got.items():
        med = {k: float(np.median(v)) for k, v in rows.items()}
        order = " < ".join(sorted(med, key=med.get))
        print(f"{mode:11s} " + "  ".join(f"{k} {v:6.1f} ({v / ref[k]:.2f}x)" for k, v in med.items())
              + f"   fastest first: {order}")
    if args.json:
        Path(args.json).write_text(json.dumps(got, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
