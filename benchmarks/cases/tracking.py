"""Tracking and smoothing on shared/data/video/sports2d_demo.mp4 (two people, 230 frames).

The network runs on every frame once (``PoseNet.infer``), then:

* **ID switches.**  Reference identity of each detected pose, independent of the tracker, from
  what the clip shows (checked by eye on frames 0-229): the "acrobat" balances on top of the wall
  (upper half of the frame) until frame ~150, flips down in front of the sun (almost never
  detected: frames ~140-187) and lands on the ground right of the middle (frame >= 185); the
  "walker" enters on the ground at the right (frame 38), walks left and leaves (frame ~205).  So a
  pose whose hip/knee/ankle keypoints (or, without them, all keypoints) have a mean y above
  ``split`` of the frame height is the acrobat; below it, the acrobat if frame >= LANDED and mean
  x >= half the width, else the walker.  Poses with fewer than ``min_keypoints`` keypoints are
  ignored (fragments), as are poses whose mean y lies within ``margin`` of the split; of several
  poses labelled as one person in a frame, the one with most keypoints is that person.  An ID
  switch is a change of a person's track ID between two labelled frames at most ``max_lost``
  frames apart; a new ID after a longer gap is a re-entry (no appearance re-identification).
  Compared with jetson-inference's per-frame index IDs.  Target: 0 switches.
* **Jitter.**  For the acrobat's first track: mean frame-to-frame displacement of the keypoints
  and mean acceleration (second difference, the usual jitter measure), raw against One-Euro
  smoothed, and the smoothing's lag (mean distance smoothed - raw), px.

``sweep``: also jitter/lag for a grid of One-Euro parameters; ``sweep_tracker``: ID switches for
a grid of tracker parameters.
"""
from __future__ import annotations

import time

import numpy as np

from suite import data

TITLE = "tracking ID switches and One-Euro jitter on sports2d_demo.mp4"
TARGET = "0 ID switches for both people (track IDs, not per-frame indices)"
NEEDS = ("shared_data",)
PARAMS = {"network": "mobilenet-body", "threshold": 0.15, "max_lost": 30, "min_similarity": 0.1, "min_hits": 3,
          "min_cutoff": 1.0, "beta": 0.01, "split": 0.55, "margin": 0.05, "min_keypoints": 5,
          "sweep": False, "sweep_tracker": False}
QUICK = {}

LANDED = 185          # first frame where the acrobat is on the ground (see above)
PERSONS = ("acrobat", "walker")
LOWER = ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")


def detect(network: str, threshold: float):
    from jetson_pose_ros.io import open_source  # heavy: video input, on demand in run()
    from jetson_pose_ros.posenet import PoseNet  # heavy: a network and its backend, on demand in run()

    data.use_model_mirror()
    net = PoseNet(network, threshold)
    frames, stamps, size = [], [], (0, 0)
    t0 = time.perf_counter()
    for f in open_source(str(data.data("video", "sports2d_demo.mp4"))):
        if f.image is None:
            raise RuntimeError(f"decode error: {f.error}")
        size = (f.image.shape[1], f.image.shape[0])
        frames.append(net.infer(f.image))
        stamps.append(f.timestamp)
    return frames, stamps, size, (time.perf_counter() - t0) / len(frames) * 1e3, net.model.backend_used


def person_label(frame, i: int, index: int, size, p: dict) -> str | None:
    found = frame.found[i]
    if found.sum() < p["min_keypoints"]:
        return None
    width, height = size
    lower = [k for k, name in enumerate(frame.keypoint_names) if name in LOWER and found[k]]
    y = float(np.mean(frame.xy[i, lower if lower else found, 1])) / height
    if abs(y - p["split"]) < p["margin"]:
        return None
    if y < p["split"]:
        return "acrobat"
    x = float(np.mean(frame.xy[i, found, 0])) / width
    return "acrobat" if index >= LANDED and x >= 0.5 else "walker"


def id_switches(frames, ids, size, p: dict) -> dict:
    """Per person: the IDs (``ids[frame][pose]``; < 0 = not yet confirmed, not counted) it had."""
    out = {}
    for person in PERSONS:
        seen, switches, reentries, count, last, last_frame = [], [], [], 0, None, None
        for index, (frame, fid) in enumerate(zip(frames, ids)):
            mine = [i for i in range(len(frame))
                    if fid[i] >= 0 and person_label(frame, i, index, size, p) == person]
            if not mine:
                continue
            i = max(mine, key=lambda j: int(frame.found[j].sum()))     # the person itself, not a fragment
            key = int(fid[i])
            count += 1
            if key not in seen:
                seen.append(key)
            if last is not None and key != last:
                (switches if index - last_frame <= p["max_lost"] + 1 else reentries).append(index)
            last, last_frame = key, index
        out[person] = {"frames": count, "track_ids": seen, "id_switches": len(switches), "switch_frames": switches,
                       "reentries": len(reentries), "reentry_frames": reentries}
    return out


def series(frames, track: int) -> list[dict[int, np.ndarray]]:
    out = []
    for f in frames:
        rows = np.flatnonzero(f.track_ids == track)
        out.append({int(k): f.xy[rows[0], k] for k in np.flatnonzero(f.found[rows[0]])} if len(rows) else {})
    return out


def jitter(s: list[dict]) -> tuple[float, float]:
    """Mean frame-to-frame displacement and mean |second difference| (px)."""
    d1, d2 = [], []
    for i in range(1, len(s)):
        a, b = s[i - 1], s[i]
        d1 += [float(np.hypot(*(b[k] - a[k]))) for k in a.keys() & b.keys()]
        if i >= 2:
            z = s[i - 2]
            d2 += [float(np.hypot(*(b[k] - 2 * a[k] + z[k]))) for k in a.keys() & b.keys() & z.keys()]
    return float(np.mean(d1)), float(np.mean(d2))


def lag(raw: list[dict], smooth: list[dict]) -> float:
    return float(np.mean([np.hypot(*(s[k] - r[k])) for r, s in zip(raw, smooth) for k in r.keys() & s.keys()]))


def run(p: dict) -> dict:
    # heavy: the package's tracking, on demand (--list imports every case)
    from jetson_pose_ros.pipeline.smoothing import PoseSmoother
    from jetson_pose_ros.pipeline.tracking import PoseTracker  # heavy: on demand

    frames, stamps, size, ms, backend = detect(p["network"], p["threshold"])
    tracker = PoseTracker(max_lost=p["max_lost"], min_similarity=p["min_similarity"], min_hits=p["min_hits"])
    tracked = [tracker.update(f) for f in frames]
    out = {"video": "sports2d_demo.mp4", "network": p["network"], "backend": backend, "frames": len(frames),
           "network_ms_per_frame": ms, "track_ids_handed_out": tracker.next_id - 1,
           "tracking": id_switches(tracked, [f.track_ids for f in tracked], size, p),
           "per_frame_index_ids": id_switches(frames, [np.arange(len(f)) + 1 for f in frames], size, p)}
    out["met"] = all(r["id_switches"] == 0 for r in out["tracking"].values())
    wall_ids = out["tracking"]["acrobat"]["track_ids"]
    if wall_ids:
        wall = wall_ids[0]

        def smoothed(min_cutoff, beta):
            sm = PoseSmoother(min_cutoff, beta)
            return series([sm.update(f, t) for f, t in zip(tracked, stamps)], wall)

        raw, smooth = series(tracked, wall), smoothed(p["min_cutoff"], p["beta"])
        (r1, r2), (s1, s2) = jitter(raw), jitter(smooth)
        out["jitter"] = {"track_id": wall, "min_cutoff": p["min_cutoff"], "beta": p["beta"],
                         "raw_displacement_px": r1, "smoothed_displacement_px": s1,
                         "raw_acceleration_px": r2, "smoothed_acceleration_px": s2, "lag_px": lag(raw, smooth)}
        if p["sweep"]:
            out["smoothing_sweep"] = [
                dict(zip(("min_cutoff", "beta", "displacement_px", "acceleration_px"), (mc, b, *jitter(sm))),
                     lag_px=lag(raw, sm))
                for mc in (0.3, 0.5, 1.0, 2.0, 4.0) for b in (0.0, 0.005, 0.01, 0.05) for sm in [smoothed(mc, b)]]
    if p["sweep_tracker"]:
        rows = []
        for scale in (1.0, 1.5, 2.0, 3.0):
            for ms_ in (0.05, 0.1, 0.2, 0.3):
                for mh in (1, 3):
                    tr = PoseTracker(max_lost=p["max_lost"], min_similarity=ms_, sigma_scale=scale, min_hits=mh)
                    tf = [tr.update(f) for f in frames]
                    r = id_switches(tf, [f.track_ids for f in tf], size, p)
                    rows.append({"sigma_scale": scale, "min_similarity": ms_, "min_hits": mh, "ids": tr.next_id - 1,
                                 **{f"{k}_switches": v["id_switches"] for k, v in r.items()}})
        out["tracker_sweep"] = rows
    return out


def plot(result: dict, fig) -> None:
    left, right = fig.subplots(1, 2)
    x = np.arange(len(PERSONS))
    for i, (key, label) in enumerate((("tracking", "track IDs"), ("per_frame_index_ids", "per-frame index"))):
        left.bar(x + 0.4 * i, [result[key][n]["id_switches"] for n in PERSONS], 0.4, label=label)
    left.set_xticks(x + 0.2, [f"{n}\n({result['tracking'][n]['frames']} frames)" for n in PERSONS])
    left.set_ylabel("ID switches (target 0)")
    left.set_title(f"{result['network']} ({result['backend']}), {result['frames']} frames", fontsize=9)
    left.legend(fontsize=8)
    j = result.get("jitter")
    if j:
        names = ("displacement", "acceleration")
        right.bar(np.arange(2), [j[f"raw_{n}_px"] for n in names], 0.4, label="raw")
        right.bar(np.arange(2) + 0.4, [j[f"smoothed_{n}_px"] for n in names], 0.4,
                  label=f"One-Euro {j['min_cutoff']}/{j['beta']}")
        right.set_xticks(np.arange(2) + 0.2, ["frame-to-frame\ndisplacement", "acceleration\n(jitter)"])
        right.set_ylabel("px, mean over keypoints")
        right.set_title(f"acrobat on the wall (track {j['track_id']}); lag {j['lag_px']:.2f} px", fontsize=9)
        right.legend(fontsize=8)
