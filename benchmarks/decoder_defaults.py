#!/usr/bin/env python3
"""COCO keypoint AP of the PAF decoder's thresholds on several body sets (not a timed test).

    source scripts/ros_env.sh      # or PYTHONPATH / MODEL_MIRROR / JETSON_POSE_MODELS set
    python benchmarks/decoder_defaults.py [--network mobilenet-body] [--json sweep.json]

Sets: ``coco_val2017_dev`` and the mmpose test sets ``coco``, ``crowdpose`` and ``aic``.
CrowdPose and AI Challenger have 14 keypoints; they are mapped to COCO-17 by name
(``Right Shoulder`` -> ``right_shoulder``; ``head``, ``neck``, ``Head top`` have no COCO
keypoint and are dropped; COCO's face keypoints are then unlabelled, so COCOeval
ignores them) and scored with pycocotools like the others.  Their people have no
segmentation area: the box area stands in for it (OKS scale).

Each decoder parameter is varied alone around the current defaults (``link_threshold``,
``min_keypoints``, ``pose_threshold`` = minimum pose score), the network's outputs are computed once per image and
cached, so a row costs decoding and COCOeval only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "jetson_pose_ros"))

from jetson_pose_ros import PoseNet  # noqa: E402
from jetson_pose_ros.evaluation import accuracy as evaluation  # noqa: E402
from jetson_pose_ros.networks.single_stage import COCO17  # noqa: E402

SWEEP = {"link_threshold": [0.05, 0.1, 0.15, 0.2, 0.25, 0.3], "min_keypoints": [2, 3, 4, 5, 6],
         "pose_threshold": [0.0, 0.02, 0.05, 0.1, 0.15]}


def to_coco17(path: Path, out_dir: Path) -> Path:
    """A 14-keypoint annotation file -> COCO-17 by keypoint name (see the module doc)."""
    data = json.loads(path.read_text())
    names = [n.strip().lower().replace(" ", "_") for n in data["categories"][0]["keypoints"]]
    if names == list(COCO17):
        return path
    src = [names.index(n) if n in names else None for n in COCO17]
    for ann in data["annotations"]:
        kp = ann["keypoints"]
        new = []
        for s in src:
            new += [0, 0, 0] if s is None else kp[3 * s:3 * s + 3]
        ann["keypoints"] = new
        ann["num_keypoints"] = sum(1 for v in new[2::3] if v > 0)
        ann.setdefault("area", float(ann["bbox"][2] * ann["bbox"][3]))
        ann.setdefault("iscrowd", 0)
    cat = data["categories"][0]
    cat["keypoints"] = list(COCO17)
    cat["skeleton"] = []
    out = out_dir / f"{path.stem}_coco17.json"
    out.write_text(json.dumps(data))
    return out


def cached(backend):
    """Wrap ``backend.run`` so that the same input tensor is run once."""
    memo, run = {}, backend.run

    def wrapper(feeds, outputs=None):
        key = hashlib.sha1(b"".join(v.tobytes() for v in feeds.values())).hexdigest() + str(outputs)
        if key not in memo:
            memo[key] = run(feeds, outputs)
        return memo[key]
    backend.run = wrapper


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", default="mobilenet-body")
    p.add_argument("--shared", default=str(REPO.parent / "shared"), help="the shared folder (data/)")
    p.add_argument("--input-size", help="WIDTHxHEIGHT (default: the network's)")
    p.add_argument("--scales", help="test scales, e.g. 0.5,1.0,1.5")
    p.add_argument("--flip", action="store_true", help="flip test")
    p.add_argument("--only", help="sweep this parameter only")
    p.add_argument("--json", help="write every row here")
    p.add_argument("--write-coco17", metavar="DIR", help="only write the COCO-17 versions of crowdpose and aic "
                   "into DIR (for posenet-eval) and exit")
    args = p.parse_args(argv)
    data = Path(args.shared) / "data"
    mm = data / "mmpose_tests_data"
    tmp = Path(args.write_coco17 or tempfile.mkdtemp(prefix="decoder_defaults_"))
    if args.write_coco17:
        tmp.mkdir(parents=True, exist_ok=True)
        for name in ("crowdpose", "aic"):
            print(to_coco17(mm / name / f"test_{name}.json", tmp))
        return 0
    sets = {"coco_dev": (data / "coco_val2017_dev" / "person_keypoints_val2017_dev.json",
                         data / "coco_val2017_dev" / "images"),
            "mm_coco": (mm / "coco" / "test_coco.json", mm / "coco"),
            "crowdpose": (to_coco17(mm / "crowdpose" / "test_crowdpose.json", tmp), mm / "crowdpose"),
            "aic": (to_coco17(mm / "aic" / "test_aic.json", tmp), mm / "aic")}
    size = tuple(int(v) for v in args.input_size.split("x")) if args.input_size else None
    net = PoseNet(args.network, input_size=size, scales=args.scales, flip=args.flip or None)
    cached(net.model.backend)
    def put(k, v):
        setattr(net if k == "pose_threshold" else net.model.params, k, v)

    defaults = {k: (net.pose_threshold or 0.0) if k == "pose_threshold" else getattr(net.model.params, k)
                for k in SWEEP}
    loaded = {name: evaluation.load_keypoint_set(a, i, "body") for name, (a, i) in sets.items()}
    rows = []
    print(f"{args.network} {args.input_size or ''} scales {args.scales or 1.0} flip {args.flip}, defaults {defaults}; AP per set (AR in brackets)")
    print(f"{'parameter':<16} {'value':>6}  " + "  ".join(f"{n:>14}" for n in sets))
    for param, values in SWEEP.items():
        if args.only and param != args.only:
            continue
        for v in values:
            for k, d in defaults.items():
                put(k, d)
            put(param, v)
            row = {"parameter": param, "value": v}
            for name, ds in loaded.items():
                m, _ = evaluation.evaluate(net, ds, progress=False)
                row[name] = {"AP": m["AP"], "AR": m["AR"]}
            rows.append(row)
            mark = " *" if v == defaults[param] else ""
            print(f"{param:<16} {v:>6}  " + "  ".join(f"{row[n]['AP']:.3f} [{row[n]['AR']:.3f}]" for n in sets)
                  + mark)
    if args.json:
        Path(args.json).write_text(json.dumps({"network": args.network, "defaults": defaults, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
