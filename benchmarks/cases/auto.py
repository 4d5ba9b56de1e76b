"""``--backend auto`` against each backend/precision pair (issue 20): every network with
onnxruntime f32, openvino f32, openvino bf16 and ``auto`` (first start, before the others: empty
tuning and compiled-model caches, so ``auto`` times its candidates while loading; second start,
after them: the cached choice), each configuration in its own process (``posenet-bench``'s
machinery, ``jetson_pose_ros.evaluation.speed``).

Reported per network: the total ms per frame of each pair, which pairs are accuracy-verified
(``models/candidates.json``), auto's choice, auto's total against the fastest verified pair, and
the load time of the first and second start.
"""
from __future__ import annotations

import os
import tempfile

from suite import data

TITLE = "auto's choice against each backend/precision pair, first and second start"
TARGET = "auto within 5 % of the fastest accuracy-verified pair (issue 20)"
NEEDS = ("shared_data",)
PARAMS = {"networks": "mobilenet-body,movenet-body,yolo11n-body,blazepose-body,blazepose-body-lite,"
                      "blazepose-body18,mediapipe-hand,mediapipe-hand-lite",
          "threads": 2, "repeat": 3, "warmup": 2, "max_images": 0}
QUICK = {"networks": "movenet-body", "repeat": 2, "warmup": 1, "max_images": 3}
PAIRS = (("onnxruntime", "f32"), ("openvino", "f32"), ("openvino", "bf16"))


def run(p: dict) -> dict:
    from jetson_pose_ros.evaluation import speed  # heavy: the package, on demand
    from jetson_pose_ros.runtime import choice  # heavy: the package, on demand

    data.use_model_mirror()
    images = speed.list_images(data.photos())[:p["max_images"] or None]
    # first start: nothing cached (neither the choice nor OpenVINO's compiled models); the children inherit it
    saved = {k: os.environ.get(k) for k in ("JETSON_POSE_TUNE_CACHE", "JETSON_POSE_OV_CACHE")}
    os.environ["JETSON_POSE_TUNE_CACHE"] = tempfile.mkdtemp(prefix="tune-")
    os.environ["JETSON_POSE_OV_CACHE"] = tempfile.mkdtemp(prefix="ov-")
    rows = []
    try:
        for network in p["networks"].split(","):
            def cfg(b, pr):
                return speed.BenchConfig(network, None, p["threads"], 1, b, 0.15, "links,keypoints",
                                         {} if pr == "auto" else {"precision": pr})
            configs = [cfg("auto", "auto")] + [cfg(b, pr) for b, pr in PAIRS] + [cfg("auto", "auto")]
            res = speed.run_all(configs, images, p["repeat"], p["warmup"], isolate=True, progress=False)
            totals = {f"{b} {pr}": r["stages_ms"]["total"]["median"] for (b, pr), r in zip(PAIRS, res[1:4])
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
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {"unit": "ms per frame (total, median)", "images": len(images), "rows": rows,
            "met": all(r.get("ratio") is not None and r["ratio"] <= 1.05 for r in rows)}


def plot(result: dict, fig) -> None:
    ax = fig.subplots()
    rows = result["rows"]
    names = [" ".join(pr) for pr in PAIRS] + ["auto"]
    width = 0.8 / len(names)
    for j, name in enumerate(names):
        vals = [r.get("auto_ms", 0.0) if name == "auto" else r["totals_ms"].get(name, 0.0) for r in rows]
        bars = ax.bar([i + j * width for i in range(len(rows))], vals, width,
                      label=name + (" (second start)" if name == "auto" else ""))
        for b, r in zip(bars, rows):
            verified = name in r["verified"]
            ax.text(b.get_x() + width / 2, b.get_height(), ("*" if verified else "")
                    + (f"\n{r.get('auto', '')}" if name == "auto" else ""), ha="center", va="bottom", fontsize=6)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(rows))],
                  [f"{r['network']}\nauto/fastest verified {r['ratio']:.2f}" if r.get("ratio") else r["network"]
                   for r in rows], fontsize=7)
    ax.set_ylabel("ms per frame (total, median); * = verified pair")
    ax.legend(fontsize=7)
