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
import re
import statistics
import sys
import time
from pathlib import Path

from node_harness import NodeBench, rss_mb, setup_environment  # noqa: E402


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
    images = setup_environment()

    import cv2
    from builtin_interfaces.msg import Time
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    from jetson_pose_ros.msgs.image_conversion import bgr_to_image

    w, h = (int(v) for v in args.size.lower().split("x"))
    frame = cv2.resize(cv2.imread(str(images / "humans_1.jpg")), (w, h))

    bench = NodeBench("bench", ["--log-level", "bench.posenet:=debug", "-p", f"num_threads:={args.num_threads}"],
                      "ros_node_bench")
    if args.overlay:
        bench.node.create_subscription(Image, "/bench/overlay", lambda m: None, bench.qos)
    proc, pub, got, log_path = bench.proc, bench.pub, bench.got, bench.log_path

    def spin_until(pred, timeout):
        return bench.spin_until(pred, timeout, step=0.02)

    try:
        bench.wait_node(60)
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
        bench.__exit__(None, None, None)

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
