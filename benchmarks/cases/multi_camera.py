"""Two cameras in one node (one network) against two nodes (one network each).

"1 node": one ``posenet_node`` with ``input_topics`` = both image topics (one network, the cameras
served in turn).  "2 nodes": two ``posenet_node`` processes, one topic each.  The case publishes
both cameras (humans_0.jpg, humans_1.jpg) at ``rate`` Hz each, stamped with the send time, and
measures per set-up: processed frames per second (together and per camera), per-camera latency
(pose message received - image stamp; median and 90th percentile) and the resident memory (VmRSS,
and peak VmHWM) of the serving processes, summed.  Set-ups alternate for ``rounds`` rounds.
"""
from __future__ import annotations

import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from suite import ros_node

TITLE = "2 cameras: one node serving both against one node per camera (fps, latency, RSS)"
TARGET = ""
NEEDS = ("shared_data", "ros")
PARAMS = {"network": "", "threads": 0, "rate": 15.0, "seconds": 15.0, "warmup": 5.0, "rounds": 2}
QUICK = {"seconds": 6.0, "warmup": 3.0, "rounds": 1}
TOPICS = ("/cam1/image_raw", "/cam2/image_raw")
SETUPS = (("1 node, 2 cameras", [list(TOPICS)]), ("2 nodes, 1 camera each", [[t] for t in TOPICS]))


def _memory_kb(pid: int) -> tuple[int, int]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def _start_servers(groups, p: dict) -> list[subprocess.Popen]:
    exe = shutil.which("posenet_node")
    command = [exe] if exe else [sys.executable, "-m", "jetson_pose_ros.ros.node"]
    procs = []
    for k, topics in enumerate(groups):
        params = {"input_topics": ",".join(topics), "qos_reliability": "reliable", "network": p["network"],
                  "num_threads": p["threads"] or ""}
        ros_args = [a for key, v in params.items() if v != "" for a in ("-p", f"{key}:={v}")]
        procs.append(subprocess.Popen(command + ["--ros-args", "-r", f"__node:=posenet_bench_{k}"] + ros_args,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    for proc in procs:
        for line in proc.stdout:
            if "ready;" in line:
                break
        else:
            raise RuntimeError("posenet_node did not start")
        threading.Thread(target=lambda f=proc.stdout: [None for _ in f], daemon=True).start()   # keep draining
    return procs


def _run_setup(name: str, groups, images, p: dict) -> dict:
    # optional: ROS 2, only in run() (--list imports every case)
    import rclpy
    from builtin_interfaces.msg import Time
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    from jetson_pose_msgs.msg import Pose2DArray
    from jetson_pose_ros.msgs import image_conversion as conv  # heavy: the package, on demand

    procs = _start_servers(groups, p)
    node = rclpy.create_node("bench_feeder")
    qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    pubs = [node.create_publisher(Image, t, qos) for t in TOPICS]
    got: list[list[tuple[float, float]]] = [[] for _ in TOPICS]
    for i, t in enumerate(TOPICS):
        node.create_subscription(Pose2DArray, f"{t.rsplit('/', 1)[0]}/poses", lambda m, i=i: got[i].append(
            (time.time(), m.header.stamp.sec + m.header.stamp.nanosec * 1e-9)), qos)
    try:
        deadline = time.monotonic() + 30
        while any(pub.get_subscription_count() == 0 for pub in pubs):
            if time.monotonic() > deadline:
                raise RuntimeError("discovery timed out")
            rclpy.spin_once(node, timeout_sec=0.05)
        msgs = [conv.bgr_to_image(img, "bgr8") for img in images]
        period = 1.0 / p["rate"]
        start = time.monotonic()
        warm_until, end = start + p["warmup"], start + p["warmup"] + p["seconds"]
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
                t_warm, got_before, warm_until = time.time(), [len(g) for g in got], 0
        t_end = time.time()
        mem = [_memory_kb(proc.pid) for proc in procs]
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        node.destroy_node()
    window = [[(r, s) for r, s in g[b:] if s >= t_warm] for g, b in zip(got, got_before)]
    secs = t_end - t_warm
    lat = [[(r - s) * 1e3 for r, s in w] for w in window]
    nan = float("nan")
    return {"setup": name, "fps_total": sum(len(w) for w in window) / secs, "fps": [len(w) / secs for w in window],
            "latency_median_ms": [statistics.median(v) if v else nan for v in lat],
            "latency_p90_ms": [statistics.quantiles(v, n=10)[-1] if len(v) > 1 else nan for v in lat],
            "rss_mb": sum(m[0] for m in mem) / 1024, "peak_rss_mb": sum(m[1] for m in mem) / 1024}


def run(p: dict) -> dict:
    images_dir = ros_node.setup_environment()
    # optional: ROS 2 and OpenCV, only in run()
    import cv2
    import rclpy

    images = [cv2.imread(str(images_dir / n)) for n in ("humans_0.jpg", "humans_1.jpg")]
    rclpy.init()
    rounds = []
    try:
        for _ in range(p["rounds"]):
            for name, groups in SETUPS:
                rounds.append(_run_setup(name, groups, images, p))
    finally:
        rclpy.try_shutdown()
    summary = {}
    for name, _ in SETUPS:
        rs = [r for r in rounds if r["setup"] == name]
        summary[name] = {key: statistics.median(r[key] for r in rs) for key in ("fps_total", "rss_mb", "peak_rss_mb")}
        summary[name]["latency_median_ms"] = [statistics.median(r["latency_median_ms"][i] for r in rs)
                                              for i in range(len(TOPICS))]
    return {"rounds": rounds, "median_over_rounds": summary}


def plot(result: dict, fig) -> None:
    axes = fig.subplots(1, 3)
    names = [n for n, _ in SETUPS]
    s = result["median_over_rounds"]
    axes[0].bar(range(2), [s[n]["fps_total"] for n in names], color=["C0", "C1"])
    axes[0].set_ylabel("frames per second, both cameras")
    for i in range(len(TOPICS)):
        axes[1].bar([j + 0.4 * i for j in range(2)], [s[n]["latency_median_ms"][i] for n in names], 0.4,
                    label=f"camera {i + 1}")
    axes[1].set_ylabel("latency median, ms")
    axes[1].legend(fontsize=8)
    axes[2].bar(range(2), [s[n]["rss_mb"] for n in names], color=["C0", "C1"])
    axes[2].set_ylabel("RSS of the serving processes, MB")
    for ax, off in zip(axes, (0, 0.2, 0)):
        ax.set_xticks([j + off for j in range(2)], ["1 node", "2 nodes"])
