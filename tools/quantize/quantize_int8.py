"""Make the int8 variants of the registry's fp32 ONNX models (NNCF post-training quantization).

The project builds its shipped int8 variants on first use of ``--precision int8`` (or with
``posenet-models install --int8 NETWORK``): ``jetson_pose_ros/int8_build.py``, which this tool runs.
Use this tool to try other networks or settings, or to rebuild:

    python tools/quantize/quantize_int8.py --install                 # every shipped variant in variants.json
    python tools/quantize/quantize_int8.py --network mobilenet-body --install
    python tools/quantize/quantize_int8.py --network yolo11n-body --out /tmp/q   # try, do not install

Calibration: see ``int8_build`` (images outside every evaluation set, recorded through
``PoseNet.process``).  Each file gets a ``.sha256`` and a ``.provenance.json`` and the tool says
whether its weights reproduce the reference build in ``variants.json``.  Needs
``pip install -r tools/quantize/requirements.txt``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

from jetson_pose_ros.core.checksums import sha256sum  # noqa: E402
from jetson_pose_ros.optimize import int8_build  # noqa: E402
from jetson_pose_ros.runtime import variants  # noqa: E402
from jetson_pose_ros.runtime.model_files import resolve_files  # noqa: E402
from jetson_pose_ros.core.registry import get_network  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", action="append", help="network(s) (default: every one with a shipped variant)")
    p.add_argument("--backend", default="openvino,onnxruntime", help="variants to make (default: both)")
    p.add_argument("--install", action="store_true", help="install into the model directory")
    p.add_argument("--out", help="write the int8 files to this folder instead")
    p.add_argument("--all-layers", action="store_true", help="quantize the output heads too")
    p.add_argument("--max-feeds", type=int, default=int8_build.MAX_FEEDS,
                   help=f"calibration inputs per model file (default {int8_build.MAX_FEEDS})")
    args = p.parse_args(argv)
    if not (args.install or args.out):
        p.error("give --install or --out DIR")
    backends = [b for b in args.backend.split(",") if b]
    entries = variants._variants()["int8"]
    networks = args.network or list(dict.fromkeys(
        e["network"] for e in entries.values() if any(e.get(b, {}).get("shipped") for b in backends)))
    done = set()
    for network in networks:
        spec = get_network(network)
        for backend in backends:
            targets, ignore = {}, {}
            for src in resolve_files(spec).values():
                v = variants.int8_entry(src.name, backend) or {"filename": src.stem + variants.SUFFIX[backend]}
                if (src.name, backend) in done or (not args.network and not v.get("shipped")):
                    continue
                done.add((src.name, backend))
                entry = entries.get(src.name, {})
                if entry.get("source_sha256") and sha256sum(src) != entry["source_sha256"]:
                    raise SystemExit(f"quantize_int8: {src} is not the registry's file (sha256 differs)")
                folder = Path(args.out) if args.out else variants.model_dir() / entry.get("dir", "")
                targets[src], ignore[src.name] = folder / v["filename"], entry.get("ignore")
            if targets:
                int8_build.build(spec.name, backend, targets, progress=True, ignore=ignore,
                                 keep_heads=not args.all_layers, max_feeds=args.max_feeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
