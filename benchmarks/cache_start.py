"""Start-up time of the OpenVINO backend with an empty and with a filled compiled-model cache.

    python benchmarks/cache_start.py --network mobilenet-body,yolo11n-body --precision bf16 --repeat 3

Each start is a fresh Python process that times ``PoseNet(...)`` (model load + compile or cache
import) and its first ``process`` call on a real photo.  First start: an empty cache folder;
second start: the folder the first one filled.  The pairs are run ``--repeat`` times, interleaved.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import sys, time, json, cv2
t0 = time.perf_counter()
from jetson_pose_ros import PoseNet
t1 = time.perf_counter()
net = PoseNet(sys.argv[1], backend="openvino", precision=sys.argv[2], num_threads=2)
t2 = time.perf_counter()
net.process(cv2.imread(sys.argv[3]), overlay=None)
t3 = time.perf_counter()
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "load_ms": (t2 - t1) * 1e3, "first_frame_ms": (t3 - t2) * 1e3}))
"""


def start(network, precision, cache, image) -> dict:
    env = {**os.environ, "JETSON_POSE_OV_CACHE": cache, "PYTHONPATH": str(ROOT / "jetson_pose_ros")}
    r = subprocess.run([sys.executable, "-c", CHILD, network, precision, image], env=env, capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", default="mobilenet-body")
    p.add_argument("--precision", default="bf16")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json")
    args = p.parse_args(argv)
    image = str(ROOT.parent / "shared" / "data" / "jetson_inference" / "images" / "humans_1.jpg")
    results = []
    for network in args.network.split(","):
        first, second = [], []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as cache:
                first.append(start(network, args.precision, cache, image))
                second.append(start(network, args.precision, cache, image))
        row = {"network": network, "precision": args.precision}
        for label, runs in (("first", first), ("second", second)):
            for k in ("load_ms", "first_frame_ms"):
                row[f"{label}_{k}"] = float(np.median([r[k] for r in runs]))
        row["load_ratio"] = row["second_load_ms"] / row["first_load_ms"]
        results.append(row)
        print(f"{network:20s} {args.precision:5s} load: first start {row['first_load_ms']:.0f} ms, second start "
              f"{row['second_load_ms']:.0f} ms ({row['load_ratio']:.2f}x); first frame {row['first_first_frame_ms']:.0f}"
              f" / {row['second_first_frame_ms']:.0f} ms", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
