"""Where does mobilenet-body lose accuracy in bf16, and does keeping part of it in f32 help?

    python benchmarks/bf16_keep_f32.py --threads 2

OpenVINO's CPU plugin keeps a node in its original precision (f32) under the bf16 inference hint
when the node carries the ``DisablePrecisionConversion`` runtime attribute (``ov::disable_fp16_compression``,
which the CPU plugin's EnforceInferencePrecision honours for bf16 as well).  Python cannot create
that typed attribute, so the model goes through an IR with the attribute written into the chosen
layers' ``rt_info`` (``backends/openvino_keep_f32.py``).  For each variant: output error of the
final heatmaps + PAFs against f32 on real frames (jetson-inference photos, the mmpose demo video,
the sports2d video every 10th frame), the share of its convolutions that run in bf16, and ms/frame
(one compiled model at a time, round-robin over variants for several rounds).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

from jetson_pose_ros.runtime.backends.openvino_keep_f32 import keep_f32  # noqa: E402
from jetson_pose_ros.runtime.model_files import resolve_files  # noqa: E402
from jetson_pose_ros.core.registry import get_network  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
VARIANTS = {"f32": None, "bf16": [], "bf16, stage 6 f32": [r"Openpose/MConv_Stage6"],
            "bf16, PAF branches (L1) f32": [r"Openpose/MConv_Stage\d_L1"],
            "bf16, refinement stages 2-6 f32": [r"Openpose/MConv_Stage[2-6]"],
            "bf16, all stages 1-6 f32": [r"Openpose/"],
            "bf16, backbone f32": [r"MobilenetV1/"]}


def frames(step=10):
    out = [cv2.imread(str(p)) for p in sorted((SHARED / "jetson_inference" / "images").glob("*.jpg"))]
    for name, s in (("mmpose_demo.mp4", 1), ("sports2d_demo.mp4", step)):
        cap, i = cv2.VideoCapture(str(SHARED / "video" / name)), 0
        while True:
            ok, f = cap.read()
            if not ok:
                break
            if i % s == 0:
                out.append(f)
            i += 1
    return out


def tensor(img):
    h, w = 368, 432
    return cv2.resize(img, (w, h)).astype(np.float32)[None]


def main(argv=None) -> int:
    import openvino as ov

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    path = resolve_files(get_network("mobilenet-body"))["model"]
    core = ov.Core()
    imgs = [tensor(f) for f in frames()]
    outs, bf16_share, times = {}, {}, {k: [] for k in VARIANTS}
    for r in range(args.rounds):
        for name, keep in VARIANTS.items():
            model = core.read_model(str(path))
            model.reshape({model.inputs[0]: [1, 368, 432, 3]})
            if keep:
                model = keep_f32(model, keep)
            cfg = {"INFERENCE_PRECISION_HINT": "f32" if keep is None else "bf16", "NUM_STREAMS": 1,
                   "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": args.threads}
            compiled = core.compile_model(model, "CPU", cfg)
            req = compiled.create_infer_request()
            if r == 0:
                convs = [o.get_rt_info()["runtimePrecision"].astype(str) for o in compiled.get_runtime_model().get_ordered_ops()
                         if o.get_rt_info()["layerType"].astype(str) == "Convolution"]
                bf16_share[name] = sum(c == "bf16" for c in convs) / max(len(convs), 1)
                res = []
                for x in imgs:
                    req.infer({0: x})
                    res.append(np.array(req.get_output_tensor(0).data))
                outs[name] = np.stack(res)
            for x in imgs[:3]:
                req.infer({0: x})
            t = []
            for x in imgs[:20]:
                t0 = time.perf_counter()
                req.infer({0: x})
                t.append((time.perf_counter() - t0) * 1e3)
            times[name].append(float(np.median(t)))
            del req, compiled
    ref = outs["f32"]
    print(f"mobilenet-body, {len(imgs)} frames, threads {args.threads}, {args.rounds} rounds")
    print(f"{'variant':34s} {'bf16 convs':>10s} {'mean|d| heat':>12s} {'mean|d| paf':>12s} {'max|d|':>8s} {'ms':>7s}")
    for name in VARIANTS:
        d = np.abs(outs[name] - ref)
        print(f"{name:34s} {bf16_share[name]:10.0%} {d[..., :19].mean():12.5f} {d[..., 19:].mean():12.5f} "
              f"{d.max():8.3f} {np.median(times[name]):7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
