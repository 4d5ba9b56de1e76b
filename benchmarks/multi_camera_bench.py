"""Two cameras in one node (one network) vs two nodes (one network each).

Set-up "1 node": one ``posenet_node`` with ``input_topics`` = both image topics (one network, the
cameras served in turn).  Set-up "2 nodes": two ``posenet_node`` processes, each with one of the
topics as its ``input_topics`` (one network each).  The benchmark process publishes both cameras (sensor_msgs/Image, two photos) at ``--rate``
Hz each, stamped with the send time, and measures per set-up: processed frames per second (both
cameras together and per camera), per-camera latency (pose message received - image stamp; median
and 90th percentile) and the resident memory (VmRSS, and peak VmHWM) of the serving processes,
summed.  Set-ups alternate (1 node, 2 nodes, 1 node, ...) for ``--rounds`` rounds.

    source scripts/ros_env.sh
    flock /tmp/bench.lock python benchmarks/multi_camera_bench.py --images DIR --seconds 15 --rounds 2
"""
from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

TOPICS = ("/cam1/image_raw", "/cam2/image_raw")


def memory_kb(pid: int) -> tuple[int, int]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def start_servers(groups: list[list[str]], args) -> list[subprocess.Popen]:
    exe = shutil.which("posenet_node")
    command = [exe] if exe else [sys.executable, "-m", "jetson_pose_ros.ros.node"]
    procs = []
    for k, topics in enumerate(groups):
        params = {"input_topics": ",".join(topics), "qos_reliability": "reliable", "network": args.network}
        if args.threads:
            params["num_threads"] = args.threads
        ros_args = [a for key, v in params.items() if v != "" for a in ("-p", f"{key}:={v}")]
        procs.append(subprocess.Popen(command + ["--ros-args", "-r", f"__node:=posenet_bench_{k}"] + ros_args,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    for p in procs:
        for line in p.stdout:
            if "ready;" in line:
                break
        else:
            raise SystemExit("posenet_node did not start")
        threading.Thread(target=lambda f=p.stdout: [None for _ in f], daemon=True).start()   # keep draining
    return procs


def run_setup(name: str, groups, images, args) -> dict:
    import rclpy
    from builtin_interfaces.msg import Time
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    from jetson_pose_msgs.msg import Pose2DArray
    from jetson_pose_ros.msgs import image_conversion as conv

    procs = start_servers(groups, args)
    node = rclpy.create_node("bench_feeder")
    qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    pubs = [node.create_publisher(Image, t, qos) for t in TOPICS]
    got: list[list[tuple[float, float]]] = [[] for _ in TOPICS]
    for i, t in enumerate(TOPICS):
        ns = t.rsplit("/", 1)[0]
        node.create_subscription(Pose2DArray, f"{ns}/poses", lambda m, i=i: got[i].append(
            (time.time(), m.header.stamp.sec + m.header.stamp.nanosec * 1e-9)), qos)
    try:
        deadline = time.monotonic() + 30
        while any(p.get_subscription_count() == 0 for p in pubs):
            if time.monotonic() > deadline:
                raise SystemExit("discovery timed out")
            rclpy.spin_once(node, timeout_sec=0.05)
        msgs = [conv.bgr_to_image(img, "bgr8") for img in images]
        period = 1.0 / args.rate
        start = time.monotonic()
        warm_until, end = start + args.warmup, start + args.warmup + args.seconds
        k = 0
        while time.monotonic() < end:
            now = time.time()
            for pub, msg in zip(pubs, msgs):
                msg.header = Header(stamp=Time(sec=int(now), nanosec=int((now % 1) * 1e9)), frame_id="bench")
                pub.publish(msg)
            k += 1
            while time.monotonic() < start + k * period:
                rclpy.spin_once(node, timeout_sec=max(0.0, start + k * period - time.monotonic()))
            if warm_until and time.monotonic() >= warm_until:
                t_warm = time.time()
                got_before = [len(g) for g in got]
                warm_until = 0
        t_end = time.time()
        mem = [memory_kb(p.pid) for p in procs]
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        node.destroy_node()
    window = [[(r, s) for r, s in g[b:] if s >= t_warm] for g, b in zip(got, got_before)]
    secs = t_end - t_warm
    lat = [[(r - s) * 1e3 for r, s in w] for w in window]
    res = {"setup": name, "fps_total": sum(len(w) for w in window) / secs,
           "fps": [len(w) / secs for w in window],
           "latency_median_ms": [statistics.median(v) if v else float("nan") for v in lat],
           "latency_p90_ms": [statistics.quantiles(v, n=10)[-1] if len(v) > 1 else float("nan") for v in lat],
           "rss_mb": sum(m[0] for m in mem) / 1024, "peak_rss_mb": sum(m[1] for m in mem) / 1024}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", help="folder with humans_0.jpg and humans_1.jpg (jetson-inference sample photos)")
    ap.add_argument("--network", default="")
    ap.add_argument("--threads", type=int, default=0, help="inference threads per network (0: ONNX Runtime's)")
    ap.add_argument("--rate", type=float, default=15.0, help="frames per second sent per camera")
    ap.add_argument("--seconds", type=float, default=15.0, help="measured seconds per set-up and round")
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    import cv2
    import rclpy

    images = [cv2.imread(str(Path(args.images) / n)) for n in ("humans_0.jpg", "humans_1.jpg")]
    if any(i is None for i in images):
        raise SystemExit(f"{args.images}: humans_0.jpg / humans_1.jpg not found")
    rclpy.init()
    setups = [("1 node, 2 cameras", [list(TOPICS)]), ("2 nodes, 1 camera each", [[t] for t in TOPICS])]
    results = []
    try:
        for r in range(args.rounds):
            for name, groups in setups:
                res = run_setup(name, groups, images, args)
                results.append(res)
                print(f"round {r + 1} {name}: {res['fps_total']:.2f} fps total "
                      f"(cam1 {res['fps'][0]:.2f}, cam2 {res['fps'][1]:.2f}); latency median "
                      f"{res['latency_median_ms'][0]:.0f} / {res['latency_median_ms'][1]:.0f} ms, p90 "
                      f"{res['latency_p90_ms'][0]:.0f} / {res['latency_p90_ms'][1]:.0f} ms; RSS {res['rss_mb']:.0f} MB "
                      f"(peak {res['peak_rss_mb']:.0f} MB)", flush=True)
    finally:
        rclpy.try_shutdown()
    for name, _ in setups:
        rs = [r for r in results if r["setup"] == name]
        med = lambda key, i=None: statistics.median(r[key] if i is None else r[key][i] for r in rs)  # noqa: E731
        print(f"{name}: {med('fps_total'):.2f} fps total, latency median cam1 {med('latency_median_ms', 0):.0f} ms "
              f"cam2 {med('latency_median_ms', 1):.0f} ms, RSS {med('rss_mb'):.0f} MB (peak {med('peak_rss_mb'):.0f} MB)"
              f" [median of {len(rs)} rounds]")


if __name__ == "__main__":
    main()
