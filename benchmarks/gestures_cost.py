"""Cost of issue 23's gestures per frame (target: gestures + posture <= 0.3 ms with 5 people).

    python benchmarks/gestures_cost.py [--people 5] [--rounds 40] [--frames 200]

Variants, interleaved round by round in rotating order so that load on a shared machine falls on
all alike, each over the same ``--frames`` frames of real keypoints from shared/data/gestures
(different rows every frame, so histories and debouncing do real work):

* ``noop``: a function call that does nothing with the frame (the baseline);
* ``bodies``: ``FrameGestures.update`` on a frame of N tracked COCO-17 bodies: static gestures,
  pointing direction, posture, waving history, debouncing (all a node would run per frame);
* ``hands``: ``FrameGestures.update`` on N tracked 21-keypoint hands: signs (one batch), fingertip
  trajectories, debouncing;
* ``hand_signs_batch``: ``classify_hand_gestures`` alone on the N hands.

Prints per variant the median and p10-p90 over rounds of the mean time per frame, and the
median minus the no-op's, twice: wall-clock time, and this process's CPU time
(``time.process_time``), which leaves out the time the process waited for a core on a shared,
loaded machine (the load average is printed; compare variants only within one run).  Name the CPU
beside the figures (printed from /proc/cpuinfo).
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

from jetson_pose_ros.gestures import datasets as ds  # noqa: E402
from jetson_pose_ros.gestures.body import COCO17  # noqa: E402
from jetson_pose_ros.gestures.frame import FrameGestures  # noqa: E402
from jetson_pose_ros.gestures.hand import classify_hand_gestures  # noqa: E402
from jetson_pose_ros.core.pose import PoseFrame  # noqa: E402
from jetson_pose_ros.core.topology import load_topology  # noqa: E402


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def frames(xy: np.ndarray, names, people: int, count: int) -> list[PoseFrame]:
    out = []
    for f in range(count):
        rows = (np.arange(people) * 97 + f) % len(xy)
        pts = xy[rows]
        n, k = pts.shape[:2]
        out.append(PoseFrame(pts, np.ones((n, k)), np.zeros((n, 4)), np.ones(n), np.arange(people),
                             [{} for _ in range(n)], keypoint_names=list(names)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("JETSON_POSE_SHARED", ROOT.parent / "shared"))
                    / "data" / "gestures")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"gesture data not found at {args.data} (set --data or JETSON_POSE_SHARED)", file=sys.stderr)
        return 2
    _, coco, _ = ds.read_body_poses(args.data / "body_pose_fitness_dev.csv")
    _, hands = ds.read_hand_keypoints(args.data / "hand_keypoints_dev.csv")
    hands = hands * 120.0 + 320.0                                   # pixels, as a network gives them
    body_frames = frames(coco, COCO17, args.people, args.frames)
    hand_frames = frames(hands, load_topology("hand_pose.json").keypoints, args.people, args.frames)
    body_state, hand_state = FrameGestures(), FrameGestures()

    def noop(frame):
        return None

    variants = {
        "noop": (noop, body_frames),
        "bodies": (body_state.update, body_frames),
        "hands": (hand_state.update, hand_frames),
        "hand_signs_batch": (lambda fr: classify_hand_gestures(fr.xy), hand_frames),
    }
    names = list(variants)
    wall = {n: [] for n in names}
    cpu = {n: [] for n in names}
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            fn, frs = variants[n]
            c, t = time.process_time(), time.perf_counter()
            for fr in frs:
                fn(fr)
            wall[n].append((time.perf_counter() - t) / len(frs) * 1e3)
            cpu[n].append((time.process_time() - c) / len(frs) * 1e3)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU: {cpu_name()} ({os.cpu_count()} logical CPUs visible, load average {load:.1f}); Python "
          f"{platform.python_version()}, numpy {np.__version__}; {args.people} people/hands per frame, "
          f"{args.frames} frames x {args.rounds} rounds")
    for title, times in (("wall-clock", wall), ("process CPU time", cpu)):
        base = float(np.median(times["noop"]))
        print(f"{title}: {'variant':<18}{'median ms/frame':>16}{'p10':>9}{'p90':>9}{'minus noop':>12}")
        for n in names:
            t = np.array(times[n])
            print(f"{'':>{len(title) + 2}}{n:<18}{np.median(t):>16.4f}{np.percentile(t, 10):>9.4f}"
                  f"{np.percentile(t, 90):>9.4f}{np.median(t) - base:>12.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
