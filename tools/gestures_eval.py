"""Issue 23's gesture figures on the dev data in ``shared/data/gestures`` (read its README).

    python tools/gestures_eval.py                 # everything, photos included (runs mediapipe-hand)
    python tools/gestures_eval.py --skip-photos   # keypoint data only

Every figure is validated on BLOCKS of consecutive rows (the rows are consecutive video frames):
each class's rows are cut into blocks of ~50 rows and whole blocks are dealt to 5 folds.  The
rules have nothing fitted to the folds, so their cross-validated figure is the pooled accuracy;
the per-fold minimum is printed beside it.  The hand-sign classifier's learned model is trained
(``gestures/hand_training.py``, as ``tools/train_hand_signs.py`` does) on 4 folds and scored on the
5th, on the same folds.

Prints: hand-sign confusion matrix + per-class accuracy (pointing_up with and without its up
condition; the rules alone), how every more_hands set's classes map (rules alone -> shipped),
photos end to end (found / right per class), trajectories per class, postures per class.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

from jetson_pose_ros.gestures import datasets as ds  # noqa: E402
from jetson_pose_ros.gestures.body import classify_postures  # noqa: E402
from jetson_pose_ros.gestures.hand import HAND_LABELS, classify_hand_gestures, classify_with_model  # noqa: E402
from jetson_pose_ros.gestures.hand_training import train as train_hand_signs  # noqa: E402
from jetson_pose_ros.gestures.motion import classify_motions  # noqa: E402

FOLDS = 5


def default_data() -> Path:
    shared = Path(os.environ.get("JETSON_POSE_SHARED", ROOT.parent / "shared"))
    return shared / "data" / "gestures"


def per_class(truth, pred, classes, folds=None) -> list[str]:
    truth, pred = np.asarray(truth), np.asarray(pred)
    lines = []
    for c in classes:
        m = truth == c
        acc = float((pred[m] == c).mean()) if m.any() else float("nan")
        extra = ""
        if folds is not None and m.any():
            fa = [float((pred[m & (folds == f)] == c).mean()) for f in range(FOLDS) if (m & (folds == f)).any()]
            extra = f"  (per fold min {min(fa):.3f})"
        lines.append(f"  {c:<18} n={int(m.sum()):5d}  accuracy {acc:.3f}{extra}")
    return lines


def confusion(truth, pred, classes, columns) -> list[str]:
    truth, pred = np.asarray(truth), np.asarray(pred)
    cols = [c for c in columns if (pred == c).any() or c in classes]
    head = "  truth \\ predicted " + "".join(f"{c[:11]:>12}" for c in cols)
    lines = [head]
    for c in classes:
        m = truth == c
        lines.append(f"  {c:<18}" + "".join(f"{int((pred[m] == p).sum()):>12d}" for p in cols))
    return lines


def hand_signs(data: Path) -> None:
    names = ds.read_labels(data / "hand_keypoints_labels.csv")
    ids, xy = ds.read_hand_keypoints(data / "hand_keypoints_dev.csv")
    truth = np.array([ds.HAND_MAP[names[i]] for i in ids])
    folds = ds.block_folds(truth, FOLDS)
    classes = list(ds.HAND_MAP.values())
    # the classifier as shipped (learned model + rules), the model trained on the other 4 folds
    pred = np.empty(len(truth), dtype=object)
    anydir = np.empty(len(truth), dtype=object)
    for f in range(FOLDS):
        model = train_hand_signs(xy[folds != f], truth[folds != f])
        pred[folds == f] = classify_with_model(xy[folds == f], model)[0]
        anydir[folds == f] = classify_with_model(xy[folds == f], model, pointing_tolerance=90.0)[0]
    pred, anydir = pred.astype(str), anydir.astype(str)
    rules = np.array(classify_with_model(xy, None)[0])
    print(f"== hand signs: hand_keypoints_dev.csv, {len(truth)} rows, {FOLDS} folds of ~50-row blocks; "
          "learned model + rules, the model trained on the other 4 folds each time")
    print("\n".join(per_class(truth, pred, classes, folds)))
    print("\n".join(confusion(truth, pred, classes, HAND_LABELS)))
    print("  the same, the strict reading: pointing_up within 90 deg of up (pointing_tolerance=90):")
    print("\n".join(per_class(truth, anydir, classes, folds)))
    print("\n".join(confusion(truth, anydir, classes, HAND_LABELS)))
    print("  rules alone (nothing fitted):")
    print("\n".join(per_class(truth, rules, classes, folds)))
    m = truth == "pointing_up"
    v = xy[m][:, [8, 9]] - xy[m][:, [5, 0]]
    ang = np.abs(np.degrees(np.arctan2(v[..., 0], -v[..., 1])))
    print("  Pointer rows whose index (knuckle->tip) is more than 90 deg from up: "
          f"{float((ang[:, 0] > 90).mean()):.3f}; whose index AND hand axis (wrist->middle knuckle) are: "
          f"{float((ang.min(1) > 90).mean()):.3f} (pointing_up cannot be right there)")


def more_hands(data: Path) -> None:
    print("== more_hands: each set's classes -> our labels (share of rows; top 3), rules alone -> shipped "
          "classifier (model trained on all dev rows)")
    for path in sorted((data / "more_hands").glob("*_keypoints_dev.csv")):
        who = path.name.replace("_keypoints_dev.csv", "")
        names = ds.read_labels(data / "more_hands" / f"{who}_labels.csv")
        ids, xy = ds.read_hand_keypoints(path)
        before = np.array(classify_with_model(xy, None)[0])
        pred = np.array(classify_hand_gestures(xy)[0])
        print(f"  {who} ({len(ids)} rows)")
        for c in np.unique(ids):
            m = ids == c
            shares = []
            for p in (before, pred):
                labs, counts = np.unique(p[m], return_counts=True)
                order = np.argsort(-counts)[:3]
                shares.append(", ".join(f"{labs[j]} {counts[j] / m.sum():.2f}" for j in order))
            print(f"    {c} {names[c]:<18} n={int(m.sum()):4d}: {shares[0]:<48} -> {shares[1]}")


def photos(data: Path) -> None:
    # heavy, on demand: OpenCV and the networks only for the photos part
    import cv2
    from jetson_pose_ros.posenet import PoseNet  # on demand (above)
    net = PoseNet("mediapipe-hand")
    print("== photos end to end: mediapipe-hand (PoseNet('mediapipe-hand').infer) + classify_hand_gestures, "
          "the best-scoring hand per photo")
    tot_found = tot_right = 0
    for folder, want in ds.PHOTO_MAP.items():
        files = sorted((data / "rps_photos_dev" / folder).glob("*.png"))
        found = right = 0
        got: dict[str, int] = {}
        for f in files:
            frame = net.infer(cv2.imread(str(f), cv2.IMREAD_COLOR))
            if len(frame) == 0:
                continue
            i = int(np.argmax(frame.pose_scores))
            lab = classify_hand_gestures(frame.xy[i:i + 1])[0][0]
            found += 1
            right += lab == want
            got[lab] = got.get(lab, 0) + 1
        tot_found += found
        tot_right += right
        print(f"  {folder:<9}-> {want:<12} photos {len(files):3d}  found {found:3d}  right {right:3d}"
              f"  ({right / max(found, 1):.3f} of found)  labels {dict(sorted(got.items()))}")
    print(f"  all: found {tot_found}, right {tot_right} = {tot_right / max(tot_found, 1):.3f} "
          "of the photos with a hand")


def trajectories(data: Path) -> None:
    names = ds.read_labels(data / "point_history_labels.csv")
    ids, pts = ds.read_trajectories(data / "point_history_dev.csv")
    truth = np.array([ds.MOTION_MAP[names[i]] for i in ids])
    folds = ds.block_folds(truth, FOLDS)
    pred = np.array(classify_motions(pts, ds.TRAJECTORY_PALM_PX)[0])
    print(f"== fingertip trajectories: point_history_dev.csv, {len(truth)} rows, rules, palm = "
          f"{ds.TRAJECTORY_PALM_PX:g} px, {int(np.isnan(pts[..., 0]).sum())} points missing")
    print("\n".join(per_class(truth, pred, list(ds.MOTION_MAP.values()), folds)))
    print(f"  all: {float((pred == truth).mean()):.3f}")
    print("\n".join(confusion(truth, pred, list(ds.MOTION_MAP.values()), ("none",) + tuple(ds.MOTION_MAP.values()))))


def postures(data: Path) -> None:
    names, coco, _ = ds.read_body_poses(data / "body_pose_fitness_dev.csv")
    truth = np.array([ds.POSTURE_MAP[n] for n in names])
    pred = np.array(classify_postures(coco)[0])
    print(f"== postures: body_pose_fitness_dev.csv -> COCO-17 keypoints (x, y only), {len(truth)} rows")
    for src, want in ds.POSTURE_MAP.items():
        m = np.array(names) == src
        labs, counts = np.unique(pred[m], return_counts=True)
        print(f"  {src:<13}-> {want:<10} n={int(m.sum()):3d}  accuracy {float((pred[m] == want).mean()):.3f}  "
              f"{dict(zip(labs.tolist(), counts.tolist()))}")
    print(f"  all: {float((pred == truth).mean()):.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=default_data(), help="shared/data/gestures")
    ap.add_argument("--skip-photos", action="store_true", help="do not run mediapipe-hand on the photos")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"gesture data not found at {args.data} (set --data or JETSON_POSE_SHARED)", file=sys.stderr)
        return 2
    hand_signs(args.data)
    more_hands(args.data)
    trajectories(args.data)
    postures(args.data)
    if not args.skip_photos:
        photos(args.data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
