"""``posenet-bench`` — per-stage latency, FPS and peak RSS of the registry networks.

Exit codes: 0 every configuration ran; 1 some configurations failed (reported in the
table and the JSON); 2 bad arguments or input (one-line message, no traceback).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from ..evaluation import speed as benchmark
from ..runtime import model_files
from ..core import registry
from ..runtime.formats import NATIVE_FORMATS
from ..core.parsing import parse_scales
from ..core.presets import apply_preset
from ..core.errors import InputError, PoseNetError
from . import run_main, size_arg

log = logging.getLogger("posenet-bench")


def _list(item_type):
    def parse(text: str):
        try:
            return [item_type(v) for v in text.split(",") if v.strip()]
        except (ValueError, argparse.ArgumentTypeError) as exc:
            raise argparse.ArgumentTypeError(str(exc) or f"bad value '{text}'") from None
    return parse


def _positive(text: str) -> int:
    v = int(text)
    if v < 1:
        raise ValueError(f"expected an integer >= 1, got {text}")
    return v


def _on_off(text: str) -> bool:
    v = text.strip().lower()
    if v not in ("on", "off", "true", "false", "1", "0"):
        raise ValueError(f"expected on or off, got {text}")
    return v in ("on", "true", "1")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="posenet-bench",
        description="Per-stage latency (image read, preprocess, inference, decode, overlay), FPS and "
        "peak RSS of pose networks on a folder of images; median and p10/p90 over repeated runs.")
    p.add_argument("--network", action="append", type=_list(str), default=None,
                   help="network(s), repeated or comma-separated (default: every registry network whose "
                   "model files resolve)")
    p.add_argument("--images", default=os.environ.get("JETSON_POSE_IMAGES"),
                   help="image folder (default: $JETSON_POSE_IMAGES)")
    p.add_argument("--input-size", type=_list(size_arg), default=None,
                   help="input size(s) WIDTHxHEIGHT, comma-separated (default: each network's own)")
    p.add_argument("--threads", type=_list(_positive), default=None,
                   help="inference thread count(s), comma-separated (default: ONNX Runtime's)")
    p.add_argument("--scales", action="append", default=None,
                   help="test scales, e.g. 0.5,1.0,1.5; repeat the option to compare sets (default 1.0)")
    p.add_argument("--flip", type=_list(_on_off), default=[False],
                   help="flip test: off, on, or off,on to compare both (default off)")
    p.add_argument("--preset", type=_list(str), default=None,
                   help="preset(s) fast, balanced, accurate, comma-separated (each adds a configuration)")
    p.add_argument("--batch", type=_list(_positive), default=[1],
                   help="batch size(s); PoseNet processes one image per call, so only 1 is supported")
    p.add_argument("--repeat", type=_positive, default=5, help="timed passes over the images (default 5)")
    p.add_argument("--warmup", type=int, default=3, help="untimed calls before timing (default 3)")
    p.add_argument("--max-images", type=_positive, help="use the first N images only")
    p.add_argument("--threshold", type=float, default=0.15, help="minimum keypoint confidence (default 0.15)")
    p.add_argument("--backend", type=_list(str), default=["auto"],
                   help="backend(s), comma-separated: auto, onnxruntime (CPU), openvino (CPU), cuda, tensorrt "
                   "(ONNX files); opencv (TensorFlow .pb), litert (.tflite): the original files")
    p.add_argument("--precision", type=_list(str), default=["auto"],
                   help="precision(s), comma-separated: auto, f32, bf16, int8 (each backend x precision is one "
                   "configuration)")
    p.add_argument("--overlay", default="links,keypoints", help="overlay flags drawn each frame (none: skip)")
    p.add_argument("--in-process", action="store_true",
                   help="run every configuration in this process (faster start; peak RSS then accumulates)")
    p.add_argument("--json", help="write the results as JSON to this file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def configs_from_args(args) -> tuple[list[benchmark.BenchConfig], dict[str, str]]:
    bad = [b for b in args.batch if b != 1]
    if bad:
        raise PoseNetError(f"--batch {bad[0]}: not supported (PoseNet.process takes one image per call; "
                           "only batch 1 exists)")
    skipped: dict[str, str] = {}
    if args.preset and not args.network:
        configs = [preset_config(p, args) for p in args.preset]
        return configs, {}
    if args.network:
        names = [registry.get_network(n).name for group in args.network for n in group]  # unknown -> error
        names = list(dict.fromkeys(names))
    else:
        names, skipped = benchmark.runnable_networks()
        if not names:
            raise PoseNetError("no network has its model files available (set MODEL_MIRROR or JETSON_POSE_MODELS)")
    sizes = args.input_size or [None]
    threads = args.threads or [None]
    pairs = []
    for n in names:
        for b in args.backend:
            if b in NATIVE_FORMATS and b not in model_files.native_backends(registry.get_network(n)):
                skipped[f"{n} [{b}]"] = f"no original {NATIVE_FORMATS[b]} file for backend '{b}'"
            else:
                pairs.append((n, b))
    tta = [{**({"scales": tuple(parse_scales(sc))} if sc else {}), **({"flip": True} if f else {})}
           for sc in (args.scales or [None]) for f in args.flip]
    configs = [benchmark.BenchConfig(n, s, t, 1, b, args.threshold, args.overlay,
                                     {**o, **({"precision": pr} if pr != "auto" else {})})
               for n, b in pairs for s in sizes for t in threads for pr in args.precision for o in tta]
    configs += [preset_config(p, args, b) for p in args.preset or [] for b in args.backend
                if b not in NATIVE_FORMATS]
    return configs, skipped


def preset_config(name: str, args, backend: str) -> benchmark.BenchConfig:
    network, options = apply_preset(name, None, {})
    size = options.pop("input_size", None)
    return benchmark.BenchConfig(network, tuple(size) if size else None, (args.threads or [None])[0], 1,
                                 backend, args.threshold, args.overlay, options)


def run(args) -> int:
    folder = args.images
    if not folder:
        raise InputError("no image folder: pass --images DIR (or set JETSON_POSE_IMAGES)")
    images = benchmark.list_images(folder)[:args.max_images]
    configs, skipped = configs_from_args(args)
    results = benchmark.run_all(configs, images, args.repeat, args.warmup, isolate=not args.in_process,
                                progress=not args.no_progress)
    print(benchmark.format_table(results))
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")
    if args.json:
        doc = {"images_dir": str(folder), "images": [p.name for p in images], "repeat": args.repeat,
               "warmup": args.warmup, "batch": 1, "isolated": not args.in_process, "host": _host(),
               "results": results, "skipped": skipped}
        try:
            Path(args.json).write_text(json.dumps(doc, indent=2))
        except OSError as exc:
            raise PoseNetError(f"cannot write {args.json}: {exc.strerror or exc}") from None
    return 1 if any("error" in r for r in results) else 0


def _host() -> dict:
    import os
    import platform

    import onnxruntime

    return {"machine": platform.machine(), "processor": platform.processor(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "onnxruntime": onnxruntime.__version__}


def main(argv: list[str] | None = None) -> int:
    return run_main("posenet-bench", build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
