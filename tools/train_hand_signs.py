"""Train the hand-sign model (issue 23) and write jetson_pose_ros/jetson_pose_ros/gestures/hand_signs.json.

    python tools/train_hand_signs.py            # train on every dev row, write the weights
    python tools/train_hand_signs.py --cv       # also: block-wise 5-fold cross-validation first

Data: ``hand_keypoints_dev.csv`` of ``../shared/data/gestures`` (Open, Close, Pointer, OK ->
open_palm, closed_fist, pointing_up, ok) plus synthetic ``other`` hands built from the same rows
(``gestures/hand_training.py``).  Fixed seed, deterministic fit (L-BFGS): the same data gives the
same file.  The cross-validation holds out whole blocks of ~50 consecutive rows (the rows are
video frames; ``datasets.block_folds``) and trains on the other folds; it prints the per-class
accuracy of the shipped classifier (model + rules; pointing_up in any direction, the default) and
with the strict reading (pointing_up within 90 deg of up: pointing_tolerance=90), against the rules alone.
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
from jetson_pose_ros.gestures import hand_training as ht  # noqa: E402
from jetson_pose_ros.gestures.hand import classify_with_model  # noqa: E402
from jetson_pose_ros.gestures.hand_model import WEIGHTS  # noqa: E402

FOLDS = 5


def load_dev(data: Path):
    names = ds.read_labels(data / "hand_keypoints_labels.csv")
    ids, xy = ds.read_hand_keypoints(data / "hand_keypoints_dev.csv")
    return np.array([ds.HAND_MAP[names[i]] for i in ids]), xy


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("JETSON_POSE_SHARED", ROOT.parent / "shared"))
                    / "data" / "gestures")
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    ap.add_argument("--cv", action="store_true", help="block-wise cross-validation before training")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"gesture data not found at {args.data} (set --data or JETSON_POSE_SHARED)", file=sys.stderr)
        return 2
    truth, xy = load_dev(args.data)
    if args.cv:
        folds = ds.block_folds(truth, FOLDS)
        cols = {"rules": lambda h, m: classify_with_model(h, None)[0],
                "model+rules": lambda h, m: classify_with_model(h, m)[0],
                "rules, up only": lambda h, m: classify_with_model(h, None, pointing_tolerance=90.0)[0],
                "model+rules, up only": lambda h, m: classify_with_model(h, m, pointing_tolerance=90.0)[0]}
        preds = {}
        for name, fn in cols.items():
            if name.startswith("rules"):
                preds[name] = np.array(fn(xy, None))
            else:
                preds[name] = ht.cross_validate(xy, truth, folds, lambda h, m, fn=fn: fn(h, m))
        print(f"block-wise {FOLDS}-fold cross-validation on {len(truth)} dev rows (held-out blocks of ~50 rows)")
        print(f"{'class':<13}" + "".join(f"{n:>23}" for n in cols))
        for c in ds.HAND_MAP.values():
            m = truth == c
            print(f"{c:<13}" + "".join(f"{(p[m] == c).mean():>23.3f}" for p in preds.values()))
    model = ht.train(xy, truth)
    model.save(args.out)
    print(f"wrote {args.out}: {model.size} numbers ({args.out.stat().st_size} bytes), "
          f"{model.info['features']} features -> {model.info['hidden']} tanh -> {len(model.classes)} classes "
          f"{list(model.classes)}; seed {model.info['seed']}, {model.info['rows']} dev rows + "
          f"{model.info['synthetic_other']} synthetic 'other' hands")
    return 0


if __name__ == "__main__":
    sys.exit(main())
