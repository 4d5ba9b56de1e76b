"""Accuracy of every network x backend x precision against ONNX Runtime f32, in one run.

Body networks: COCO keypoint AP on ``shared/data/coco_val2017_dev``; hand networks: PCK@0.2 on
the OneHand10K, FreiHAND and Panoptic fixtures (their mean is the figure compared).  A variant
*holds* when it loses at most 0.005 (f32 on another backend, bf16) or 0.01 (int8) against
``onnxruntime f32`` (issue 12's rule).  Scored with ``jetson_pose_ros.evaluation.accuracy``, the
code behind ``posenet-eval``.
"""
from __future__ import annotations

from suite import data

TITLE = "accuracy of each backend x precision against ONNX Runtime f32 (AP / PCK@0.2)"
TARGET = "bf16 and f32 variants lose <= 0.005, int8 <= 0.01 against onnxruntime f32 (issue 12)"
NEEDS = ("shared_data",)
PARAMS = {"networks": "mobilenet-body,movenet-body,yolo11n-body,blazepose-body,blazepose-body-lite,"
                      "mediapipe-hand,mediapipe-hand-lite",
          "variants": "onnxruntime:f32,onnxruntime:int8,openvino:f32,openvino:bf16,openvino:int8", "threads": 2}
QUICK = {"networks": "movenet-body", "variants": "onnxruntime:f32,openvino:f32,openvino:bf16"}
TOLERANCE = {"f32": 0.005, "bf16": 0.005, "int8": 0.01}


def sets_for(network: str):
    if "hand" in network:
        base = data.data("mmpose_tests_data")
        return [(n, base / n / f"test_{n}.json", base / n) for n in ("onehand10k", "freihand", "panoptic")]
    d = data.data("coco_val2017_dev")
    return [("coco_val2017_dev", d / "person_keypoints_val2017_dev.json", d / "images")]


def score(network: str, backend: str, precision: str, threads: int) -> dict:
    from jetson_pose_ros.evaluation import accuracy as ev  # heavy: pycocotools, on demand in run()
    from jetson_pose_ros.posenet import PoseNet  # heavy: a network and its backend, on demand in run()

    net = PoseNet(network, 0.15, backend=backend, precision=precision, num_threads=threads)
    out = {"backend_used": net.model.backend_used, "sets": {}}
    for name, ann, images in sets_for(network):
        ds = ev.load_keypoint_set(ann, images)
        metrics, _ = ev.evaluate(net, ds, progress=False)
        out["sets"][name] = metrics["AP"] if ds.kind == "body" else metrics["PCK@0.2"]
    out["metric"] = "AP" if "hand" not in network else "PCK@0.2 (mean of 3 sets)"
    out["value"] = sum(out["sets"].values()) / len(out["sets"])
    return out


def run(p: dict) -> dict:
    from jetson_pose_ros.core.errors import PoseNetError  # heavy: the package, on demand

    data.use_model_mirror()
    variants = [tuple(v.split(":")) for v in p["variants"].split(",")]
    rows = []
    for network in p["networks"].split(","):
        ref = None
        for backend, precision in variants:
            row = {"network": network, "backend": backend, "precision": precision}
            try:
                row.update(score(network, backend, precision, p["threads"]))
            except Exception as exc:  # noqa: BLE001 - a runtime failure of one variant is a result too
                text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                row["error"] = text if isinstance(exc, PoseNetError) else f"{type(exc).__name__}: {text[:300]}"
                rows.append(row)
                continue
            if (backend, precision) == ("onnxruntime", "f32"):
                ref = row["value"]
            if ref is not None:
                row["delta"] = row["value"] - ref
                row["holds"] = row["delta"] >= -TOLERANCE[precision] - 1e-9
            rows.append(row)
    return {"rows": rows, "tolerance": TOLERANCE,
            "met": all(r.get("holds", True) for r in rows if "error" not in r)}


def plot(result: dict, fig) -> None:
    ax = fig.subplots()
    rows = [r for r in result["rows"] if "delta" in r]
    labels = [f"{r['network']}\n{r['backend']} {r['precision']}" for r in rows]
    ax.bar(range(len(rows)), [r["delta"] for r in rows],
           color=["C0" if r["holds"] else "C3" for r in rows])
    for i, r in enumerate(rows):
        ax.text(i, r["delta"], f"{r['value']:.3f}", ha="center", va="bottom" if r["delta"] >= 0 else "top",
                fontsize=7)
        ax.hlines(-result["tolerance"][r["precision"]], i - 0.4, i + 0.4, color="C3", ls="--")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(range(len(rows)), labels, fontsize=7, rotation=90 if len(rows) > 8 else 0)
    ax.set_ylabel("change against onnxruntime f32\n(AP or PCK@0.2; dashes: allowed loss)")
    errors = [r for r in result["rows"] if "error" in r]
    if errors:
        ax.set_title("not run: " + "; ".join(f"{r['network']} {r['backend']} {r['precision']}" for r in errors)[:120],
                     fontsize=7)
