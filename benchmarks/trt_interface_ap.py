#!/usr/bin/env python3
"""COCO AP of the trt_pose-interface model next to its source network, fed the same way.

    python tools/make_trt_pose_model.py                   # writes <model dir>/trt-pose-interface/...
    python benchmarks/trt_interface_ap.py [--model PATH] [--shared ../shared]

``resnet18-body`` stretches the image to 224x224 (jetson-inference's preprocessing); the
source ``mobilenet-body`` is run with the same stretched 224x224 input, so the two differ
only in their tensor interface and in the links the source has no field for.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "jetson_pose_ros"))

from jetson_pose_ros import PoseNet  # noqa: E402
from jetson_pose_ros.evaluation import accuracy as evaluation  # noqa: E402
from jetson_pose_ros.runtime.model_files import model_dir  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", help="the built model (default: <model dir>/trt-pose-interface/mobilenet_thin_trt_pose.onnx)")
    p.add_argument("--shared", default=str(REPO.parent / "shared"), help="the shared folder (data/)")
    args = p.parse_args(argv)
    model = args.model or str(model_dir() / "trt-pose-interface" / "mobilenet_thin_trt_pose.onnx")
    d = Path(args.shared) / "data" / "coco_val2017_dev"
    ds = evaluation.load_keypoint_set(d / "person_keypoints_val2017_dev.json", d / "images", "body")
    for flip in (False, True):
        src = PoseNet("mobilenet-body", flip=flip or None)
        src.model.input = replace(src.model.input, resize="stretch", multiple=1, size=(224, 224))
        trt = PoseNet("resnet18-body", model=model, flip=flip or None)
        for name, net in (("mobilenet-body stretched to 224x224", src), ("resnet18-body, trt_pose interface", trt)):
            m, _ = evaluation.evaluate(net, ds, progress=False)
            print(f"{name:<36} flip={flip!s:<5}  AP {m['AP']:.3f}  AP50 {m['AP50']:.3f}  AR {m['AR']:.3f}  "
                  f"detections {m['detections']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
