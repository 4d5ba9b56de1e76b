"""``posenet_node``'s ROS overhead and memory (a benchmark, not a timed test).

The node runs as a subprocess (``suite.ros_node``: the ``posenet_node`` entry point, default
parameters, debug log level); the case publishes one ``size`` bgr8 frame (humans_1.jpg resized),
waits for the Pose2DArray with that stamp, and publishes the next (lock-step, so no frame waits in
a queue).  Reported:

* node overhead = receive -> publish inside the node minus the network's inference time; also
  minus the whole ``PoseNet.process`` (the ROS side alone: image conversion, messages,
  publishing), from the node's per-second debug statistics weighted by the frames of each second,
  and the median over those seconds of the per-frame medians (robust on a busy machine);
* client round trip (publish -> Pose2DArray received here) minus inference (adds DDS transport);
* node RSS after ``rss_at`` frames and after all frames.
"""
from __future__ import annotations

import re
import statistics
import time

from suite import ros_node

TITLE = "posenet_node overhead (receive -> publish - inference) and RSS, lock-step 640x480"
TARGET = "overhead <= 3 ms per frame; RSS growth < 20 MB over 2,000 frames"
NEEDS = ("shared_data", "ros")
PARAMS = {"frames": 2000, "rss_at": 200, "size": "640x480", "encoding": "bgr8", "overlay": False, "num_threads": 0}
QUICK = {"frames": 300, "rss_at": 100}

STATS = re.compile(r"stats rate=(?P<rate>[\d.]+)Hz latency=(?P<latency>[\d.]+)ms process=(?P<process>[\d.]+)ms "
                   r"inference=(?P<inference>[\d.]+)ms overhead=(?P<overhead>-?[\d.]+)ms "
                   r"ros_overhead=(?P<ros>-?[\d.]+)ms received=\d+ processed=(?P<processed>\d+)"
                   r"(?:.*? overhead_median=(?P<overhead_median>-?[\d.]+)ms ros_overhead_median=(?P<ros_median>-?[\d.]+)ms)?")


def run(p: dict) -> dict:
    images = ros_node.setup_environment()
    # optional: ROS 2 and OpenCV, only in run() (--list imports every case)
    import cv2
    from builtin_interfaces.msg import Time
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    from jetson_pose_ros.msgs.image_conversion import bgr_to_image  # heavy: the package, on demand

    w, h = (int(v) for v in p["size"].lower().split("x"))
    frame = cv2.resize(cv2.imread(str(images / "humans_1.jpg")), (w, h))
    bench = ros_node.NodeBench("bench", ["--log-level", "bench.posenet:=debug", "-p",
                                         f"num_threads:={p['num_threads']}"], "node_overhead")
    if p["overlay"]:
        bench.node.create_subscription(Image, "/bench/overlay", lambda m: None, bench.qos)
    rss: dict[str, float] = {}
    round_trips: list[float] = []
    try:
        bench.wait_node(60)
        template = bgr_to_image(frame, p["encoding"], header=Header(frame_id="bench"))
        t_start, i, lost = time.monotonic(), 0, 0
        while i < p["frames"]:
            template.header.stamp = Time(sec=1 + i // 1000, nanosec=(i % 1000) * 1000)
            key = (template.header.stamp.sec, template.header.stamp.nanosec)
            t0 = time.perf_counter()
            bench.pub.publish(template)
            if not bench.spin_until(lambda: key in bench.got, 5.0, step=0.02):
                lost += 1  # (only possible before discovery settles) publish it again
                if lost > 50:
                    raise RuntimeError(f"too many frames without an answer:\n{bench.log_text()[-2000:]}")
                continue
            round_trips.append((bench.got.pop(key) - t0) * 1e3)
            i += 1
            if i == p["rss_at"]:
                rss["at_rss_at"] = ros_node.rss_mb(bench.proc.pid)
        rss["at_end"] = ros_node.rss_mb(bench.proc.pid)
        wall = time.monotonic() - t_start
        time.sleep(1.2)  # let the node print its last statistics line
    finally:
        bench.__exit__(None, None, None)

    windows = [m.groupdict() for m in STATS.finditer(bench.log_path.read_text(errors="replace"))]
    prev, total = 0, 0
    weighted = {"latency": 0.0, "process": 0.0, "inference": 0.0}
    for wnd in windows:
        n = int(wnd["processed"]) - prev
        prev = int(wnd["processed"])
        if n > 0:
            total += n
            for k in weighted:
                weighted[k] += float(wnd[k]) * n
    means = {k: v / total for k, v in weighted.items()} if total else {}
    med = {k: statistics.median(float(wnd[k]) for wnd in windows if wnd.get(k) is not None)
           for k in ("overhead_median", "ros_median") if any(wnd.get(k) is not None for wnd in windows)}
    median_rt = statistics.median(round_trips)
    nan = float("nan")
    return {
        "frames": p["frames"], "wall_s": round(wall, 1), "fps": round(p["frames"] / wall, 2),
        "node_frames_in_stats": total, "node_latency_ms": means.get("latency", nan),
        "node_process_ms": means.get("process", nan), "node_inference_ms": means.get("inference", nan),
        "node_overhead_ms": means.get("latency", nan) - means.get("inference", nan),
        "node_ros_overhead_ms": means.get("latency", nan) - means.get("process", nan),
        "node_overhead_median_ms": med.get("overhead_median", nan),
        "node_ros_overhead_median_ms": med.get("ros_median", nan),
        "client_round_trip_median_ms": median_rt,
        "client_round_trip_minus_inference_ms": median_rt - means.get("inference", nan),
        "rss_mb_first": rss.get("at_rss_at", nan), "rss_mb_end": rss["at_end"],
        "rss_growth_mb": rss["at_end"] - rss.get("at_rss_at", nan), "target_overhead_ms": 3.0,
        "met": means.get("latency", nan) - means.get("inference", nan) <= 3.0, "node_log": str(bench.log_path),
    }


def plot(result: dict, fig) -> None:
    left, right = fig.subplots(1, 2, width_ratios=(2, 1))
    keys = [("node_overhead_ms", "overhead\n(mean)"), ("node_overhead_median_ms", "overhead\n(median)"),
            ("node_ros_overhead_ms", "ROS side\n(mean)"), ("node_ros_overhead_median_ms", "ROS side\n(median)"),
            ("client_round_trip_minus_inference_ms", "round trip\n- inference")]
    left.bar(range(len(keys)), [result[k] for k, _ in keys], color=["C0", "C0", "C1", "C1", "C2"])
    left.axhline(result["target_overhead_ms"], color="C3", ls="--", label=f"target {result['target_overhead_ms']} ms")
    left.set_xticks(range(len(keys)), [lab for _, lab in keys], fontsize=8)
    left.set_ylabel(f"ms per frame (inference {result['node_inference_ms']:.1f} ms)")
    left.legend(fontsize=8)
    right.bar([0, 1], [result["rss_mb_first"], result["rss_mb_end"]], color="C4")
    right.set_xticks([0, 1], ["RSS early", f"RSS after\n{result['frames']} frames"], fontsize=8)
    right.set_ylabel("node RSS, MB")
    right.set_title(f"growth {result['rss_growth_mb']:.1f} MB", fontsize=9)
