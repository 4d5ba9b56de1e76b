#!/usr/bin/env python3
"""Soak benchmark of posenet_node with bad frames mixed in (issue 10; a benchmark, not a timed test).

    source scripts/ros_env.sh
    flock /tmp/bench.lock python benchmarks/node_soak.py            # 10,000 frames, every 50th bad
    python benchmarks/node_soak.py --frames 1000 --input-size 432x368

The node runs as a subprocess (reliable input, one thread, ``input_size`` small by default so that
10,000 frames take minutes on 2 cores: the soak is about the node's robustness and memory, not the
network).  This script publishes frames lock-step at the node's maximum rate: a good photo
(sample photos in turn), waits for its Pose2DArray, then the next; every ``--bad-every``-th frame
is a generated bad one instead (``test/bad_inputs.py``: a header claiming 100000x100000, short
data, unknown encoding, zero width, step too small, odd YUV width), after which it waits until the
node has counted it as bad (``/diagnostics`` when the node publishes it, else a short pause).

Reported: frames answered, bad frames sent, node RSS after warm-up and at the end (growth; target
< 10 MB), node deaths (the node gone, a frame never answered, or a fatal error in its log:
target 0), tracebacks in the log (target 0), round-trip latency median/p95 over the first and the
last ``--window`` good frames after warm-up.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from node_harness import REPO, NodeBench, rss_mb, setup_environment  # noqa: E402

sys.path.insert(0, str(REPO / "jetson_pose_ros" / "test"))


def stats(values) -> dict:
    a = np.asarray(values, dtype=float)
    return {"median_ms": round(float(np.median(a)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2), "n": len(a)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=10000, help="frames in all, good and bad (default 10000)")
    ap.add_argument("--bad-every", type=int, default=50, help="every Nth frame is a bad one (default 50)")
    ap.add_argument("--warmup", type=int, default=500, help="frames before the first RSS sample (default 500)")
    ap.add_argument("--window", type=int, default=500, help="good frames per latency window (default 500)")
    ap.add_argument("--input-size", default="160x128", help="node input_size (default 160x128)")
    ap.add_argument("--size", default="320x240", help="frame size WxH (default 320x240)")
    ap.add_argument("--json", help="write the summary here as JSON")
    args = ap.parse_args()

    images = setup_environment()

    import array

    import cv2
    from builtin_interfaces.msg import Time
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    import bad_inputs as bad
    from jetson_pose_ros.msgs.image_conversion import bgr_to_image

    try:
        from diagnostic_msgs.msg import DiagnosticArray
    except ImportError:
        DiagnosticArray = None

    w, h = (int(v) for v in args.size.lower().split("x"))
    good = [bgr_to_image(cv2.resize(cv2.imread(str(p)), (w, h)), "bgr8", header=Header(frame_id="soak"))
            for p in sorted(images.glob("humans_*.jpg"))[:5]]

    def bad_msg(kind: str) -> Image:
        f = bad.image_fields(**bad.BAD_RAW[kind])
        msg = Image(header=Header(frame_id="bad"), height=f.height, width=f.width, encoding=f.encoding,
                    step=f.step, is_bigendian=f.is_bigendian)
        msg.data = array.array("B", f.data)
        return msg

    bads = [bad_msg(k) for k in bad.BAD_RAW]

    bench = NodeBench("soak", ["-p", "num_threads:=1", "-p", "qos_reliability:=reliable",
                               "-p", f"input_size:={args.input_size}"], "node_soak")
    proc, node, pub, got, log_path = bench.proc, bench.node, bench.pub, bench.got, bench.log_path
    node_bad = [0]

    def on_diag(msg):
        for st in msg.status:
            for kv in st.values:
                if kv.key == "bad":
                    node_bad[0] = int(kv.value)
    if DiagnosticArray is not None:
        node.create_subscription(DiagnosticArray, "/diagnostics", on_diag, 10)

    def spin_until(pred, timeout):
        return bench.spin_until(pred, timeout)

    latencies, rss, unanswered, sent_bad, answered = [], {}, 0, 0, 0
    try:
        bench.wait_node(90)
        spin_until(lambda: False, 1.0)            # discovery settles on the node's side
        t_start = time.monotonic()
        for i in range(1, args.frames + 1):
            stamp = Time(sec=1 + i // 100000, nanosec=(i % 100000) * 1000 + 1)
            if args.bad_every and i % args.bad_every == 0:
                msg = bads[sent_bad % len(bads)]
                msg.header.stamp = stamp
                pub.publish(msg)
                sent_bad += 1
                # counted by the node (its /diagnostics), else give it a moment
                if not spin_until(lambda: node_bad[0] >= sent_bad, 1.0 if DiagnosticArray else 0.0):
                    spin_until(lambda: False, 0.05)
            else:
                msg = good[i % len(good)]
                msg.header.stamp = stamp
                key = (stamp.sec, stamp.nanosec)
                t0 = time.perf_counter()
                pub.publish(msg)
                if spin_until(lambda: key in got, 10.0):
                    latencies.append((got.pop(key) - t0) * 1e3)
                    answered += 1
                else:
                    unanswered += 1
                    if proc.poll() is not None or unanswered > 20:
                        print(f"node gone or silent after {i} frames", file=sys.stderr)
                        break
            if i == args.warmup:
                rss["after_warmup"] = rss_mb(proc.pid)
                warm_index = len(latencies)
            if i % 1000 == 0:
                print(f"  {i} frames, node RSS {rss_mb(proc.pid):.1f} MB, median round trip "
                      f"{np.median(latencies[-500:]):.1f} ms", file=sys.stderr)
        wall = time.monotonic() - t_start
        alive = proc.poll() is None
        rss["end"] = rss_mb(proc.pid) if alive else float("nan")
    finally:
        bench.__exit__(None, None, None)

    text = log_path.read_text(errors="replace")
    deaths = int(not alive) + text.count("exiting so that the node can be restarted") + (1 if unanswered else 0)
    after = latencies[warm_index:]
    summary = {
        "frames": args.frames, "bad_every": args.bad_every, "bad_sent": sent_bad, "good_answered": answered,
        "good_unanswered": unanswered, "node_input_size": args.input_size, "frame_size": args.size,
        "wall_s": round(wall, 1), "fps": round(args.frames / wall, 1),
        "rss_mb_after_warmup": round(rss.get("after_warmup", float("nan")), 1),
        "rss_mb_end": round(rss["end"], 1), "rss_growth_mb": round(rss["end"] - rss.get("after_warmup", 0), 1),
        "node_deaths": deaths, "node_exit_code": proc.returncode, "tracebacks_in_log": text.count("Traceback"),
        "bad_frame_warnings_in_log": text.count("frame dropped"),
        "latency_start": stats(after[:args.window]), "latency_end": stats(after[-args.window:]),
        "node_log": str(log_path),
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if deaths == 0 and summary["tracebacks_in_log"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
