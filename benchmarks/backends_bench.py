"""Every network x backend x precision, interleaved in one process (issue 12's speed table).

    python benchmarks/backends_bench.py --repeat 5 --json backends_bench.json
    python benchmarks/backends_bench.py --network mobilenet-body --variants onnxruntime:f32,openvino:bf16

For each network all its variants are loaded, then each round passes over every image once per
variant, the variants' order rotating from round to round, so that load on a shared machine falls
on all of them alike.  Per variant: median and p10-p90 across rounds of the mean per-frame
latency of each stage (preprocess, inference, decode = the network's post-processing), the
end-to-end time (image read + ``PoseNet.process`` without overlay), FPS, pre+decode as % of
inference, and the ratio to ONNX Runtime f32.  Stages and statistics are ``benchmark.py``'s.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

import cv2  # noqa: E402

from jetson_pose_ros.evaluation import speed as benchmark  # noqa: E402
from jetson_pose_ros.core.errors import PoseNetError  # noqa: E402
from jetson_pose_ros.posenet import PoseNet  # noqa: E402

NETWORKS = ("mobilenet-body", "movenet-body", "yolo11n-body", "blazepose-body", "blazepose-body-lite",
            "mediapipe-hand", "mediapipe-hand-lite")
VARIANTS = "onnxruntime:f32,onnxruntime:int8,openvino:f32,openvino:bf16,openvino:int8,auto:auto"


def one_pass(net, paths) -> dict:
    sums = dict.fromkeys(benchmark.STAGES, 0.0)
    for p in paths:
        t = time.perf_counter()
        img = cv2.imread(str(p), cv2.IMREAD_COLOR)
        sums["read"] += (time.perf_counter() - t) * 1e3
        net.process(img, overlay=None)
        tm = net.timings
        sums["preprocess"] += tm.get("preprocess", 0.0)
        sums["inference"] += tm.get("inference", 0.0)
        sums["decode"] += tm.get("decode", 0.0)
    return {k: v / len(paths) for k, v in sums.items()}


def bench_network(network, variants, paths, repeat, warmup, threads) -> list[dict]:
    nets, rows = {}, []
    for backend, precision in variants:
        try:
            t = time.perf_counter()
            net = PoseNet(network, backend=backend, precision=precision, num_threads=threads)
            load = (time.perf_counter() - t) * 1e3
            img = cv2.imread(str(paths[0]))
            for _ in range(warmup):
                net.process(img.copy(), overlay=None)
            nets[(backend, precision)] = (net, load)
        except PoseNetError as exc:
            rows.append({"network": network, "backend": backend, "precision": precision, "error": str(exc)})
    runs = {k: [] for k in nets}
    keys = list(nets)
    for r in range(repeat):
        for k in keys[r % len(keys):] + keys[:r % len(keys)] if keys else []:
            runs[k].append(one_pass(nets[k][0], paths))
    for (backend, precision), (net, load) in nets.items():
        s = benchmark.summarize(runs[(backend, precision)])
        rows.append({"network": network, "backend": backend, "precision": precision,
                     "used": net.model.backend_used, "load_ms": load, "runs_ms": runs[(backend, precision)], **s})
    return rows


def fmt(rows) -> str:
    ref = {r["network"]: r["stages_ms"]["total"]["median"] for r in rows
           if "error" not in r and (r["backend"], r["precision"]) == ("onnxruntime", "f32")}
    head = f"{'network':20s} {'variant':20s} {'pre':>5s} {'inference [p10-p90]':>20s} {'decode':>6s} " \
           f"{'end-to-end [p10-p90]':>21s} {'FPS':>6s} {'pre+decode/inf':>14s} {'vs ORT f32':>10s}"
    out = [head, "-" * len(head)]
    for r in rows:
        name = f"{r['backend']} {r['precision']}" + (f" ({r['used']})" if r.get("used") and r["backend"] == "auto" else "")
        if "error" in r:
            out.append(f"{r['network']:20s} {name:20s} error: {r['error']}")
            continue
        st = r["stages_ms"]
        rng = lambda s: f"{s['median']:.1f} [{s['p10']:.1f}-{s['p90']:.1f}]"  # noqa: E731
        ratio = st["total"]["median"] / ref[r["network"]] if r["network"] in ref else float("nan")
        out.append(f"{r['network']:20s} {name:20s} {st['preprocess']['median']:5.1f} {rng(st['inference']):>20s} "
                   f"{st['decode']['median']:6.1f} {rng(st['total']):>21s} {r['fps']:6.1f} "
                   f"{r['pre_decode_pct_of_inference']:13.1f}% {ratio:10.2f}")
    return "\n".join(out) + "\n(ms per frame; end-to-end = image read + preprocess + inference + decode)"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", action="append", help="network(s) (default: every runnable one)")
    p.add_argument("--variants", default=VARIANTS, help=f"backend:precision list (default {VARIANTS})")
    p.add_argument("--images", help="image folder (default: the jetson-inference photos; hand networks: "
                   "the OneHand10K + FreiHAND + Panoptic photos)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json")
    args = p.parse_args(argv)
    variants = [tuple(v.split(":")) for v in args.variants.split(",")]
    data = ROOT.parent / "shared" / "data"
    body = benchmark.list_images(args.images) if args.images else benchmark.list_images(
        data / "jetson_inference" / "images")
    hands = sum((benchmark.list_images(data / "mmpose_tests_data" / s) for s in ("onehand10k", "freihand", "panoptic")),
                []) if not args.images else body
    rows = []
    for network in args.network or NETWORKS:
        rows += bench_network(network, variants, hands if "hand" in network else body, args.repeat, args.warmup,
                              args.threads)
        print(f"{network}: done", file=sys.stderr, flush=True)
    print(fmt(rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"threads": args.threads, "repeat": args.repeat, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
