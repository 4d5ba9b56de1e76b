"""``image_publisher``: publish a video file, an image directory, a glob or single images as
sensor_msgs/Image (or CompressedImage) at a fixed rate, stamped with the node clock.

    image_publisher ../shared/data/jetson_inference/images --rate 2 --loop
    image_publisher 'photos/*.jpg' video.mp4 --frame-id camera --encoding rgb8 --topic /camera/image_raw
    image_publisher clip.mp4 --compressed jpeg     # publishes <topic>/compressed

Remapping and other ROS arguments go after ``--ros-args`` as usual.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Iterator

import numpy as np

from ..core.errors import PoseNetError
from ..io import open_source
from . import require_ros
from ..msgs import image_conversion as conv


def iter_frames(paths: list[str], loop: bool = False, resize: tuple[int, int] | None = None,
                flip: str | None = None) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(source, bgr)`` for every frame of ``paths`` (image files, directories, globs,
    video files, cameras, RTSP/RTP streams: anything ``posenet`` reads), again and again with
    ``loop``.  Unreadable frames are reported and skipped."""
    width, height = resize or (None, None)
    for path in paths:
        try:
            source = open_source(path, loop=-1 if loop else 0, width=width, height=height, flip=flip)
        except PoseNetError as exc:
            raise SystemExit(f"image_publisher: error: {exc}") from None
        try:
            for capture in source:
                if capture.image is None:
                    print(f"image_publisher: skipping: {capture.error}", file=sys.stderr)
                    continue
                yield f"{capture.source}#{capture.index}", capture.image
        finally:
            source.close()


def wait_for_subscriber(node, pub, timeout: float, settle: float, spin_once) -> bool:
    """Spin until ``pub`` has a subscriber (at most ``timeout`` s), then ``settle`` s more; False
    when none came."""
    deadline = time.monotonic() + max(0.0, timeout)
    while pub.get_subscription_count() == 0:
        if time.monotonic() >= deadline:
            return False
        spin_once(node, timeout_sec=0.05)
    end = time.monotonic() + max(0.0, settle)
    while time.monotonic() < end:
        spin_once(node, timeout_sec=0.05)
    return True


def linger(node, pub, seconds: float, spin_once) -> None:
    """Keep the publisher up until reliable subscribers acknowledged everything (at most
    ``seconds``) and for ``seconds`` in any case: Fast DDS sends large samples asynchronously,
    and the last one is dropped if the writer is destroyed right after ``publish``."""
    from rclpy.duration import Duration

    try:
        pub.wait_for_all_acked(Duration(seconds=max(0.0, seconds)))
    except Exception:  # noqa: BLE001 - best-effort publishers / older rmw: only the wait below
        pass
    end = time.monotonic() + max(0.0, seconds)
    while time.monotonic() < end:
        spin_once(node, timeout_sec=0.05)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="image_publisher", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", nargs="+", help="image files, directories, globs, video files, cameras "
                   "(/dev/videoN), rtsp:// or rtp:// streams")
    p.add_argument("--rate", type=float, default=10.0, help="frames per second (default 10; 0 = as fast as possible)")
    p.add_argument("--topic", default="image", help="output topic (default: image)")
    p.add_argument("--frame-id", default="camera", help="header.frame_id (default: camera)")
    p.add_argument("--encoding", default="bgr8", choices=sorted({"bgr8", "rgb8", "bgra8", "rgba8", "mono8", "mono16",
                                                                 "yuv422", "uyvy", "yuv422_yuy2", "yuyv"}),
                   help="sensor_msgs/Image encoding (default bgr8)")
    p.add_argument("--compressed", choices=("jpeg", "png"), help="publish CompressedImage on <topic>/compressed")
    p.add_argument("--loop", action="store_true", help="start again at the end")
    p.add_argument("--count", type=int, default=0, help="stop after this many frames (0 = all)")
    p.add_argument("--resize", metavar="WxH", help="resize every frame, e.g. 640x480")
    p.add_argument("--flip", help="flip/rotate frames: counterclockwise, rotate-180, clockwise, horizontal, ...")
    p.add_argument("--qos", choices=("reliable", "best_effort"), default="reliable",
                   help="publisher reliability (default reliable; matches best-effort subscribers too)")
    p.add_argument("--wait", type=float, default=5.0,
                   help="seconds to wait for a subscriber before the first frame (default 5)")
    p.add_argument("--settle", type=float, default=1.0,
                   help="seconds to wait after a subscriber matched, before the first frame, and after the "
                   "last frame, before leaving (default 1): discovery completes on the subscriber's side "
                   "later than on ours, a best-effort subscriber loses what arrives before, and a large "
                   "image still being sent when the publisher goes away is lost")
    p.add_argument("--quiet", action="store_true", help="do not print a line per frame")
    args = p.parse_args(argv)
    if args.resize:
        try:
            w, h = (int(v) for v in args.resize.lower().split("x"))
            args.resize = (w, h)
        except ValueError:
            p.error(f"--resize: expected WxH, got {args.resize!r}")
    return args


def main(argv: list[str] | None = None) -> int:
    require_ros()
    import rclpy
    from rclpy.executors import ExternalShutdownException
    from rclpy.node import Node
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
    from rclpy.utilities import remove_ros_args
    from sensor_msgs.msg import CompressedImage, Image
    from std_msgs.msg import Header

    argv = sys.argv if argv is None else argv
    args = parse_args(remove_ros_args(argv)[1:])
    rclpy.init(args=argv)
    node = Node("image_publisher")
    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                     reliability=ReliabilityPolicy.RELIABLE if args.qos == "reliable" else ReliabilityPolicy.BEST_EFFORT)
    topic = args.topic.rstrip("/") + "/compressed" if args.compressed else args.topic
    pub = node.create_publisher(CompressedImage if args.compressed else Image, topic, qos)
    log = node.get_logger()
    sent = 0
    try:
        if not wait_for_subscriber(node, pub, args.wait, args.settle, rclpy.spin_once):
            log.warning(f"no subscriber on {topic} after {args.wait:g} s; publishing anyway")
        period = 1.0 / args.rate if args.rate > 0 else 0.0
        next_t = time.monotonic()
        for source, bgr in iter_frames(args.path, args.loop, args.resize, args.flip):
            if not rclpy.ok():
                break
            now = time.monotonic()
            if period and now < next_t:
                time.sleep(next_t - now)
            next_t = max(next_t + period, time.monotonic() - period) if period else 0.0
            header = Header(stamp=node.get_clock().now().to_msg(), frame_id=args.frame_id)
            if args.compressed:
                msg = conv.bgr_to_compressed(bgr, args.compressed, header=header)
            else:
                msg = conv.bgr_to_image(bgr, args.encoding, header=header)
            pub.publish(msg)
            sent += 1
            if not args.quiet:
                log.info(f"{topic} #{sent} {bgr.shape[1]}x{bgr.shape[0]} stamp "
                         f"{header.stamp.sec}.{header.stamp.nanosec:09d} <- {source}")
            rclpy.spin_once(node, timeout_sec=0.0)
            if args.count and sent >= args.count:
                break
        if sent and rclpy.ok():
            linger(node, pub, args.settle, rclpy.spin_once)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    print(f"image_publisher: published {sent} frame(s) on {topic}", file=sys.stderr)
    return 0 if sent else 1


if __name__ == "__main__":
    sys.exit(main())
