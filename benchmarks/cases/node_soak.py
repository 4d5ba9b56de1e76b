"""``posenet_node`` soak with bad frames mixed in (issue 10; a benchmark, not a timed test).

The node runs as a subprocess (reliable input, one thread, ``input_size`` small by default so that
10,000 frames take minutes on 2 cores: the soak is about the node's robustness and memory, not the
network).  The case publishes frames lock-step at the node's maximum rate: a good photo (sample
photos in turn), waits for its Pose2DArray, then the next; every ``bad_every``-th frame is a
generated bad one instead (``test/bad_inputs.py``: a header claiming 100000x100000, short data,
unknown encoding, zero width, step too small, odd YUV width), after which it waits until the node
has counted it as bad (``/diagnostics``, else a short pause).

Reported: frames answered, bad frames sent, node RSS after warm-up and at the end, node deaths
(the node gone, a frame never answered, or a fatal error in its log), tracebacks in the log,
round-trip median/p95 over the first and the last ``window`` good frames after warm-up.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from suite import ros_node

TITLE = "posenet_node soak: lock-step frames, every 50th bad; deaths, tracebacks, RSS, latency"
TARGET = "0 node deaths, 0 tracebacks, RSS growth < 10 MB over 10,000 frames (issue 10)"
NEEDS = ("shared_data", "ros")
PARAMS = {"frames": 10000, "bad_every": 50, "warmup": 500, "window": 500, "input_size": "160x128",
          "size": "320x240"}
QUICK = {"frames": 1000, "warmup": 200, "window": 200}


def _stats(values) -> dict:
    a = np.asarray(values, dtype=float)
    return {"median_ms": float(np.median(a)), "p95_ms": float(np.percentile(a, 95)), "n": int(a.size)}


def run(p: dict) -> dict:
    images = ros_node.setup_environment()
    sys.path.insert(0, str(ros_node.REPO / "jetson_pose_ros" / "test"))       # bad_inputs.py, the tests' bad frames
    # optional: ROS 2 and OpenCV, only in run() (--list imports every case)
    import array

    import bad_inputs as bad  # optional: the tests' bad frames, on demand
    import cv2  # heavy: OpenCV, on demand
    from builtin_interfaces.msg import Time
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header

    from jetson_pose_ros.msgs.image_conversion import bgr_to_image  # heavy: the package, on demand

    try:
        from diagnostic_msgs.msg import DiagnosticArray  # optional: the node's bad-frame counter
    except ImportError:
        DiagnosticArray = None

    w, h = (int(v) for v in p["size"].lower().split("x"))
    good = [bgr_to_image(cv2.resize(cv2.imread(str(f)), (w, h)), "bgr8", header=Header(frame_id="soak"))
            for f in sorted(images.glob("humans_*.jpg"))[:5]]

    def bad_msg(kind: str) -> Image:
        f = bad.image_fields(**bad.BAD_RAW[kind])
        msg = Image(header=Header(frame_id="bad"), height=f.height, width=f.width, encoding=f.encoding,
                    step=f.step, is_bigendian=f.is_bigendian)
        msg.data = array.array("B", f.data)
        return msg

    bads = [bad_msg(k) for k in bad.BAD_RAW]
    bench = ros_node.NodeBench("soak", ["-p", "num_threads:=1", "-p", "qos_reliability:=reliable",
                                        "-p", f"input_size:={p['input_size']}"], "node_soak")
    node_bad = [0]

    def on_diag(msg):
        for st in msg.status:
            for kv in st.values:
                if kv.key == "bad":
                    node_bad[0] = int(kv.value)
    if DiagnosticArray is not None:
        bench.node.create_subscription(DiagnosticArray, "/diagnostics", on_diag, 10)

    latencies, rss, unanswered, sent_bad, answered, warm_index = [], {}, 0, 0, 0, 0
    alive = True
    try:
        bench.wait_node(90)
        bench.spin_until(lambda: False, 1.0)            # discovery settles on the node's side
        t_start = time.monotonic()
        for i in range(1, p["frames"] + 1):
            stamp = Time(sec=1 + i // 100000, nanosec=(i % 100000) * 1000 + 1)
            if p["bad_every"] and i % p["bad_every"] == 0:
                msg = bads[sent_bad % len(bads)]
                msg.header.stamp = stamp
                bench.pub.publish(msg)
                sent_bad += 1
                if not bench.spin_until(lambda: node_bad[0] >= sent_bad, 1.0 if DiagnosticArray else 0.0):
                    bench.spin_until(lambda: False, 0.05)
            else:
                msg = good[i % len(good)]
                msg.header.stamp = stamp
                key = (stamp.sec, stamp.nanosec)
                t0 = time.perf_counter()
                bench.pub.publish(msg)
                if bench.spin_until(lambda: key in bench.got, 10.0):
                    latencies.append((bench.got.pop(key) - t0) * 1e3)
                    answered += 1
                else:
                    unanswered += 1
                    if bench.proc.poll() is not None or unanswered > 20:
                        break
            if i == p["warmup"]:
                rss["after_warmup"] = ros_node.rss_mb(bench.proc.pid)
                warm_index = len(latencies)
        wall = time.monotonic() - t_start
        alive = bench.proc.poll() is None
        rss["end"] = ros_node.rss_mb(bench.proc.pid) if alive else float("nan")
    finally:
        bench.__exit__(None, None, None)

    text = bench.log_path.read_text(errors="replace")
    deaths = int(not alive) + text.count("exiting so that the node can be restarted") + (1 if unanswered else 0)
    after = latencies[warm_index:]
    out = {"frames": p["frames"], "bad_sent": sent_bad, "good_answered": answered, "good_unanswered": unanswered,
           "wall_s": round(wall, 1), "fps": round(p["frames"] / wall, 1),
           "rss_mb_after_warmup": rss.get("after_warmup", float("nan")), "rss_mb_end": rss["end"],
           "rss_growth_mb": rss["end"] - rss.get("after_warmup", float("nan")), "node_deaths": deaths,
           "node_exit_code": bench.proc.returncode, "tracebacks_in_log": text.count("Traceback"),
           "bad_frame_warnings_in_log": text.count("frame dropped"),
           "latency_start": _stats(after[:p["window"]]), "latency_end": _stats(after[-p["window"]:]),
           "node_log": str(bench.log_path)}
    out["met"] = deaths == 0 and out["tracebacks_in_log"] == 0 and out["rss_growth_mb"] < 10
    return out


def plot(result: dict, fig) -> None:
    left, right = fig.subplots(1, 2)
    for j, key in enumerate(("median_ms", "p95_ms")):
        left.bar([j * 0.4, 1 + j * 0.4], [result["latency_start"][key], result["latency_end"][key]], 0.4,
                 label=key.replace("_ms", ""))
    left.set_xticks([0.2, 1.2], [f"first {result['latency_start']['n']}\ngood frames",
                                 f"last {result['latency_end']['n']}\ngood frames"])
    left.set_ylabel("round trip, ms")
    left.legend(fontsize=8)
    left.set_title(f"{result['good_answered']} good answered, {result['bad_sent']} bad sent, "
                   f"{result['node_deaths']} deaths, {result['tracebacks_in_log']} tracebacks", fontsize=8)
    right.bar([0, 1], [result["rss_mb_after_warmup"], result["rss_mb_end"]], color="C4")
    right.set_xticks([0, 1], ["after warm-up", "at the end"])
    right.set_ylabel("node RSS, MB")
    right.set_title(f"growth {result['rss_growth_mb']:.1f} MB", fontsize=9)
