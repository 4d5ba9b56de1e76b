"""Cost of the gestures per frame (issue 23): ``FrameGestures.update`` on frames of real keypoints
from shared/data/gestures (different rows every frame, so histories and debouncing do real work).

Variants, interleaved (``suite.timing``), each over the same ``frames`` frames:

* ``noop``: a call that does nothing with the frame (the baseline);
* ``bodies``: N tracked COCO-17 bodies: static gestures, pointing, posture, waving, debouncing
  (all a node runs per frame);
* ``hands``: N tracked 21-keypoint hands: signs (one batch), fingertip trajectories, debouncing;
* ``hand_signs_batch``: ``classify_hand_gestures`` alone on the N hands.

Reported per variant: median and p10/p90 over rounds of ms per frame, wall and CPU time, and the
median minus the no-op's.
"""
from __future__ import annotations

import numpy as np

from suite import data, timing

TITLE = "gestures + posture per frame, 5 people (FrameGestures.update)"
TARGET = "gestures + posture <= 0.3 ms per frame with 5 people (bodies; 5 hands are reported beside)"
NEEDS = ("shared_data",)
PARAMS = {"people": 5, "rounds": 40, "frames": 200}
QUICK = {"rounds": 8, "frames": 50}


def _frames(xy, names, people: int, count: int):
    from jetson_pose_ros.core.pose import PoseFrame  # heavy: the package, on demand in run()

    out = []
    for f in range(count):
        pts = xy[(np.arange(people) * 97 + f) % len(xy)]           # consecutive rows per person
        n, k = pts.shape[:2]
        out.append(PoseFrame(pts, np.ones((n, k)), np.zeros((n, 4)), np.ones(n), np.arange(people),
                             [{} for _ in range(n)], keypoint_names=list(names)))
    return out


def run(p: dict) -> dict:
    # heavy: the package's gesture modules, on demand (--list imports every case)
    from jetson_pose_ros.core.topology import load_topology
    from jetson_pose_ros.gestures import datasets as ds  # heavy: on demand
    from jetson_pose_ros.gestures.body import COCO17  # heavy: on demand
    from jetson_pose_ros.gestures.frame import FrameGestures  # heavy: on demand
    from jetson_pose_ros.gestures.hand import classify_hand_gestures  # heavy: on demand

    folder = data.data("gestures")
    _, coco, _ = ds.read_body_poses(folder / "body_pose_fitness_dev.csv")
    _, hands = ds.read_hand_keypoints(folder / "hand_keypoints_dev.csv")
    hands = hands * 120.0 + 320.0                                   # pixels, as a network gives them
    bodies = _frames(coco, COCO17, p["people"], p["frames"])
    hand_frames = _frames(hands, load_topology("hand_pose.json").keypoints, p["people"], p["frames"])
    body_state, hand_state = FrameGestures(), FrameGestures()

    def over(fn, frames):
        def call():
            for fr in frames:
                fn(fr)
        return call

    variants = {"noop": over(lambda fr: None, bodies), "bodies": over(body_state.update, bodies),
                "hands": over(hand_state.update, hand_frames),
                "hand_signs_batch": over(lambda fr: classify_hand_gestures(fr.xy), hand_frames)}
    wall, cpu = timing.interleaved(variants, p["rounds"], 1)
    out = {"unit": "ms per frame", "variants": {}}
    for kind, times in (("wall", wall), ("cpu", cpu)):
        base = timing.spread(times["noop"])["median"] / p["frames"]
        for name, values in times.items():
            s = timing.spread([v / p["frames"] for v in values])
            s["minus_noop"] = s["median"] - base
            out["variants"].setdefault(name, {})[kind] = s
    out["target_ms"] = 0.3          # people: body gestures + posture; hands have no posture (reported)
    out["met"] = out["variants"]["bodies"]["wall"]["minus_noop"] <= 0.3
    return out


def plot(result: dict, fig) -> None:
    ax = fig.subplots()
    names = [n for n in result["variants"] if n != "noop"]
    for i, kind in enumerate(("wall", "cpu")):
        med = [result["variants"][n][kind]["minus_noop"] for n in names]
        lo = [result["variants"][n][kind]["median"] - result["variants"][n][kind]["p10"] for n in names]
        hi = [result["variants"][n][kind]["p90"] - result["variants"][n][kind]["median"] for n in names]
        ax.bar([x + 0.38 * i for x in range(len(names))], med, 0.38, yerr=[lo, hi], capsize=3,
               label=f"{kind} time (p10-p90)")
    ax.axhline(result["target_ms"], color="C3", ls="--", label=f"target {result['target_ms']} ms")
    ax.set_xticks([x + 0.19 for x in range(len(names))], names)
    ax.set_ylabel("ms per frame, minus the no-op")
    ax.legend(fontsize=8)
