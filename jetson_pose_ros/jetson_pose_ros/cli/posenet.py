"""``posenet [options] INPUT [OUTPUT]`` — the jetson-inference posenet sample.

Exit codes: 0 all frames processed; 1 some frames could not be read (the rest were
processed and written); 2 nothing could be done (bad arguments, input or model).
"""
from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

import cv2

from tqdm import tqdm

from ..core import options, registry
from ..core.errors import PoseNetError
from . import run_main
from .depth_input import DepthInput
from .depth_input import add_arguments as add_depth_arguments
from ..pipeline.pipeline import GROUPS, Pipeline
from ..pipeline.sinks import CsvSink, JsonLinesSink, Sink
from ..io import FLIP_METHODS, open_output, open_source
from ..io.bag_output import is_bag_output
from ..io.rosbag import is_bag
from ..io.ffmpeg import CODECS

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
        "  V4L2 camera (/dev/video0), RTSP (rtsp://user:pass@host:port/path), RTP (rtp://@:PORT + --input-codec);\n"
        "  rosbag2 recording (bag directory, sqlite3 or MCAP storage; run.mcap; run.db3) + --topic.\n"
        "OUTPUT: image file, %%i pattern (out_%%i.jpg), directory (out/), or video file (.mp4/.avi/.mkv/.webm);\n"
        "  RTP sender (rtp://HOST:PORT), browser view (http://@:PORT/);\n"
        "  recording of the poses: out.mcap, rosbag2://out_dir[?storage=sqlite3].\n"
        "Hyphens and underscores in option names are interchangeable.")
    p.add_argument("input", help="input image / glob / directory / video")
    p.add_argument("output", nargs="?", default=None, help="output image / %%i pattern / directory / video")
    p.add_argument("--network", default=None, help=f"network name (see below; default {registry.default_network()}, or the --preset's)")
    options.add_arguments(p, ("network", "detection", "decoder", "overlay", "input"))
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
    g = p.add_argument_group("recordings (rosbag2 / MCAP)")
    g.add_argument("--topic", help="image topic of an input recording (sensor_msgs/Image or CompressedImage); "
                   "may be omitted when the recording has one image topic")
    g.add_argument("--bag-namespace", help="namespace of the output recording's topics (default: the input "
                   "topic's, e.g. /camera for /camera/image_raw)")
    g.add_argument("--bag-overlay", action="store_true",
                   help="also record the overlay (CompressedImage, JPEG) on NS/overlay/compressed")
    g.add_argument("--bag-detections", action="store_true",
                   help="also record vision_msgs/Detection2DArray on NS/detections")
    options.add_arguments(p, ("pipeline",))
    add_depth_arguments(p)
    options.add_arguments(p, ("depth",))
    g = p.add_argument_group("export")
    g.add_argument("--csv", help="write one CSV row per keypoint (frame, timestamp, pose_id, track_id, keypoint_id, "
                   "name, x, y, score; with depth also x_m, y_m, z_m) to this file")


def run(args: argparse.Namespace) -> int:
    # input and output first: a bad path or pattern is one line before any model is installed or loaded
    DepthInput.check(args, is_bag(args.input))
    source = open_source(args.input, loop=args.input_loop, width=args.input_width, height=args.input_height,
                         rate=args.input_rate, codec=args.input_codec, flip=args.input_flip,
                         timeout=args.input_timeout, max_pixels=args.max_image_pixels, topic=args.topic)
    total = len(source) or None
    three_d = bool(args.depth or args.depth_topic)
    bag = dict(topic=getattr(source, "topic", None), namespace=args.bag_namespace, overlay=args.bag_overlay,
               detections=args.bag_detections, depth=three_d) if is_bag_output(args.output) else {}
    sinks: list[Sink] = []              # every output: JSON lines, CSV, then OUTPUT (image/video/view/recording)
    output = pipeline = depth = None
    try:
        depth = DepthInput.open(args, source)
        output = open_output(args.output, fps=getattr(source, "output_fps", 30.0), codec=args.output_codec,
                             bitrate=args.bitrate, multi_frame=(total or 2) > 1, **bag) if args.output else None
        pipeline = Pipeline(args.network, **options.given(args, GROUPS))
        if args.json:
            sinks.append(JsonLinesSink(args.json))
        if args.csv:
            sinks.append(CsvSink(args.csv, xyz=three_d, gestures=pipeline.gestures is not None))
        if output is not None:
            sinks.append(output)
            output = None
    except BaseException:
        for stage in (*sinks, output, source):
            if stage is not None:
                stage.close()
        raise
    pipeline.sinks = sinks

    def emit(items) -> None:
        """Frames lifted with depth (or without: no depth within the slop), in order."""
        for item in items:
            capture = item.payload
            if item.lifted:
                capture = dataclasses.replace(capture, depth_frame_id=item.depth_frame_id)
            pipeline.write(item.frame, capture)

    failed = processed = 0
    bar = tqdm(total=total, unit="frame", disable=args.no_progress or (total or 2) <= 1, file=sys.stderr)
    say = (lambda msg: bar.write(msg, file=sys.stderr)) if not bar.disable else log.info
    try:
        for capture in source:
            bar.update(1)
            if capture.image is None:
                failed += 1
                log.error("posenet: error: %s", capture.error)
                continue
            try:
                frame = pipeline.process(capture.image, capture.timestamp)
                pipeline.draw(capture.image, frame)
                if depth is not None:
                    emit(depth.add(frame, capture))      # lifted last, after tracking
                else:
                    pipeline.write(frame, capture)
            except PoseNetError as exc:
                failed += 1
                log.error("posenet: error: %s: %s", capture.source, exc)
                continue
            except (OSError, MemoryError, cv2.error) as exc:    # one file's trouble never ends a batch
                failed += 1
                log.error("posenet: error: %s: %s: %s", capture.source, type(exc).__name__,
                          str(exc).strip().splitlines()[-1] if str(exc).strip() else "")
                continue
            processed += 1
            t = frame.timings
            if log.isEnabledFor(logging.INFO):
                say(f"posenet: {len(frame)} pose(s) in {capture.source}"
                    f"{f' frame {capture.index}' if total != 1 else ''} | pre {t.get('preprocess', 0):.1f} ms"
                    f" | net {t.get('inference', 0):.1f} ms | decode {t.get('decode', 0):.1f} ms")
    except KeyboardInterrupt:
        log.warning("posenet: interrupted after %d frame(s)", processed)
    finally:
        bar.close()
        try:
            if depth is not None:
                emit(depth.flush())
                summary = depth.summary()
                if summary:
                    log.info("posenet: %s", summary)
        finally:
            try:
                pipeline.close()                 # every sink: files finished, a video stays playable
            finally:
                source.close()
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
