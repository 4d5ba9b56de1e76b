"""Cost of lifting keypoints to 3D per frame (issue 22 target: <= 0.5 ms at 640x480, 5 people,
17 keypoints), interleaved with lifting off in one process.

    python benchmarks/depth_lift_bench.py [--blocks 300] [--block 20] [--pipeline 40]

Per frame, "on" does what the node does with a depth image: ``depth_from_buffer`` on the bytes of
a 640x480 ``sensor_msgs/Image`` (16UC1 millimetres, or 32FC1 metres), ``with_xyz`` (5x17 keypoints,
10 % not found, window 5) and ``person_positions``; "off" does the rest of that loop (the frame
copy).  Blocks of ``--block`` frames alternate on/off (random order per pair); reported: median
and 90th percentile wall ms per frame, the on - off difference, and CPU ms per frame
(``time.thread_time``, less sensitive to other processes on the machine than wall time).

``--pipeline N``: also N frames of the real default network on humans_1.jpg resized to 640x480,
with and without lifting (alternating), for the lifting's share of a whole frame.

``--node N``: also what the node adds per frame (blocks of 20, N blocks per step, interleaved):
``DepthLifter`` (synchroniser + decoding + lifting + positions, fed message-like objects), building
``poses_3d`` (rclpy messages), ``/tf`` and ``markers_3d`` (only while subscribed); needs rclpy.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

import numpy as np  # noqa: E402

from jetson_pose_ros.depth import (DepthSettings, Intrinsics, depth_from_buffer, person_positions,  # noqa: E402
                                   with_xyz)
from jetson_pose_ros.core.pose import PoseFrame  # noqa: E402
from jetson_pose_ros.runtime.tuning import cpu_model  # noqa: E402  (one definition of the CPU's name)

W, H, PEOPLE, KEYPOINTS = 640, 480, 5, 17
NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
         "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
         "left_ankle", "right_ankle"]




def scene(seed: int = 0):
    """A 640x480 depth image (a floor-like ramp 1-6 m with noise, 5 % no-return pixels) as 16UC1
    and 32FC1 message fields, and a frame of 5 people x 17 keypoints (10 % not found)."""
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


def lift(frame, data, encoding, k, settings):
    depth = depth_from_buffer(data, W, H, encoding, 0, False)
    out = with_xyz(frame, depth, k, settings)
    return out, person_positions(out.xyz, out.keypoint_names)


def off(frame, data, encoding, k, settings):
    return dataclasses.replace(frame), None


def interleaved(variants: dict, blocks: int, block: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    wall = {n: [] for n in variants}
    cpu = {n: [] for n in variants}
    for _ in range(blocks):
        for name in rng.permutation(list(variants)):
            fn = variants[name]
            c0, t0 = time.thread_time(), time.perf_counter()
            for _ in range(block):
                fn()
            wall[name].append((time.perf_counter() - t0) / block * 1e3)
            cpu[name].append((time.thread_time() - c0) / block * 1e3)
    return wall, cpu


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--blocks", type=int, default=300)
    p.add_argument("--block", type=int, default=20)
    p.add_argument("--pipeline", type=int, default=0, help="frames of the real network, with and without lifting")
    p.add_argument("--node", type=int, default=0, help="blocks of the node's per-frame 3D steps (needs rclpy)")
    args = p.parse_args(argv)
    data, frame = scene()
    k = Intrinsics.from_values(615.0, 615.0, 319.5, 239.5, W, H)
    settings = DepthSettings()
    print(f"CPU: {cpu_model()}; {W}x{H} depth, {PEOPLE} people x {KEYPOINTS} keypoints "
          f"({int(frame.found.sum())} found), window {settings.window}; blocks of {args.block} frames x {args.blocks}")
    for encoding in ("16UC1", "32FC1"):
        for _ in range(50):                                     # warm-up
            lift(frame, data[encoding], encoding, k, settings)
        variants = {"off": lambda: off(frame, data[encoding], encoding, k, settings),
                    "on": lambda: lift(frame, data[encoding], encoding, k, settings)}
        wall, cpu = interleaved(variants, args.blocks, args.block)
        med = {n: float(np.median(v)) for n, v in wall.items()}
        print(f"  {encoding}: wall ms/frame median (p90): off {med['off']:.4f} ({np.percentile(wall['off'], 90):.4f}), "
              f"on {med['on']:.4f} ({np.percentile(wall['on'], 90):.4f}); on - off {med['on'] - med['off']:.4f}; "
              f"CPU ms/frame median: off {np.median(cpu['off']):.4f}, on {np.median(cpu['on']):.4f}")
    if args.pipeline:
        pipeline(args.pipeline, data["16UC1"], k, settings)
    if args.node:
        node_steps(args.node, data["16UC1"], frame, k, settings)
    return 0


def node_steps(blocks: int, data: bytes, frame, k, settings) -> None:
    """The node's per-frame 3D work (see the module docstring), interleaved."""
    from types import SimpleNamespace as NS

    try:
        from std_msgs.msg import Header
        from jetson_pose_ros.msgs.messages3d import body_transforms, frame3d_to_markers, frame3d_to_msg
    except ImportError as err:
        print(f"  node: rclpy messages not importable ({err}); skipped (source scripts/ros_env.sh)")
        return
    from jetson_pose_ros.depth import DepthLifter

    info = NS(width=W, height=H, k=[k.fx, 0, k.cx, 0, k.fy, k.cy, 0, 0, 1], d=[], distortion_model="")
    lifter = DepthLifter(settings)
    lifter.add_camera_info(info)
    clock = [0]

    def lifted():
        clock[0] += 33_000_000
        t = NS(sec=clock[0] // 1_000_000_000, nanosec=clock[0] % 1_000_000_000)
        lifter.add_depth(NS(header=NS(stamp=t, frame_id="depth"), width=W, height=H, encoding="16UC1", step=0,
                            is_bigendian=0, data=data))
        return lifter.add_color(frame, t)[0]

    item = lifted()
    header = Header(frame_id="depth")
    colors = [(255, 0, 0)] * KEYPOINTS
    variants = {"DepthLifter": lifted,
                "poses_3d": lambda: frame3d_to_msg(item.frame, item.positions, header),
                "/tf": lambda: body_transforms(item.frame, item.positions, header),
                "markers_3d": lambda: frame3d_to_markers(item.frame, header, colors)}
    wall, cpu = interleaved(variants, blocks, 20)
    print("  node, ms/frame median wall (CPU): " + ", ".join(
        f"{n} {np.median(wall[n]):.4f} ({np.median(cpu[n]):.4f})" for n in variants))


def pipeline(frames: int, data: bytes, k, settings) -> None:
    # heavy (a network and its backend): loaded on demand, only with --pipeline
    import cv2
    from jetson_pose_ros.posenet import PoseNet  # heavy: on demand, only with --pipeline
    image = cv2.imread(str(ROOT.parent / "shared" / "data" / "jetson_inference" / "images" / "humans_1.jpg"))
    if image is None:
        print("  pipeline: ../shared/data/jetson_inference/images/humans_1.jpg not found; skipped")
        return
    image = cv2.resize(image, (W, H))
    net = PoseNet()
    for _ in range(3):
        net.infer(image)
    times = {"off": [], "on": []}
    lift_ms = []
    for i in range(2 * frames):
        name = ("off", "on")[(i + i // 2) % 2]               # off on on off off on ...
        t0 = time.perf_counter()
        f = net.infer(image)
        if name == "on":
            t1 = time.perf_counter()
            lift(f, data, "16UC1", k, settings)
            lift_ms.append((time.perf_counter() - t1) * 1e3)
        times[name].append((time.perf_counter() - t0) * 1e3)
    off_ms, on_ms = float(np.median(times["off"])), float(np.median(times["on"]))
    print(f"  pipeline ({net.network}, {len(f)} people, {int(f.found.sum())} keypoints): ms/frame median off "
          f"{off_ms:.2f}, on {on_ms:.2f}; lifting inside 'on' median {np.median(lift_ms):.4f} ms "
          f"({100 * np.median(lift_ms) / on_ms:.2f}% of the frame)")


if __name__ == "__main__":
    sys.exit(main())
