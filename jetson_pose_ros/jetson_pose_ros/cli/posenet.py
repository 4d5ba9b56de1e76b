"""``posenet [options] INPUT [OUTPUT]`` — the jetson-inference posenet sample.

Exit codes: 0 all frames processed; 1 some frames could not be read (the rest were
processed and written); 2 nothing could be done (bad arguments, input or model).
"""
from __future__ import annotations

import argparse
import logging
import sys

from tqdm import tqdm

from .. import registry
from ..errors import PoseNetError
from ..overlay import parse_flags
from ..posenet import PoseNet
from ..sinks import JsonLinesSink, frame_record
from ..video import open_output, open_source

log = logging.getLogger("posenet")
LOG_LEVELS = {"silent": logging.CRITICAL + 1, "error": logging.ERROR, "warning": logging.WARNING,
              "success": logging.INFO, "info": logging.INFO, "verbose": logging.DEBUG, "debug": logging.DEBUG}


def network_table() -> str:
    rows = []
    for name in registry.network_names():
        spec = registry.get_network(name)
        default = " (default)" if name == registry.default_network() else ""
        rows.append(f"  {name:<20} {spec.license}{default}")
    alias = ", ".join(f"{a} -> {t}" for a, t in registry.aliases().items())
    return "networks (license of the weights):\n" + "\n".join(rows) + (f"\naliases: {alias}" if alias else "")


def normalize_argv(argv: list[str]) -> list[str]:
    """``--input_blob=x`` == ``--input-blob=x``, as in jetson-inference."""
    out = []
    for a in argv:
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            a = name.replace("_", "-") + eq + value
        out.append(a)
    return out


def size_arg(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        if w <= 0 or h <= 0:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got '{text}'") from None
    return w, h


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="posenet", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Multi-person pose estimation on images and videos (jetson-inference poseNet on ONNX Runtime).",
        epilog=network_table() + "\n\nINPUT: image file, quoted glob ('images/*.jpg'), directory, or video file.\n"
        "OUTPUT: image file, %%i pattern (out_%%i.jpg), directory (out/), or video file (.mp4/.avi/.mkv).\n"
        "Hyphens and underscores in option names are interchangeable.")
    p.add_argument("input", help="input image / glob / directory / video")
    p.add_argument("output", nargs="?", default=None, help="output image / %%i pattern / directory / video")
    p.add_argument("--network", default=registry.default_network(), help="network name (see below)")
    p.add_argument("--model", help="path to a custom model file (ONNX) for the network")
    p.add_argument("--topology", help="topology JSON (trt_pose format) overriding the network's")
    p.add_argument("--colors", help="colors.txt with 'r g b [a]' per keypoint")
    p.add_argument("--input-blob", help="name of the input tensor")
    p.add_argument("--output-cmap", help="name of the confidence-map output tensor (PAF networks)")
    p.add_argument("--output-paf", help="name of the part-affinity-field output tensor (PAF networks)")
    p.add_argument("--overlay", default="links,keypoints",
                   help="overlay flags: box, links, keypoints, none (comma or | separated)")
    p.add_argument("--threshold", type=float, default=0.15, help="minimum keypoint confidence (default 0.15)")
    p.add_argument("--keypoint-scale", type=float, default=0.0052, help="keypoint radius / larger image side")
    p.add_argument("--link-scale", type=float, default=0.0013, help="link width / larger image side")
    p.add_argument("--input-size", type=size_arg, help="network input size WIDTHxHEIGHT (where the network allows)")
    p.add_argument("--backend", default="onnxruntime", help="onnxruntime (CPU), cuda or tensorrt")
    p.add_argument("--threads", type=int, help="inference threads (default: ONNX Runtime's)")
    p.add_argument("--json", help="write one JSON object per frame (JSON lines) to this file")
    p.add_argument("--input-loop", type=int, default=0, help="repeat the input N more times (-1: forever)")
    p.add_argument("--headless", action="store_true", help="never open a window (this build never does)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--log-level", default="info", choices=sorted(LOG_LEVELS), help="logging verbosity")
    return p


def run(args: argparse.Namespace) -> int:
    parse_flags(args.overlay)          # a bad flag is a usage error, before any work
    net = PoseNet(args.network, args.threshold, model=args.model, topology=args.topology, colors=args.colors,
                  input_blob=args.input_blob, output_cmap=args.output_cmap, output_paf=args.output_paf,
                  keypoint_scale=args.keypoint_scale, link_scale=args.link_scale, backend=args.backend,
                  num_threads=args.threads, input_size=args.input_size)
    source = open_source(args.input, loop=args.input_loop)
    total = len(source) or None
    output = open_output(args.output, fps=getattr(source, "fps", 30.0), multi_frame=(total or 2) > 1)
    sink = JsonLinesSink(args.json) if args.json else None
    failed = processed = 0
    bar = tqdm(total=total, unit="frame", disable=args.no_progress or (total or 2) <= 1, file=sys.stderr)
    say = (lambda msg: bar.write(msg, file=sys.stderr)) if not bar.disable else log.info
    try:
        for frame in source:
            bar.update(1)
            if frame.image is None:
                failed += 1
                log.error("posenet: error: %s", frame.error)
                continue
            try:
                poses = net.process(frame.image, overlay=args.overlay)
                output.render(frame.image, frame)
            except PoseNetError as exc:
                failed += 1
                log.error("posenet: error: %s: %s", frame.source, exc)
                continue
            processed += 1
            t = net.timings
            if log.isEnabledFor(logging.INFO):
                say(f"posenet: {len(poses)} pose(s) in {frame.source}"
                    f"{f' frame {frame.index}' if total != 1 else ''} | pre {t.get('preprocess', 0):.1f} ms"
                    f" | net {t.get('inference', 0):.1f} ms | decode {t.get('decode', 0):.1f} ms")
            if sink:
                h, w = frame.image.shape[:2]
                sink.write(frame_record(frame.source, frame.index, poses, w, h, net.network, frame.timestamp))
    except KeyboardInterrupt:
        log.warning("posenet: interrupted after %d frame(s)", processed)
    finally:
        bar.close()
        output.close()
        if sink:
            sink.close()
    if processed == 0 and failed:
        log.error("posenet: no frame could be processed")
        return 2
    if failed:
        log.error("posenet: %d of %d frame(s) could not be read", failed, failed + processed)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(normalize_argv(list(sys.argv[1:] if argv is None else argv)))
    logging.basicConfig(level=LOG_LEVELS[args.log_level], format="%(message)s", stream=sys.stderr)
    try:
        return run(args)
    except PoseNetError as exc:
        log.error("posenet: error: %s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
