"""Issue 20 acceptance for ``auto``: in one run, every installable network with onnxruntime f32,
openvino f32, openvino bf16 and ``auto`` (first start, before the others: empty tuning and
compiled-model caches, so ``auto`` times its candidates while loading; second start, after them:
the cached choice), each configuration in its own
process (``posenet-bench``'s machinery, ``jetson_pose_ros.evaluation.speed``).

    python benchmarks/auto_acceptance.py --images ../shared/data/jetson_inference/images --threads 2 \\
        --json auto_acceptance.json

Reports per network the total ms/frame of each pair, which pairs are accuracy-verified
(``models/candidates.json``), auto's choice, auto's total against the fastest verified pair
(target: within 5 %), and the load time of the first and second start.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

from jetson_pose_ros.evaluation import speed as benchmark  # noqa: E402
from jetson_pose_ros.runtime import choice, tuning  # noqa: E402

NETWORKS = ("mobilenet-body", "movenet-body", "yolo11n-body", "blazepose-body", "blazepose-body-lite",
            "blazepose-body18", "mediapipe-hand", "mediapipe-hand-lite")
PAIRS = (("onnxruntime", "f32"), ("openvino", "f32"), ("openvino", "bf16"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", required=True)
    ap.add_argument("--network", action="append")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--max-images", type=int)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    images = benchmark.list_images(args.images)[:args.max_images]
    # first start: nothing cached (neither the choice nor OpenVINO's compiled models)
    os.environ["JETSON_POSE_TUNE_CACHE"] = tempfile.mkdtemp(prefix="tune-")
    os.environ["JETSON_POSE_OV_CACHE"] = tempfile.mkdtemp(prefix="ov-")
    rows = []
    for network in args.network or NETWORKS:
        cfg = lambda b, p: benchmark.BenchConfig(network, None, args.threads, 1, b, 0.15,  # noqa: E731
                                                  "links,keypoints", {} if p == "auto" else {"precision": p})
        configs = [cfg("auto", "auto")] + [cfg(b, p) for b, p in PAIRS] + [cfg("auto", "auto")]
        res = benchmark.run_all(configs, images, args.repeat, args.warmup, isolate=True, progress=False)
        totals = {f"{b} {p}": r["stages_ms"]["total"]["median"] for (b, p), r in zip(PAIRS, res[1:4])
                  if "error" not in r}
        verified = [" ".join(c) for c in choice.candidates(network)]
        first, second = res[0], res[4]
        row = {"network": network, "totals_ms": totals, "verified": verified,
               "errors": {f"{c.backend} {c.options.get('precision', 'auto')}": r["error"]
                          for c, r in zip(configs, res) if "error" in r}}
        if "error" not in first and "error" not in second:
            fastest = min((k for k in totals if k in verified), key=totals.get, default=None)
            auto_ms = second["stages_ms"]["total"]["median"]
            row.update(auto=second["backend_used"], auto_first=first["backend_used"], auto_ms=auto_ms,
                       auto_first_ms=first["stages_ms"]["total"]["median"],
                       first_start_s=first["load_ms"] / 1e3, second_start_s=second["load_ms"] / 1e3,
                       fastest_verified=fastest, fastest_ms=totals.get(fastest),
                       ratio=auto_ms / totals[fastest] if fastest else None)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\n{tuning.cpu_model()}, {os.cpu_count()} CPUs, threads {args.threads}, {len(images)} images x "
          f"{args.repeat} repeats; total ms/frame (median); * = accuracy-verified candidate")
    print("| network | onnxruntime f32 | openvino f32 | openvino bf16 | auto (choice) | auto / fastest verified | "
          "first start (tuning) | second start (cached) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cells = [f"{r['totals_ms'][k]:.1f}{'*' if k in r['verified'] else ''}" if k in r["totals_ms"] else "error"
                 for k in (" ".join(p) for p in PAIRS)]
        if "auto_ms" in r:
            tail = [f"{r['auto_ms']:.1f} ({r['auto']})", f"{r['ratio']:.3f}" if r["ratio"] else "-",
                    f"{r['first_start_s']:.1f} s", f"{r['second_start_s']:.1f} s"]
        else:
            tail = ["error", "-", "-", "-"]
        print(f"| {r['network']} | " + " | ".join(cells + tail) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps({"cpu": tuning.cpu_model(), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
