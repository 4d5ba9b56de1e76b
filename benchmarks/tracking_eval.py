#!/usr/bin/env python3
"""Tracking and smoothing on ../shared/data/video/sports2d_demo.mp4 (two people).

Runs the network on every frame once, then:

* ID switches.  Reference identity of each detected person, independent of the
  tracker, from what the clip shows (checked by eye on frames 0-229): the
  "acrobat" balances on top of the wall (upper half of the frame) until frame
  ~150, flips down in front of the sun (almost never detected: frames ~140-187)
  and lands on the ground right of the middle (frame >= 185); the "walker" enters
  on the ground at the right (frame 38), walks left and leaves (frame ~205).  So a
  pose whose hip/knee/ankle keypoints (or, without them, all keypoints) have a mean
  y above ``--split`` of the frame height is the acrobat; below it, the acrobat if
  frame >= LANDED and mean x >= half the width, else the walker.  Poses with fewer
  than ``--min-keypoints`` keypoints are ignored (fragments of a person), as are
  poses whose mean y lies within ``--margin`` of the split; of several poses
  labelled as one person in a frame, the one with most keypoints is that person.
  For each person: the track IDs that covered it; an ID switch is a change of its
  track ID between two labelled frames at most ``--max-lost`` frames apart; a new
  ID after a longer gap (the person undetected longer than tracks are kept) is
  counted apart as a re-entry (by design: no appearance re-identification).
  Target: 0 switches.
* Jitter.  For the wall person's track: mean frame-to-frame displacement of the
  keypoints (px, keypoints seen in both frames) and mean acceleration (second
  difference, px/frame^2, the usual jitter measure), raw vs One-Euro smoothed, and
  the smoothing's lag cost (mean distance smoothed-raw, px).

    cd jetson_pose_ros && MODEL_MIRROR=../../shared/models JETSON_POSE_MODELS=/tmp/jpmodels \\
        ../.venv/bin/python ../benchmarks/tracking_eval.py [--network mobilenet-body] [--cache poses.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "jetson_pose_ros"))

from jetson_pose_ros.core.pose import Keypoint, ObjectPose  # noqa: E402
from jetson_pose_ros.pipeline.smoothing import PoseSmoother  # noqa: E402
from jetson_pose_ros.pipeline.tracking import PoseTracker  # noqa: E402

VIDEO = REPO.parent / "shared" / "data" / "video" / "sports2d_demo.mp4"
LOWER = ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")


def detect(video: Path, network: str, threshold: float):
    from jetson_pose_ros.posenet import PoseNet
    from jetson_pose_ros.io import open_source

    net = PoseNet(network, threshold)
    frames, stamps, size = [], [], (0, 0)
    t0 = time.perf_counter()
    for f in open_source(str(video)):
        if f.image is None:
            raise SystemExit(f"decode error: {f.error}")
        size = (f.image.shape[1], f.image.shape[0])
        frames.append(net.process(f.image, overlay=None))
        stamps.append(f.timestamp)
    print(f"detected {sum(map(len, frames))} poses in {len(frames)} frames "
          f"({(time.perf_counter() - t0) / len(frames) * 1e3:.0f} ms/frame)", file=sys.stderr)
    return frames, stamps, size


def save(path: Path, frames, stamps, size) -> None:
    path.write_text(json.dumps({"size": size, "timestamps": stamps,
                                "frames": [[p.to_dict() for p in poses] for poses in frames]}))


def load(path: Path):
    d = json.loads(path.read_text())
    frames = [[ObjectPose(p["id"], [Keypoint(k["id"], k["x"], k["y"], k["score"], k["name"]) for k in p["keypoints"]],
                          [tuple(x) for x in p["links"]], p["score"], *p["box"]) for p in poses]
              for poses in d["frames"]]
    return frames, d["timestamps"], tuple(d["size"])


LANDED = 185          # first frame where the acrobat is on the ground (see above)
PERSONS = ("acrobat", "walker")


def person_label(pose: ObjectPose, frame: int, size: tuple[int, int], args) -> str | None:
    if len(pose.keypoints) < args.min_keypoints:
        return None
    width, height = size
    lower = [k.y for k in pose.keypoints if k.name in LOWER]
    y = np.mean(lower if lower else [k.y for k in pose.keypoints]) / height
    if abs(y - args.split) < args.margin:
        return None
    if y < args.split:
        return "acrobat"
    x = np.mean([k.x for k in pose.keypoints]) / width
    return "acrobat" if frame >= LANDED and x >= 0.5 else "walker"


def id_switches(tracked: list[list[ObjectPose]], size: tuple[int, int], args, key=lambda p: p.track_id) -> dict:
    """Per person: the IDs (``key``: track ID; -1 = not yet confirmed, not counted) of its pose."""
    out = {}
    for person in PERSONS:
        ids, switches, reentries, frames, last, last_frame = [], [], [], 0, None, None
        for i, poses in enumerate(tracked):
            mine = [p for p in poses if person_label(p, i, size, args) == person and key(p) >= 0]
            if not mine:
                continue
            p = max(mine, key=lambda q: len(q.keypoints))     # the person itself, not a fragment
            frames += 1
            if key(p) not in ids:
                ids.append(key(p))
            if last is not None and key(p) != last:
                (switches if i - last_frame <= args.max_lost + 1 else reentries).append(i)
            last, last_frame = key(p), i
        out[person] = {"frames": frames, "track_ids": ids, "id_switches": len(switches),
                       "switch_frames": switches, "reentries": len(reentries), "reentry_frames": reentries}
    return out


def track_series(tracked: list[list[ObjectPose]], track_id: int) -> list[dict[int, tuple[float, float]]]:
    series = []
    for poses in tracked:
        p = next((q for q in poses if q.track_id == track_id), None)
        series.append({k.id: (k.x, k.y) for k in p.keypoints} if p else {})
    return series


def jitter(series: list[dict]) -> tuple[float, float]:
    """Mean frame-to-frame displacement and mean |second difference| (px)."""
    d1, d2 = [], []
    for i in range(1, len(series)):
        a, b = series[i - 1], series[i]
        d1 += [np.hypot(b[k][0] - a[k][0], b[k][1] - a[k][1]) for k in a.keys() & b.keys()]
        if i >= 2:
            z = series[i - 2]
            d2 += [np.hypot(b[k][0] - 2 * a[k][0] + z[k][0], b[k][1] - 2 * a[k][1] + z[k][1])
                   for k in a.keys() & b.keys() & z.keys()]
    return float(np.mean(d1)), float(np.mean(d2))


def lag(raw: list[dict], smooth: list[dict]) -> float:
    return float(np.mean([np.hypot(s[k][0] - r[k][0], s[k][1] - r[k][1])
                          for r, s in zip(raw, smooth) for k in r.keys() & s.keys()]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--video", type=Path, default=VIDEO)
    ap.add_argument("--network", default="mobilenet-body")
    ap.add_argument("--threshold", type=float, default=0.15)
    ap.add_argument("--cache", type=Path, help="JSON file of raw detections (written if missing, read if present)")
    ap.add_argument("--max-lost", type=int, default=30)
    ap.add_argument("--min-similarity", type=float, default=0.1)
    ap.add_argument("--min-hits", type=int, default=3, help="matches before a track is confirmed and gets an ID")
    ap.add_argument("--min-cutoff", type=float, default=1.0)
    ap.add_argument("--beta", type=float, default=0.01)
    ap.add_argument("--split", type=float, default=0.55, help="wall/ground boundary, fraction of frame height")
    ap.add_argument("--margin", type=float, default=0.05)
    ap.add_argument("--min-keypoints", type=int, default=5)
    ap.add_argument("--sweep", action="store_true", help="also print jitter/lag for a grid of One-Euro parameters")
    ap.add_argument("--sweep-tracker", action="store_true",
                    help="also print ID switches for a grid of tracker parameters")
    ap.add_argument("--json-out", type=Path, help="write the figures as JSON here")
    args = ap.parse_args()

    if args.cache and args.cache.exists():
        frames, stamps, size = load(args.cache)
    else:
        frames, stamps, size = detect(args.video, args.network, args.threshold)
        if args.cache:
            save(args.cache, frames, stamps, size)

    tracker = PoseTracker(max_lost=args.max_lost, min_similarity=args.min_similarity, min_hits=args.min_hits)
    tracked = [tracker.update(poses) for poses in frames]
    switches = id_switches(tracked, size, args)
    untracked = [[ObjectPose(i + 1, p.keypoints, p.links, p.score, p.left, p.top, p.right, p.bottom)
                  for i, p in enumerate(poses)] for poses in frames]
    baseline = id_switches(untracked, size, args, key=lambda p: p.id)  # per-frame index IDs, as jetson-inference

    result = {"video": args.video.name, "network": args.network, "frames": len(frames),
              "track_ids_handed_out": tracker.next_id - 1, "tracking": switches, "per_frame_index_ids": baseline}
    print(f"{args.video.name}: {len(frames)} frames, {args.network}, {tracker.next_id - 1} track ID(s) handed out")
    for person, r in switches.items():
        print(f"  {person:8s}: labelled in {r['frames']} frames, track IDs {r['track_ids']}, "
              f"ID switches {r['id_switches']} {r['switch_frames']}, re-entries {r['reentries']} "
              f"{r['reentry_frames']}  (per-frame index IDs: {baseline[person]['id_switches']} switches)")

    wall_ids = switches["acrobat"]["track_ids"]
    if wall_ids:
        wall = wall_ids[0]

        def smooth_series(min_cutoff, beta):
            sm = PoseSmoother(min_cutoff, beta)
            return track_series([sm.update(p, t) for p, t in zip(tracked, stamps)], wall)

        raw = track_series(tracked, wall)
        smooth = smooth_series(args.min_cutoff, args.beta)
        (r1, r2), (s1, s2) = jitter(raw), jitter(smooth)
        result["jitter"] = {"track_id": wall, "min_cutoff": args.min_cutoff, "beta": args.beta,
                            "raw_displacement_px": r1, "smoothed_displacement_px": s1,
                            "raw_acceleration_px": r2, "smoothed_acceleration_px": s2,
                            "lag_px": lag(raw, smooth)}
        print(f"  acrobat on the wall (track {wall}) One-Euro min_cutoff={args.min_cutoff} beta={args.beta}:\n"
              f"    mean frame-to-frame displacement {r1:.2f} -> {s1:.2f} px ({100 * (1 - s1 / r1):.0f}% less)\n"
              f"    mean acceleration (jitter)       {r2:.2f} -> {s2:.2f} px ({100 * (1 - s2 / r2):.0f}% less)\n"
              f"    mean smoothed-raw distance (lag) {result['jitter']['lag_px']:.2f} px")
        if args.sweep:
            print("    min_cutoff  beta    displacement  acceleration  lag")
            for mc in (0.3, 0.5, 1.0, 2.0, 4.0):
                for beta in (0.0, 0.005, 0.01, 0.05):
                    sm = smooth_series(mc, beta)
                    a1, a2 = jitter(sm)
                    print(f"    {mc:<10} {beta:<7} {a1:12.2f}  {a2:12.2f}  {lag(raw, sm):5.2f}")
    if args.sweep_tracker:
        print("  sigma_scale  min_similarity  min_hits  IDs  switches (acrobat, walker)")
        for scale in (1.0, 1.5, 2.0, 3.0):
            for ms in (0.05, 0.1, 0.2, 0.3):
                for mh in (1, 3):
                    tr = PoseTracker(max_lost=args.max_lost, min_similarity=ms, sigma_scale=scale, min_hits=mh)
                    r = id_switches([tr.update(p) for p in frames], size, args)
                    print(f"  {scale:<12} {ms:<15} {mh:<9} {tr.next_id - 1:<7} "
                          f"{r['acrobat']['id_switches']}, {r['walker']['id_switches']}")
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
