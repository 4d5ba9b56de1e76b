"""``pose_echo``: print a one-line summary per jetson_pose_msgs/Pose2DArray, or write JSON lines.

    pose_echo                         # subscribes `poses`
    pose_echo --topic /front/poses --count 10
    pose_echo --json poses.jsonl      # one JSON object per message ("-" = stdout)
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from . import require_ros
from ..msgs.messages import pose_msg_to_dict


def summary(msg) -> str:
    """``stamp 1700000000.123456789 frame camera network mobilenet-body 640x480 people 3 keypoints 51``"""
    keypoints = sum(kp.found for p in msg.poses for kp in p.keypoints)
    return (f"stamp {msg.header.stamp.sec}.{msg.header.stamp.nanosec:09d} frame {msg.header.frame_id or '-'} "
            f"network {msg.network} {msg.image_width}x{msg.image_height} people {len(msg.poses)} "
            f"keypoints {keypoints}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="pose_echo", description=__doc__.split("\n\n")[0])
    p.add_argument("--topic", default="poses", help="Pose2DArray topic (default: poses)")
    p.add_argument("--json", metavar="FILE", help="write one JSON object per message to FILE (overwritten; - = stdout)")
    p.add_argument("--count", type=int, default=0, help="exit after this many messages (0 = run until Ctrl-C)")
    p.add_argument("--timeout", type=float, default=0.0, help="exit after this many seconds (0 = no limit)")
    p.add_argument("--qos", choices=("reliable", "best_effort"), default="reliable",
                   help="subscription reliability (default reliable, as posenet_node publishes)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    require_ros()
    import rclpy
    from rclpy.executors import ExternalShutdownException
    from rclpy.node import Node
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
    from rclpy.utilities import remove_ros_args

    from jetson_pose_msgs.msg import Pose2DArray

    argv = sys.argv if argv is None else argv
    args = parse_args(remove_ros_args(argv)[1:])
    rclpy.init(args=argv)
    node = Node("pose_echo")
    out = None
    if args.json:
        out = sys.stdout if args.json == "-" else open(args.json, "w", encoding="utf-8")
    received = 0

    def on_poses(msg) -> None:
        nonlocal received
        received += 1
        if out is not None:
            out.write(json.dumps(pose_msg_to_dict(msg)) + "\n")
            out.flush()
        if out is not sys.stdout:
            print(summary(msg), flush=True)

    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10,
                     reliability=ReliabilityPolicy.RELIABLE if args.qos == "reliable" else ReliabilityPolicy.BEST_EFFORT)
    node.create_subscription(Pose2DArray, args.topic, on_poses, qos)
    deadline = time.monotonic() + args.timeout if args.timeout > 0 else None
    try:
        while rclpy.ok() and not (args.count and received >= args.count):
            if deadline is not None and time.monotonic() >= deadline:
                break
            rclpy.spin_once(node, timeout_sec=0.1)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if out is not None and out is not sys.stdout:
            out.close()
        node.destroy_node()
        rclpy.try_shutdown()
    return 0 if received or not args.count else 1


if __name__ == "__main__":
    sys.exit(main())
