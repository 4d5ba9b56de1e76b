"""Accuracy of every network x backend x precision, against ONNX Runtime fp32, in one run.

    python benchmarks/precision_eval.py --json precision_eval.json
    python benchmarks/precision_eval.py --network mobilenet-body --variants onnxruntime:f32,openvino:bf16

Body networks: COCO keypoint AP on ``shared/data/coco_val2017_dev``; hand networks: PCK@0.2 on the
OneHand10K, FreiHAND and Panoptic fixtures (their mean is the figure compared).  A variant *holds*
when it loses at most 0.005 (bf16) or 0.01 (int8) against ``onnxruntime f32`` (the issue-12 rule);
``f32`` on another backend must hold within 0.005 too.  Scored with ``jetson_pose_ros.evaluation.accuracy``,
the code behind ``posenet-eval``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

from jetson_pose_ros.evaluation import accuracy as ev  # noqa: E402
from jetson_pose_ros.core.errors import PoseNetError  # noqa: E402
from jetson_pose_ros.posenet import PoseNet  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
NETWORKS = ("mobilenet-body", "movenet-body", "yolo11n-body", "blazepose-body", "blazepose-body-lite",
            "mediapipe-hand", "mediapipe-hand-lite")
VARIANTS = "onnxruntime:f32,onnxruntime:int8,openvino:f32,openvino:bf16,openvino:int8"
TOLERANCE = {"f32": 0.005, "bf16": 0.005, "int8": 0.01}


def sets_for(network: str) -> list[tuple[str, Path, Path]]:
    if "hand" in network:
        base = SHARED / "mmpose_tests_data"
        return [(n, base / n / f"test_{n}.json", base / n) for n in ("onehand10k", "freihand", "panoptic")]
    return [("coco_val2017_dev", SHARED / "coco_val2017_dev" / "person_keypoints_val2017_dev.json",
             SHARED / "coco_val2017_dev" / "images")]


def score(network: str, backend: str, precision: str, threads: int | None) -> dict:
    net = PoseNet(network, 0.15, backend=backend, precision=precision, num_threads=threads)
    out = {"backend_used": net.model.backend_used, "sets": {}}
    for name, ann, images in sets_for(network):
        ds = ev.load_keypoint_set(ann, images)
        metrics, _ = ev.evaluate(net, ds, progress=False)
        out["sets"][name] = metrics["AP"] if ds.kind == "body" else metrics["PCK@0.2"]
    out["metric"] = "AP" if "hand" not in network else "PCK@0.2 (mean of 3 sets)"
    out["value"] = sum(out["sets"].values()) / len(out["sets"])
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", action="append", help="network(s) (default: every runnable one)")
    p.add_argument("--variants", default=VARIANTS, help=f"backend:precision list (default {VARIANTS})")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", help="write the results here")
    args = p.parse_args(argv)
    variants = [tuple(v.split(":")) for v in args.variants.split(",")]
    results = []
    for network in args.network or NETWORKS:
        ref = None
        for backend, precision in variants:
            row = {"network": network, "backend": backend, "precision": precision}
            try:
                row.update(score(network, backend, precision, args.threads))
            except Exception as exc:  # noqa: BLE001 - a runtime failure of one variant is a result too
                row["error"] = str(exc).strip().splitlines()[0] if isinstance(exc, PoseNetError) else \
                    f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"
                print(f"{network:20s} {backend:12s} {precision:5s} error: {exc}", flush=True)
                results.append(row)
                continue
            if (backend, precision) == ("onnxruntime", "f32"):
                ref = row["value"]
            if ref is not None:
                row["delta"] = row["value"] - ref
                row["holds"] = row["delta"] >= -TOLERANCE[precision] - 1e-9
            sets = "  ".join(f"{k} {v:.3f}" for k, v in row["sets"].items())
            verdict = "" if "holds" not in row else f"delta {row['delta']:+.4f} {'holds' if row['holds'] else 'FAILS'}"
            print(f"{network:20s} {backend:12s} {precision:5s} {row['metric']:26s} {row['value']:.4f}  "
                  f"{verdict:22s} [{sets}]", flush=True)
            results.append(row)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
