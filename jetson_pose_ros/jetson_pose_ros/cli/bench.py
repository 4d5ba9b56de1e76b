"""``posenet-bench`` — per-stage latency, FPS and peak RSS of the registry networks.

Exit codes: 0 every configuration ran; 1 some configurations failed (reported in the
table and the JSON); 2 bad arguments or input (one-line message, no traceback).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
from pathlib import Path

from ..core import options, registry
from ..core.errors import InputError, PoseNetError
from ..core.presets import apply_preset
from ..evaluation import speed as benchmark
from ..runtime import model_files
from ..runtime.formats import NATIVE_FORMATS
from . import run_main

log = logging.getLogger("posenet-bench")


# Options of the table that posenet-bench compares: each takes a comma-separated list (one
# configuration per value; ``--scales`` is repeated instead, since one set of scales has commas).
# Flag, help and parser are the table's; the other network/detection/decoder options of the table
# are single flags (``options.add_arguments``) given to every configuration.
SWEEP = ("input_size", "num_threads", "backend", "precision", "preset", "flip")
OWN = SWEEP + ("scales", "threshold", "overlay")          # options this command routes itself
BENCH_OVERLAY = "links,keypoints"                         # drawn each frame unless --overlay says otherwise


def _checked(opt: options.Option, item: str):
    try:
        return opt.check(item.strip())
    except PoseNetError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace(f"option {opt.name} ", "", 1)) from None


def _list(opt: options.Option):
    def parse(text: str):
        return [_checked(opt, v) for v in text.split(",") if v.strip()]
    parse.__name__ = "list"
    return parse


def _one(opt: options.Option):
    def parse(text: str):
        return _checked(opt, text)
    parse.__name__ = "value"
    return parse


def _positive(text: str) -> int:
    v = int(text)
    if v < 1:
        raise ValueError(f"expected an integer >= 1, got {text}")
    return v


def _network_list(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _positives(text: str) -> list[int]:
    try:
        return [_positive(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _table_flag(group, name: str, default, help_tail: str, type_, action: str = "store",
                metavar: str | None = None) -> None:
    """A flag made from the table's row ``name``: its flag name, help text and parser."""
    opt = options.OPTIONS[name]
    group.add_argument(opt.flag, dest=opt.name, type=type_, default=default, action=action,
                       help=f"{opt.help}{help_tail}".replace("%", "%%"), metavar=metavar)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="posenet-bench",
        description="Per-stage latency (image read, preprocess, inference, decode, overlay), FPS and "
        "peak RSS of pose networks on a folder of images; median and p10/p90 over repeated runs.")
    p.add_argument("--network", action="append", type=_network_list, default=None,
                   help="network(s), repeated or comma-separated (default: every registry network whose "
                   "model files resolve)")
    p.add_argument("--images", default=os.environ.get("JETSON_POSE_IMAGES"),
                   help="image folder (default: $JETSON_POSE_IMAGES)")
    sweep = p.add_argument_group("compared options (from the options table): comma-separated values, one "
                                 "configuration each")
    for name in SWEEP:
        opt = options.OPTIONS[name]
        default = [opt.default] if name in ("flip", "backend", "precision") else None
        tail = {"flip": " (default off; off,on compares both)", "preset": " (each adds a configuration)"}.get(
            name, f" (default {opt.default})" if default else "")
        _table_flag(sweep, name, default, tail, _list(opt),
                    metavar=("WxH" if name == "input_size" else name.split("_")[-1].upper()) + "[,...]")
    _table_flag(sweep, "scales", None, "; repeat the option to compare sets (default 1.0)",
                _one(options.OPTIONS["scales"]), action="append", metavar="S,S,...")
    _table_flag(p, "threshold", options.OPTIONS["threshold"].default,
                f" (default {options.OPTIONS['threshold'].default})", _one(options.OPTIONS["threshold"]))
    _table_flag(p, "overlay", BENCH_OVERLAY, f" (default here {BENCH_OVERLAY}; none: skip)",
                _one(options.OPTIONS["overlay"]))
    options.add_arguments(p, options.MODEL_GROUPS, exclude=OWN)
    bench = p.add_argument_group("benchmark")
    bench.add_argument("--batch", type=_positives, default=[1],
                       help="batch size(s); PoseNet processes one image per call, so only 1 is supported")
    bench.add_argument("--repeat", type=_positive, default=5, help="timed passes over the images (default 5)")
    bench.add_argument("--warmup", type=int, default=3, help="untimed calls before timing (default 3)")
    bench.add_argument("--max-images", type=_positive, help="use the first N images only")
    bench.add_argument("--in-process", action="store_true",
                       help="run every configuration in this process (faster start; peak RSS then accumulates)")
    bench.add_argument("--json", help="write the results as JSON to this file")
    bench.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def configs_from_args(args) -> tuple[list[benchmark.BenchConfig], dict[str, str]]:
    bad = [b for b in args.batch if b != 1]
    if bad:
        raise PoseNetError(f"--batch {bad[0]}: not supported (PoseNet.process takes one image per call; "
                           "only batch 1 exists)")
    common = {k: v for k, v in options.given(args, options.MODEL_GROUPS).items() if k not in OWN}
    if args.preset and not args.network:
        return [preset_config(p, args, b, common) for p in args.preset for b in args.backend
                if b not in NATIVE_FORMATS], {}
    skipped: dict[str, str] = {}
    if args.network:
        names = [registry.get_network(n).name for group in args.network for n in group]  # unknown -> error
        names = list(dict.fromkeys(names))
    else:
        names, skipped = benchmark.runnable_networks()
        if not names:
            raise PoseNetError("no network has its model files available (set MODEL_MIRROR or JETSON_POSE_MODELS)")
    sizes = args.input_size or [None]
    threads = [t or None for t in args.num_threads or [None]]          # 0 = the backend's default
    pairs = []
    for n in names:
        for b in args.backend:
            if b in NATIVE_FORMATS and b not in model_files.native_backends(registry.get_network(n)):
                skipped[f"{n} [{b}]"] = f"no original {NATIVE_FORMATS[b]} file for backend '{b}'"
            else:
                pairs.append((n, b))
    tta = [{**({"scales": sc} if sc else {}), **({"flip": True} if f else {})}
           for sc in (args.scales or [None]) for f in args.flip]
    configs = [benchmark.BenchConfig(n, s, t, 1, b, args.threshold, args.overlay,
                                     {**common, **o, **({"precision": pr} if pr != "auto" else {})})
               for n, b in pairs for s in sizes for t in threads for pr in args.precision for o in tta]
    configs += [preset_config(p, args, b, common) for p in args.preset or [] for b in args.backend
                if b not in NATIVE_FORMATS]
    return configs, skipped


def preset_config(name: str, args, backend: str, common: dict) -> benchmark.BenchConfig:
    network, preset_options = apply_preset(name, None, {})
    size = preset_options.pop("input_size", None)
    threads = (args.num_threads or [None])[0] or None
    return benchmark.BenchConfig(network, tuple(size) if size else None, threads, 1, backend, args.threshold,
                                 args.overlay, {**common, **preset_options})


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
    import onnxruntime

    return {"machine": platform.machine(), "processor": platform.processor(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "onnxruntime": onnxruntime.__version__}


def main(argv: list[str] | None = None) -> int:
    return run_main("posenet-bench", build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
