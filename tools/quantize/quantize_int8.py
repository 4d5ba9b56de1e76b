"""Make the int8 variants of the registry's fp32 ONNX models (NNCF post-training quantization).

    python tools/quantize/quantize_int8.py --install                 # every variant in variants.json
    python tools/quantize/quantize_int8.py --network mobilenet-body --install
    python tools/quantize/quantize_int8.py --network yolo11n-body --out /tmp/q   # try, do not install

Calibration inputs are recorded from ``PoseNet.process`` itself (ONNX Runtime, fp32) on images that
are in no evaluation set (the jetson-inference sample photos, frames of the two demo videos and a
few hand and body photos of the mmpose fixtures that are not evaluated), so they are pre-processed
exactly as at run time, for each stage of a two-stage network too.  The compute layers that produce
the network's outputs (the heads) stay in float.  The result is a QDQ ONNX file that both ONNX
Runtime and OpenVINO run; ``--install`` puts it beside the model files in the model directory
with a ``.sha256`` file, and says whether it reproduces the reference build in ``variants.json``
(the sha256 of the weights: the ``.onnx`` file, or the IR's ``.bin``; same versions and machine
give the same bytes).  Needs ``pip install -r tools/quantize/requirements.txt``.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

from jetson_pose_ros import variants  # noqa: E402
from jetson_pose_ros.model_files import resolve_files  # noqa: E402
from jetson_pose_ros.posenet import PoseNet  # noqa: E402
from jetson_pose_ros.registry import get_network  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
# not in any evaluation set (coco_val2017_dev, onehand10k, freihand, panoptic)
PHOTO_DIRS = ("jetson_inference/images", "mmpose_tests_data/interhand2.6m", "mmpose_tests_data/rhd",
              "mmpose_tests_data/crowdpose", "mmpose_tests_data/aic", "mmpose_tests_data/mhp",
              "mmpose_tests_data/jhmdb")
VIDEOS = (("video/sports2d_demo.mp4", 10), ("video/mmpose_demo.mp4", 1))   # (file, every n-th frame)
HEAD_OPS = {"Conv", "ConvTranspose", "Gemm", "MatMul",                       # ONNX
            "Convolution", "GroupConvolution", "ConvolutionBackpropData"}      # OpenVINO


def calibration_images(shared: Path = SHARED) -> list[np.ndarray]:
    images = []
    for d in PHOTO_DIRS:
        for p in sorted((shared / d).glob("*")):
            if p.suffix.lower() in (".jpg", ".jpeg", ".png"):
                img = cv2.imread(str(p), cv2.IMREAD_COLOR)
                if img is not None:
                    images.append(img)
    for name, step in VIDEOS:
        cap = cv2.VideoCapture(str(shared / name))
        i = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if i % step == 0:
                images.append(frame)
            i += 1
        cap.release()
    if not images:
        raise SystemExit(f"quantize_int8: no calibration images under {shared}")
    return images


class Recorder:
    """Wraps a backend and keeps a copy of every input it is fed."""

    def __init__(self, backend):
        self.backend, self.feeds = backend, []

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def run(self, feeds, outputs=None):
        self.feeds.append({k: np.array(v) for k, v in feeds.items()})
        return self.backend.run(feeds, outputs)


def record_feeds(network: str, images: list[np.ndarray]) -> dict[str, list[dict]]:
    """{model file name: [feeds]} from PoseNet.process on the calibration images."""
    net = PoseNet(network, backend="onnxruntime", precision="f32")
    recorders = {}
    for attr, value in list(vars(net.model).items()):
        if hasattr(value, "run") and hasattr(value, "path"):
            recorders[attr] = Recorder(value)
            setattr(net.model, attr, recorders[attr])
    for img in images:
        net.process(img.copy(), overlay=None)
    return {r.backend.path.name: r.feeds for r in recorders.values()}


def head_nodes(outputs) -> list[str]:
    """Names of the compute nodes nearest to each output (walking back through reshapes,
    activations and concatenations).  ``outputs``: the output tensors' producers as
    ``(name, op_type, [producers of its inputs])`` nodes, from ``onnx_graph``/``ov_graph``."""
    heads, seen, stack = [], set(), list(outputs)
    while stack:
        node = stack.pop()
        if node is None or node[0] in seen:
            continue
        seen.add(node[0])
        if node[1] in HEAD_OPS:
            heads.append(node[0])
        else:
            stack.extend(node[2]())
    return heads


def onnx_outputs(model):
    producer = {o: n for n in model.graph.node for o in n.output}

    def wrap(n):
        return None if n is None else (n.name, n.op_type, lambda: [wrap(producer.get(i)) for i in n.input])
    return [wrap(producer.get(o.name)) for o in model.graph.output]


def ov_outputs(model):
    def wrap(n):
        if n.get_type_name() in ("Constant", "Parameter"):
            return None
        return (n.get_friendly_name(), n.get_type_name(), lambda: [wrap(v.get_node()) for v in n.input_values()])
    return [wrap(r.input_value(0).get_node()) for r in model.get_results()]


def quantize(source: Path, feeds: list[dict], backend: str, ignore: list[str] | None = None,
             keep_heads: bool = True):
    """NNCF post-training quantization of ``source`` for ``backend``: an ``ov.Model``
    (openvino) or an ``onnx.ModelProto`` with QDQ nodes (onnxruntime).  ``ignore``: regular
    expressions of node names kept in float (layers found too sensitive)."""
    import nncf

    if backend == "openvino":
        import openvino as ov
        model = ov.Core().read_model(str(source))
        names, heads = [i.get_any_name() for i in model.inputs], head_nodes(ov_outputs(model))
    else:
        import onnx
        model = onnx.load(str(source))
        names, heads = [i.name for i in model.graph.input], head_nodes(onnx_outputs(model))
    scope = nncf.IgnoredScope(names=heads if keep_heads else [], patterns=list(ignore or []), validate=False)
    data = nncf.Dataset(feeds, lambda f: {n: f[n] for n in names})
    return nncf.quantize(model, data, preset=nncf.QuantizationPreset.MIXED, subset_size=len(feeds),
                         fast_bias_correction=True, ignored_scope=scope)


def save(model, target: Path, backend: str) -> list[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    if backend == "openvino":
        import openvino as ov
        ov.save_model(model, str(target), compress_to_fp16=False)
        return [target, target.with_suffix(".bin")]
    import onnx
    onnx.save(model, str(target))
    return [target]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", action="append", help="network(s) (default: every one with a shipped variant)")
    p.add_argument("--backend", default="openvino,onnxruntime", help="variants to make (default: both)")
    p.add_argument("--install", action="store_true", help="install into the model directory")
    p.add_argument("--out", help="write the int8 files to this folder instead")
    p.add_argument("--all-layers", action="store_true", help="quantize the output heads too")
    p.add_argument("--quiet", action="store_true", help="NNCF's progress and notes off")
    p.add_argument("--max-feeds", type=int, default=300, help="calibration inputs per model file (default 300)")
    args = p.parse_args(argv)
    if not (args.install or args.out):
        p.error("give --install or --out DIR")
    backends = [b for b in args.backend.split(",") if b]
    if args.quiet:
        import logging

        import nncf
        nncf.set_log_level(logging.ERROR)
    entries = variants._variants()["int8"]
    networks = args.network or list(dict.fromkeys(
        e["network"] for e in entries.values() if any(e.get(b, {}).get("shipped") for b in backends)))
    images = calibration_images()
    print(f"calibration: {len(images)} images", flush=True)
    done = set()
    for network in networks:
        spec = get_network(network)
        files = resolve_files(spec)
        feeds = record_feeds(spec.name, images)
        for role, src in files.items():
            entry = entries.get(src.name, {})
            if entry.get("source_sha256") and sha256(src) != entry["source_sha256"]:
                raise SystemExit(f"quantize_int8: {src} is not the registry's file (sha256 differs)")
            rec = feeds.get(src.name, [])[:args.max_feeds]
            for backend in backends:
                if (src.name, backend) in done:
                    continue
                done.add((src.name, backend))
                v = variants.int8_entry(src.name, backend) or {"filename": src.stem + variants.SUFFIX[backend]}
                if not args.network and not v.get("shipped"):
                    continue
                if not rec:
                    print(f"{spec.name} {role} {src.name}: no calibration input recorded; skipped")
                    continue
                q = quantize(src, rec, backend, entry.get("ignore"), keep_heads=not args.all_layers)
                target = (Path(args.out) if args.out else variants.model_dir() / entry.get("dir", "")) / v["filename"]
                written = save(q, target, backend)
                digests = {f.name: sha256(f) for f in written}
                target.with_name(target.name + ".sha256").write_text(
                    "".join(f"{d}  {n}\n" for n, d in digests.items()))
                # the reference is the weights' sha256 (an IR's .bin: its .xml's generated node names vary)
                ref, weights = v.get("sha256"), digests[written[-1].name]
                same = ("reproduces the reference build" if ref == weights else
                        f"differs from the reference build {ref[:12]}..." if ref else "no reference build recorded")
                print(f"{spec.name} {role} {backend}: {len(rec)} calibration inputs -> {target} "
                      f"weights sha256 {weights} ({same})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
