"""Cost of lifting keypoints to 3D per frame (issue 22), interleaved with lifting off.

Per frame, "on" does what the node does with a depth image: ``depth_from_buffer`` on the bytes of a
640x480 ``sensor_msgs/Image`` (16UC1 millimetres, or 32FC1 metres), ``with_xyz`` (5 people x 17
keypoints, 10 % not found, window 5) and ``person_positions``; "off" does the rest of that loop
(the frame copy).  Variants interleaved in blocks of ``block`` frames (``suite.timing``).

``pipeline`` > 0: also that many frames of the default network on humans_1.jpg resized to 640x480,
with and without lifting (alternating), for the lifting's share of a whole frame.
``node`` > 0: also what the node adds per frame (``DepthLifter`` fed message-like objects, building
``poses_3d``, ``/tf`` and ``markers_3d``), ``node`` blocks of 20 frames; needs the ROS messages
(skipped, saying so, without them).
"""
from __future__ import annotations

import dataclasses
import time
from types import SimpleNamespace as NS

import numpy as np

from suite import data, timing

TITLE = "3D lifting per frame at 640x480, 5 people x 17 keypoints (on - off)"
TARGET = "lifting <= 0.5 ms per frame at 640x480, 5 people, 17 keypoints (issue 22)"
NEEDS = ()
PARAMS = {"blocks": 300, "block": 20, "pipeline": 0, "node": 0}
QUICK = {"blocks": 40, "pipeline": 0, "node": 0}

W, H, PEOPLE, KEYPOINTS = 640, 480, 5, 17
NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
         "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
         "left_ankle", "right_ankle"]


def scene(seed: int = 0):
    """A 640x480 depth image (a floor-like ramp 1-6 m with noise, 5 % no-return pixels) as 16UC1
    and 32FC1 message fields, and a frame of 5 people x 17 keypoints (10 % not found)."""
    from jetson_pose_ros.core.pose import PoseFrame  # heavy: the package, on demand in run()

    rng = np.random.default_rng(seed)
    ramp = np.linspace(6.0, 1.0, H)[:, None] + rng.normal(0, 0.01, (H, W))
    ramp[rng.random((H, W)) < 0.05] = 0.0
    mm = np.round(ramp * 1000).astype(np.uint16)
    metres = ramp.astype(np.float32)
    metres[ramp == 0] = np.nan
    xy = np.column_stack((rng.uniform(0, W - 1, PEOPLE * KEYPOINTS), rng.uniform(0, H - 1, PEOPLE * KEYPOINTS)))
    xy[rng.random(len(xy)) < 0.1] = np.nan
    frame = PoseFrame(xy.reshape(PEOPLE, KEYPOINTS, 2), np.full((PEOPLE, KEYPOINTS), 0.8), np.zeros((PEOPLE, 4)),
                      np.ones(PEOPLE), np.arange(PEOPLE), [{} for _ in range(PEOPLE)], image_size=(W, H),
                      keypoint_names=NAMES)
    return {"16UC1": mm.tobytes(), "32FC1": metres.tobytes()}, frame


def run(p: dict) -> dict:
    # heavy: the package, on demand (--list imports every case)
    from jetson_pose_ros.depth import DepthSettings, Intrinsics, depth_from_buffer, person_positions, with_xyz

    fields, frame = scene()
    k = Intrinsics.from_values(615.0, 615.0, 319.5, 239.5, W, H)
    settings = DepthSettings()

    def lift(frame, buf, encoding):
        out = with_xyz(frame, depth_from_buffer(buf, W, H, encoding, 0, False), k, settings)
        return out, person_positions(out.xyz, out.keypoint_names)

    out = {"unit": "ms per frame", "found_keypoints": int(frame.found.sum()), "window": settings.window,
           "encodings": {}, "target_ms": 0.5}
    for encoding, buf in fields.items():
        for _ in range(50):                                     # warm-up
            lift(frame, buf, encoding)
        wall, cpu = timing.interleaved({"off": lambda: dataclasses.replace(frame),
                                        "on": lambda b=buf, e=encoding: lift(frame, b, e)},
                                       p["blocks"], p["block"])
        row = {kind: {n: timing.spread(v) for n, v in t.items()} for kind, t in (("wall", wall), ("cpu", cpu))}
        for kind in ("wall", "cpu"):
            row[kind]["on_minus_off"] = row[kind]["on"]["median"] - row[kind]["off"]["median"]
        out["encodings"][encoding] = row
    out["met"] = all(r["wall"]["on_minus_off"] <= 0.5 for r in out["encodings"].values())
    if p["pipeline"]:
        out["pipeline"] = _pipeline(p["pipeline"], lambda f: lift(f, fields["16UC1"], "16UC1"))
    if p["node"]:
        out["node"] = _node_steps(p["node"], fields["16UC1"], frame, k, settings)
    return out


def _pipeline(frames: int, lift) -> dict:
    import cv2  # heavy: OpenCV and a network, on demand (only with pipeline > 0)

    from jetson_pose_ros.posenet import PoseNet  # heavy: a network and its backend, on demand

    data.use_model_mirror()
    image = cv2.resize(cv2.imread(str(data.photos() / "humans_1.jpg")), (W, H))
    net = PoseNet()
    for _ in range(3):
        net.infer(image)
    times, lift_ms = {"off": [], "on": []}, []
    for i in range(2 * frames):
        name = ("off", "on")[(i + i // 2) % 2]               # off on on off off on ...
        t0 = time.perf_counter()
        f = net.infer(image)
        if name == "on":
            t1 = time.perf_counter()
            lift(f)
            lift_ms.append((time.perf_counter() - t1) * 1e3)
        times[name].append((time.perf_counter() - t0) * 1e3)
    on = float(np.median(times["on"]))
    return {"network": net.network, "people": len(f), "off_ms": float(np.median(times["off"])), "on_ms": on,
            "lift_ms": float(np.median(lift_ms)), "lift_share_pct": 100 * float(np.median(lift_ms)) / on}


def _node_steps(blocks: int, buf: bytes, frame, k, settings) -> dict:
    try:
        from std_msgs.msg import Header  # optional: ROS 2 messages (scripts/ros_env.sh)

        from jetson_pose_ros.msgs.messages3d import body_transforms, frame3d_to_markers, frame3d_to_msg  # optional
    except ImportError as err:
        return {"skipped": f"ROS messages not importable ({err}): source scripts/ros_env.sh"}
    from jetson_pose_ros.depth import DepthLifter  # heavy: the package, on demand

    info = NS(width=W, height=H, k=[k.fx, 0, k.cx, 0, k.fy, k.cy, 0, 0, 1], d=[], distortion_model="")
    lifter = DepthLifter(settings)
    lifter.add_camera_info(info)
    clock = [0]

    def lifted():
        clock[0] += 33_000_000
        t = NS(sec=clock[0] // 1_000_000_000, nanosec=clock[0] % 1_000_000_000)
        lifter.add_depth(NS(header=NS(stamp=t, frame_id="depth"), width=W, height=H, encoding="16UC1", step=0,
                            is_bigendian=0, data=buf))
        return lifter.add_color(frame, t)[0]

    item = lifted()
    header = Header(frame_id="depth")
    colors = [(255, 0, 0)] * KEYPOINTS
    wall, cpu = timing.interleaved({"DepthLifter": lifted,
                                    "poses_3d": lambda: frame3d_to_msg(item.frame, item.positions, header),
                                    "/tf": lambda: body_transforms(item.frame, item.positions, header),
                                    "markers_3d": lambda: frame3d_to_markers(item.frame, header, colors)},
                                   blocks, 20)
    return {n: {"wall": timing.spread(wall[n]), "cpu": timing.spread(cpu[n])} for n in wall}


def plot(result: dict, fig) -> None:
    ax = fig.subplots()
    encs = list(result["encodings"])
    for i, kind in enumerate(("wall", "cpu")):
        for j, variant in enumerate(("off", "on")):
            s = [result["encodings"][e][kind][variant] for e in encs]
            x = [e * 3 + i * 1.4 + j * 0.6 for e in range(len(encs))]
            ax.bar(x, [v["median"] for v in s], 0.6,
                   yerr=[[v["median"] - v["p10"] for v in s], [v["p90"] - v["median"] for v in s]], capsize=3,
                   color=f"C{2 * i + j}", label=f"{kind} time, lifting {variant}")
    ax.axhline(result["target_ms"], color="C3", ls="--", label=f"target (on - off) {result['target_ms']} ms")
    ax.set_xticks([e * 3 + 1.0 for e in range(len(encs))],
                  [f"{e}\non - off: {result['encodings'][e]['wall']['on_minus_off']:.3f} ms wall, "
                   f"{result['encodings'][e]['cpu']['on_minus_off']:.3f} ms CPU" for e in encs])
    ax.set_ylabel("ms per frame (median, p10-p90)")
    ax.legend(fontsize=8)
