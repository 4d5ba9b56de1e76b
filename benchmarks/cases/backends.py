"""Every network x backend x precision, interleaved in one process (the speed table of
[Backends and precision] and the pre + post target of [Speed]).

For each network all its variants are loaded, then each round passes over every image once per
variant, the variants' order rotating from round to round, so that load on a shared machine falls
on all of them alike.  Per variant: median and p10/p90 across rounds of the mean per-frame latency
of each stage (image read, preprocess, inference, decode = the network's post-processing), FPS,
pre + post as % of inference, and the ratio to ONNX Runtime f32.  Stages and statistics are
``posenet-bench``'s (``jetson_pose_ros.evaluation.speed``).  Images: the jetson-inference photos
for body networks, the OneHand10K + FreiHAND + Panoptic photos for hand networks.
"""
from __future__ import annotations

import time

from suite import data

TITLE = "per-stage latency of every network x backend x precision, interleaved"
TARGET = "pre + post <= 10 % of inference for every network (issue 2)"
NEEDS = ("shared_data",)
PARAMS = {"networks": "mobilenet-body,movenet-body,yolo11n-body,blazepose-body,blazepose-body-lite,"
                      "mediapipe-hand,mediapipe-hand-lite",
          "variants": "onnxruntime:f32,onnxruntime:int8,openvino:f32,openvino:bf16,openvino:int8,auto:auto",
          "repeat": 5, "warmup": 3, "threads": 2, "max_images": 0}
QUICK = {"networks": "mobilenet-body,movenet-body,mediapipe-hand-lite", "variants": "onnxruntime:f32,openvino:f32",
         "repeat": 3, "warmup": 2, "max_images": 4}


def _pass(net, paths, stages) -> dict:
    import cv2  # heavy: OpenCV, on demand in run()

    sums = dict.fromkeys(stages, 0.0)
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


def bench_network(network: str, variants, paths, p: dict) -> list[dict]:
    import cv2  # heavy: OpenCV, on demand in run()

    from jetson_pose_ros.core.errors import PoseNetError  # heavy: the package, on demand in run()
    from jetson_pose_ros.evaluation import speed  # heavy: the package, on demand in run()
    from jetson_pose_ros.posenet import PoseNet  # heavy: networks and backends, on demand in run()

    nets, rows = {}, []
    for backend, precision in variants:
        try:
            t = time.perf_counter()
            net = PoseNet(network, backend=backend, precision=precision, num_threads=p["threads"])
            load = (time.perf_counter() - t) * 1e3
            img = cv2.imread(str(paths[0]))
            for _ in range(p["warmup"]):
                net.process(img.copy(), overlay=None)
            nets[(backend, precision)] = (net, load)
        except PoseNetError as exc:
            rows.append({"network": network, "backend": backend, "precision": precision, "error": str(exc)})
    keys = list(nets)
    runs = {k: [] for k in keys}
    for r in range(p["repeat"]):
        for k in keys[r % len(keys):] + keys[:r % len(keys)]:
            runs[k].append(_pass(nets[k][0], paths, speed.STAGES))
    for (backend, precision), (net, load) in nets.items():
        rows.append({"network": network, "backend": backend, "precision": precision,
                     "used": net.model.backend_used, "load_ms": load, "runs_ms": runs[(backend, precision)],
                     **speed.summarize(runs[(backend, precision)])})
    return rows


def run(p: dict) -> dict:
    from jetson_pose_ros.evaluation import speed  # heavy: the package, on demand

    data.use_model_mirror()
    variants = [tuple(v.split(":")) for v in p["variants"].split(",")]
    body = speed.list_images(data.photos())
    hands = sum((speed.list_images(data.data("mmpose_tests_data", s)) for s in ("onehand10k", "freihand", "panoptic")),
                [])
    rows = []
    for network in p["networks"].split(","):
        paths = hands if "hand" in network else body
        rows += bench_network(network, variants, paths[:p["max_images"] or None], p)
    ref = {r["network"]: r["stages_ms"]["total"]["median"] for r in rows
           if "error" not in r and (r["backend"], r["precision"]) == ("onnxruntime", "f32")}
    for r in rows:
        if "error" not in r and r["network"] in ref:
            r["total_vs_onnxruntime_f32"] = r["stages_ms"]["total"]["median"] / ref[r["network"]]
    return {"unit": "ms per frame", "rows": rows, "target_pre_decode_pct": 10.0}


def plot(result: dict, fig) -> None:
    ax = fig.subplots()
    rows = [r for r in result["rows"] if "error" not in r]
    bottom = [0.0] * len(rows)
    for i, stage in enumerate(("read", "preprocess", "inference", "decode")):
        vals = [r["stages_ms"][stage]["median"] for r in rows]
        ax.bar(range(len(rows)), vals, bottom=bottom, color=f"C{i}", label=stage)
        bottom = [b + v for b, v in zip(bottom, vals)]
    for i, r in enumerate(rows):
        ax.text(i, bottom[i], f"{r['pre_decode_pct_of_inference']:.1f}%", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(rows)), [f"{r['network']}\n{r['backend']} {r['precision']}" for r in rows],
                  fontsize=7, rotation=90 if len(rows) > 8 else 0)
    ax.set_ylabel("ms per frame (median; above each bar: pre + post / inference)")
    ax.legend(fontsize=8)
