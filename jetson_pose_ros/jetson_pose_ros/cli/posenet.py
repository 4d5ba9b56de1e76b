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
from . import run_main, size_arg
from ..overlay import parse_flags
from ..posenet import PoseNet
from ..presets import PRESETS
from ..sinks import CsvSink, JsonLinesSink, frame_record
from ..smoothing import PoseSmoother
from ..tracking import PoseTracker, draw_track_ids
from ..video import FLIP_METHODS, open_output, open_source
from ..video.ffmpeg import CODECS

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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="posenet", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Multi-person pose estimation on images and videos (jetson-inference poseNet on ONNX Runtime).",
        epilog=network_table() + "\n\nINPUT: image file, quoted glob ('images/*.jpg'), directory, or video file;\n"
        "  V4L2 camera (/dev/video0), RTSP (rtsp://user:pass@host:port/path), RTP (rtp://@:PORT + --input-codec).\n"
        "OUTPUT: image file, %%i pattern (out_%%i.jpg), directory (out/), or video file (.mp4/.avi/.mkv/.webm);\n"
        "  RTP sender (rtp://HOST:PORT), browser view (http://@:PORT/).\n"
        "Hyphens and underscores in option names are interchangeable.")
    p.add_argument("input", help="input image / glob / directory / video")
    p.add_argument("output", nargs="?", default=None, help="output image / %%i pattern / directory / video")
    p.add_argument("--network", default=None, help=f"network name (see below; default {registry.default_network()})")
    p.add_argument("--preset", choices=sorted(PRESETS), help="network + input size + test-time augmentation "
                   "chosen for you: fast, balanced, accurate (see the README's measured FPS and AP)")
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
    p.add_argument("--scales", help="test scales, e.g. 0.5,1.0,1.5: heatmaps (PAF) or poses averaged over "
                   "the input size times each scale (default 1.0; slower, more accurate)")
    p.add_argument("--flip", action="store_true", help="flip test: also run on the mirrored image and average "
                   "(about twice the inference time)")
    p.add_argument("--backend", default="onnxruntime", help="onnxruntime (CPU), cuda or tensorrt")
    p.add_argument("--threads", type=int, help="inference threads (default: ONNX Runtime's)")
    p.add_argument("--json", help="write one JSON object per frame (JSON lines) to this file")
    p.add_argument("--input-loop", type=int, default=0, help="repeat the input N more times (-1: forever)")
    add_video_options(p)
    p.add_argument("--headless", action="store_true", help="never open a window (this build never does)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--log-level", default="info", choices=sorted(LOG_LEVELS), help="logging verbosity")
    return p


def bitrate_arg(text: str) -> int:
    """Bits per second: 4000000, 4M, 800k."""
    scale = {"k": 1e3, "m": 1e6}.get(text[-1:].lower(), 1)
    try:
        value = float(text[:-1] if scale != 1 else text) * scale
        if value <= 0:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a bitrate in bits/s (e.g. 4000000, 4M, 800k), got '{text}'") \
            from None
    return int(value)


def add_video_options(p: argparse.ArgumentParser) -> None:
    """Video I/O (jetson-utils names), tracking, smoothing and CSV export options."""
    g = p.add_argument_group("video input/output")
    g.add_argument("--input-width", type=int, help="input frame width (camera capture size, else resized)")
    g.add_argument("--input-height", type=int, help="input frame height (camera capture size, else resized)")
    g.add_argument("--input-rate", type=float,
                   help="input frames per second at most (camera rate, else frames dropped)")
    g.add_argument("--input-codec", help=f"RTP payload / camera format ({', '.join(sorted(CODECS))}, yuyv ...)")
    g.add_argument("--input-flip", default="none", choices=FLIP_METHODS, metavar="FLIP",
                   help=f"flip/rotate the input: {', '.join(FLIP_METHODS)}")
    g.add_argument("--input-timeout", type=float, default=10.0,
                   help="seconds before a camera/stream that sends nothing is an error (default 10)")
    g.add_argument("--output-codec", help=f"video file / RTP codec: {', '.join(sorted(CODECS))} "
                   "(default h264; vp9 for .webm)")
    g.add_argument("--bitrate", type=bitrate_arg, help="video file / RTP bitrate in bits/s (4000000, 4M, 800k)")
    g = p.add_argument_group("tracking, smoothing and export")
    g.add_argument("--track", action="store_true", help="persistent pose IDs across frames (pose id = track ID)")
    g.add_argument("--track-max-lost", type=int, default=30,
                   help="frames a track is kept without a matching pose (default 30)")
    g.add_argument("--track-min-similarity", type=float, default=0.1,
                   help="least keypoint similarity (OKS, 0..1) to continue a track (default 0.1)")
    g.add_argument("--smooth", action="store_true", help="One-Euro keypoint smoothing (implies --track)")
    g.add_argument("--smooth-min-cutoff", type=float, default=1.0,
                   help="One-Euro minimum cutoff in Hz: lower = less jitter (default 1.0)")
    g.add_argument("--smooth-beta", type=float, default=0.01,
                   help="One-Euro speed coefficient: higher = less lag when moving (default 0.01)")
    g.add_argument("--csv", help="write one CSV row per keypoint (frame, timestamp, pose_id, keypoint_id, name, "
                   "x, y, score) to this file")


def run(args: argparse.Namespace) -> int:
    parse_flags(args.overlay)          # a bad flag is a usage error, before any work
    net = PoseNet(args.network, args.threshold, model=args.model, topology=args.topology, colors=args.colors,
                  input_blob=args.input_blob, output_cmap=args.output_cmap, output_paf=args.output_paf,
                  keypoint_scale=args.keypoint_scale, link_scale=args.link_scale, backend=args.backend,
                  num_threads=args.threads, input_size=args.input_size, preset=args.preset,
                  scales=args.scales, flip=args.flip or None)
    source = open_source(args.input, loop=args.input_loop, width=args.input_width, height=args.input_height,
                         rate=args.input_rate, codec=args.input_codec, flip=args.input_flip,
                         timeout=args.input_timeout)
    total = len(source) or None
    try:
        output = open_output(args.output, fps=getattr(source, "output_fps", 30.0), codec=args.output_codec,
                             bitrate=args.bitrate, multi_frame=(total or 2) > 1)
    except BaseException:
        source.close()
        raise
    sinks = ([JsonLinesSink(args.json)] if args.json else []) + ([CsvSink(args.csv)] if args.csv else [])
    sink = sinks[0] if sinks else None
    tracker = PoseTracker(max_lost=args.track_max_lost, min_similarity=args.track_min_similarity) \
        if args.track or args.smooth else None
    smoother = PoseSmoother(args.smooth_min_cutoff, args.smooth_beta) if args.smooth else None
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
                poses = net.process(frame.image, overlay=None if tracker else args.overlay)
                if tracker:
                    poses = tracker.update(poses)
                    if smoother:
                        poses = smoother.update(poses, frame.timestamp)
                    if parse_flags(args.overlay):
                        net.overlay(frame.image, poses, args.overlay)
                        draw_track_ids(frame.image, poses)
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
                record = frame_record(frame.source, frame.index, poses, w, h, net.network, frame.timestamp)
                for s in sinks:
                    s.write(record)
    except KeyboardInterrupt:
        log.warning("posenet: interrupted after %d frame(s)", processed)
    finally:
        bar.close()
        try:
            output.close()
        finally:
            source.close()
            for s in sinks:
                s.close()
    if processed == 0 and failed:
        log.error("posenet: no frame could be processed")
        return 2
    if failed:
        log.error("posenet: %d of %d frame(s) could not be read", failed, failed + processed)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main("posenet", build_parser(), run, argv, level=lambda a: LOG_LEVELS[a.log_level])


if __name__ == "__main__":
    sys.exit(main())
