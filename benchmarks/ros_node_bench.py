#!/usr/bin/env python3
"""Benchmark of posenet_node's ROS overhead and memory (not a timed test).

    source scripts/ros_env.sh
    python benchmarks/ros_node_bench.py                       # 2,000 frames of 640x480, ~4-6 min on 2 cores
    python benchmarks/ros_node_bench.py --frames 400 --rss-at 100 --size 320x240 --overlay

The node runs as a subprocess (the `posenet_node` entry point, default parameters, debug log level);
this script publishes one 640x480 bgr8 frame (humans_1.jpg resized), waits for the Pose2DArray with
that stamp, and publishes the next (lock-step, so no frame waits in a queue).  Reported:

* node overhead = receive->publish time inside the node (subscription callback to `poses` published)
  minus the network's inference time (`PoseNet.timings["inference"]`); also minus the whole
  `PoseNet.process` (preprocess + inference + decode), i.e. the ROS-side cost alone (image
  conversion, message building, publishing). Taken from the node's
  per-second debug statistics, weighted by the frames of each second.  Target: <= 3 ms.
* client round trip (publish -> Pose2DArray received here) minus inference: adds DDS transport both ways.
* node RSS (VmRSS of the node process) after --rss-at frames (default 200) and after all frames.
  Target: growth < 20 MB over 2,000 frames.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def find_image() -> Path:
    for cand in (os.environ.get("JETSON_POSE_SHARED"), REPO.parent / "shared", REPO / "shared"):
        if cand:
            p = Path(cand) / "data" / "jetson_inference" / "images" / "humans_1.jpg"
            if p.is_file():
                return p
    sys.exit("humans_1.jpg not found (expected ../shared/data/jetson_inference/images beside the repo)")


STATS = re.compile(r"stats rate=(?P<rate>[\d.]+)Hz latency=(?P<latency>[\d.]+)ms process=(?P<process>[\d.]+)ms "
                   r"inference=(?P<inference>[\d.]+)ms overhead=(?P<overhead>-?[\d.]+)ms "
                   r"ros_overhead=(?P<ros>-?[\d.]+)ms received=\d+ processed=(?P<processed>\d+)"
                   r"(?:.*? overhead_median=(?P<overhead_median>-?[\d.]+)ms ros_overhead_median=(?P<ros_median>-?[\d.]+)ms)?")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=2000)
    ap.add_argument("--rss-at", type=int, default=200, help="first RSS sample after this many frames")
    ap.add_argument("--size", default="640x480", help="frame size WxH (default 640x480)")
    ap.add_argument("--encoding", default="bgr8")
    ap.add_argument("--overlay", action="store_true", help="also subscribe `overlay` (the node renders it)")
    ap.add_argument("--num-threads", type=int, default=0, help="node num_threads (0 = onnxruntime default)")
    ap.add_argument("--json", help="write the summary here as JSON")
    args = ap.parse_args()

    # private, local DDS domain; large-image Fast DDS profile (see config/fastdds_large_images.xml)
    os.environ.setdefault("ROS_DOMAIN_ID", str(150 + os.getpid() % 50))
    os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE",
                          str(REPO / "jetson_pose_ros" / "config" / "fastdds_large_images.xml"))
    shared_models = find_image().parents[3] / "models"
    os.environ.setdefault("MODEL_MIRROR", str(shared_models))

    import cv2
    import rclpy
    from builtin_interfaces.msg import Time
    from rclpy.node import Node
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    from jetson_pose_msgs.msg import Pose2DArray
    from jetson_pose_ros.ros.image_conversion import bgr_to_image

    w, h = (int(v) for v in args.size.lower().split("x"))
    frame = cv2.resize(cv2.imread(str(find_image())), (w, h))

    exe = shutil.which("posenet_node")
    cmd = ([exe] if exe else [sys.executable, "-m", "jetson_pose_ros.ros.node"]) + [
        "--ros-args", "-r", "__ns:=/bench", "--log-level", "bench.posenet:=debug",
        "-p", f"num_threads:={args.num_threads}"]
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"ros_node_bench_{os.getpid()}.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)

    rclpy.init()
    node = Node("bench_client")
    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10, reliability=ReliabilityPolicy.RELIABLE)
    pub = node.create_publisher(Image, "/bench/image", qos)
    got: dict[tuple[int, int], float] = {}
    node.create_subscription(Pose2DArray, "/bench/poses",
                             lambda m: got.__setitem__((m.header.stamp.sec, m.header.stamp.nanosec),
                                                       time.perf_counter()), qos)
    if args.overlay:
        node.create_subscription(Image, "/bench/overlay", lambda m: None, qos)

    def spin_until(pred, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            rclpy.spin_once(node, timeout_sec=0.02)
        return pred()

    try:
        if not spin_until(lambda: pub.get_subscription_count() > 0, 60):
            sys.exit(f"posenet_node did not come up:\n{log_path.read_text()[-2000:]}")
        template = bgr_to_image(frame, args.encoding, header=Header(frame_id="bench"))
        round_trips = []
        rss = {}
        t_start = time.monotonic()
        i = 0
        lost = 0
        while i < args.frames:
            template.header.stamp = Time(sec=1 + i // 1000, nanosec=(i % 1000) * 1000)
            key = (template.header.stamp.sec, template.header.stamp.nanosec)
            t0 = time.perf_counter()
            pub.publish(template)
            if not spin_until(lambda: key in got, 5.0):
                lost += 1  # (only possible before discovery settles) publish it again
                if lost > 50:
                    sys.exit(f"too many frames without an answer:\n{log_path.read_text()[-2000:]}")
                continue
            round_trips.append((got.pop(key) - t0) * 1e3)
            i += 1
            if i == args.rss_at:
                rss["at_rss_at"] = rss_mb(proc.pid)
            if i % 200 == 0:
                print(f"  {i} frames, node RSS {rss_mb(proc.pid):.1f} MB, "
                      f"median round trip {statistics.median(round_trips[-200:]):.1f} ms", file=sys.stderr)
        rss["at_end"] = rss_mb(proc.pid)
        wall = time.monotonic() - t_start
        time.sleep(1.2)  # let the node print its last statistics line
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    text = log_path.read_text(errors="replace")
    windows = [m.groupdict() for m in STATS.finditer(text)]
    prev = 0
    weighted = {"latency": 0.0, "process": 0.0, "inference": 0.0}
    total = 0
    for wnd in windows:
        n = int(wnd["processed"]) - prev
        prev = int(wnd["processed"])
        if n <= 0:
            continue
        total += n
        for k in weighted:
            weighted[k] += float(wnd[k]) * n
    means = {k: v / total for k, v in weighted.items()} if total else {}
    median_rt = statistics.median(round_trips)
    # robust to a busy machine: the median over the per-second windows of the per-frame medians
    med = {k: statistics.median(float(wnd[k]) for wnd in windows if wnd.get(k) is not None)
           for k in ("overhead_median", "ros_median") if any(wnd.get(k) is not None for wnd in windows)}
    summary = {
        "frames": args.frames, "size": f"{w}x{h}", "encoding": args.encoding, "overlay": args.overlay,
        "num_threads": args.num_threads, "wall_s": round(wall, 1), "fps": round(args.frames / wall, 2),
        "node_frames_in_stats": total,
        "node_latency_ms": round(means.get("latency", float("nan")), 2),
        "node_process_ms": round(means.get("process", float("nan")), 2),
        "node_inference_ms": round(means.get("inference", float("nan")), 2),
        "node_overhead_ms (latency - inference)": round(means.get("latency", 0) - means.get("inference", 0), 2),
        "node_ros_overhead_ms (latency - process)": round(means.get("latency", 0) - means.get("process", 0), 2),
        "node_overhead_median_ms": round(med.get("overhead_median", float("nan")), 2),
        "node_ros_overhead_median_ms": round(med.get("ros_median", float("nan")), 2),
        "client_round_trip_median_ms": round(median_rt, 2),
        "client_round_trip_minus_inference_ms": round(median_rt - means.get("inference", 0), 2),
        f"rss_mb_after_{args.rss_at}": round(rss.get("at_rss_at", float("nan")), 1),
        f"rss_mb_after_{args.frames}": round(rss["at_end"], 1),
        "rss_growth_mb": round(rss["at_end"] - rss.get("at_rss_at", float("nan")), 1),
        "node_log": str(log_path),
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
