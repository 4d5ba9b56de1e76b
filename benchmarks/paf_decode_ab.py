"""PAF decoding with the compiled loops against the numpy code, interleaved in one process, inside
the pipeline (each decode right after its inference, as it runs).

    python benchmarks/paf_decode_ab.py [--network mobilenet-body] [--rounds 8]

Per variant: mean preprocess / inference / decode ms per frame over the jetson-inference photos
(the first round is a warm-up), and pre + post as a share of inference.  Backend: ``auto``.
"""
from __future__ import annotations

import argparse
import collections
import functools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from jetson_pose_ros.evaluation import speed as benchmark  # noqa: E402
from jetson_pose_ros.networks import paf  # noqa: E402
from jetson_pose_ros.posenet import PoseNet  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--network", default="mobilenet-body")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    if paf._paf_native is None:
        print("the compiled PAF loops are not built here (no Cython or C compiler at install)", file=sys.stderr)
        return 1
    model = PoseNet(args.network, num_threads=args.threads).model
    images = [cv2.imread(str(f)) for f in benchmark.list_images(ROOT.parent / "shared" / "data" / "jetson_inference" / "images")]
    original = paf.decode
    variants = {"numpy": functools.partial(original, native=False), "compiled": functools.partial(original, native=True)}
    stages = {name: collections.defaultdict(list) for name in variants}
    try:
        for rnd in range(args.rounds):
            for name, fn in variants.items():
                paf.decode = fn
                for image in images:
                    frame = model.infer(image, 0.15)
                    if rnd:
                        for k, v in frame.timings.items():
                            stages[name][k].append(v)
    finally:
        paf.decode = original
    print(f"{args.network} ({model.backend_used}), ms per frame:")
    for name, s in stages.items():
        pre, inf, post = (float(np.mean(s[k])) for k in ("preprocess", "inference", "decode"))
        print(f"  {name:9s} preprocess {pre:.3f}  inference {inf:.3f}  decode {post:.3f}  "
              f"pre+post/inference {100 * (pre + post) / inf:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
