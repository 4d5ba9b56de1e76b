#!/usr/bin/env python3
"""Drop rate of best-effort camera-sized images between two processes, with and without the
package's Fast DDS profile (not a timed test).

    bash scripts/setup_ros.sh          # builds install/ (whose environment hook sets the profile)
    python benchmarks/fastdds_drop_rate.py [--frames 30] [--rounds 3] [--size 640x480]

Each round runs, interleaved, two variants of the same pair of processes: ``image_publisher`` (the
package's, best-effort, ``--resize WxH``, 10 Hz) and a best-effort depth-1 subscriber (the QoS of
posenet_node's input) in a separate process:

* ``no profile``: the environment without FASTDDS_DEFAULT_PROFILES_FILE (what a user had who only
  sourced install/setup.bash before the environment hook existed);
* ``install/setup.bash``: the environment a user gets from ``source install/setup.bash`` alone
  (the hook sets FASTDDS_DEFAULT_PROFILES_FILE unless one is set).

It prints the frames received out of those published per variant and round, and the drop rate.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def receive(seconds: float) -> int:
    import rclpy
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image

    rclpy.init()
    node = rclpy.create_node("drop_rate_receiver")
    got = []
    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
    node.create_subscription(Image, "image", lambda m: got.append(m.width), qos)
    print("ready", flush=True)
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            rclpy.spin_once(node, timeout_sec=0.05)
    except KeyboardInterrupt:  # SIGTERM from the benchmark: report what arrived
        pass
    print(json.dumps({"received": len(got)}), flush=True)
    node.destroy_node()
    rclpy.try_shutdown()
    return 0


def workspace_env() -> dict:
    """The environment after ``source install/setup.bash`` in a shell without a Fast DDS profile."""
    setup = REPO / "install" / "setup.bash"
    if not setup.is_file():
        sys.exit(f"{setup} not found: run bash scripts/setup_ros.sh first")
    out = subprocess.run(["bash", "-c", f"unset FASTDDS_DEFAULT_PROFILES_FILE FASTRTPS_DEFAULT_PROFILES_FILE; "
                                        f"source '{setup}' && env -0"],
                         check=True, stdout=subprocess.PIPE).stdout
    return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)


def trial(env: dict, frames: int, size: str, images: Path) -> int:
    env = dict(env, ROS_DOMAIN_ID=str(random.randint(100, 199)), ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    recv = subprocess.Popen([sys.executable, __file__, "--receive", str(frames / 10.0 + 15)], env=env,
                            stdout=subprocess.PIPE, text=True)
    assert recv.stdout.readline().strip() == "ready"
    publisher = [sys.executable, "-m", "jetson_pose_ros.ros.image_publisher", str(images), "--resize", size,
                 "--rate", "10", "--count", str(frames), "--loop", "--qos", "best_effort", "--quiet", "--wait", "10"]
    subprocess.run(publisher, env=env, check=True, stdout=subprocess.DEVNULL, timeout=frames / 10.0 + 60)
    time.sleep(1.0)
    recv.terminate()
    out, _ = recv.communicate(timeout=20)
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1])["received"] if lines else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--receive", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.receive is not None:
        import signal

        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        return receive(args.receive)

    images = None
    for cand in (os.environ.get("JETSON_POSE_SHARED"), REPO.parent / "shared", REPO / "shared"):
        if cand and (Path(cand) / "data" / "jetson_inference" / "images").is_dir():
            images = Path(cand) / "data" / "jetson_inference" / "images"
            break
    if images is None:
        sys.exit("sample photos not found (../shared/data/jetson_inference/images)")
    with_hook = workspace_env()
    without = {k: v for k, v in with_hook.items()
               if k not in ("FASTDDS_DEFAULT_PROFILES_FILE", "FASTRTPS_DEFAULT_PROFILES_FILE")}
    print(f"profile set by install/setup.bash: {with_hook.get('FASTDDS_DEFAULT_PROFILES_FILE', '(none)')}")
    totals = {"no profile": 0, "install/setup.bash": 0}
    for r in range(args.rounds):
        for name, env in (("no profile", without), ("install/setup.bash", with_hook)):
            got = trial(env, args.frames, args.size, images)
            totals[name] += got
            print(f"round {r + 1}: {name:<20} {got}/{args.frames} {args.size} best-effort frames received", flush=True)
    n = args.frames * args.rounds
    for name, got in totals.items():
        print(f"{name:<20} received {got}/{n}  drop rate {100.0 * (n - got) / n:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
