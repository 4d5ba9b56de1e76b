"""Would the landmark crop be cheaper inside the inference graph?  An OpenVINO GridSample stage
(the frame as 8-bit NHWC input of any size, bilinear, zeros outside) against ``cv2.warpAffine``
for one 256x256 crop, same process, same frames.

    python benchmarks/crop_in_graph.py [--repeat 50]

The graph has to lay out (and, for float sampling, convert) the whole frame before sampling it,
so its time grows with the frame; the OpenCV warp reads only the pixels it samples.
(docs/backends.md, "Pre- and post-processing against inference".)
"""
from __future__ import annotations

import argparse
import time

import cv2
import numpy as np


def grid_sample_model(convert: bool):
    import openvino as ov
    from openvino import opset13 as ops

    image = ops.parameter([1, -1, -1, 3], ov.Type.u8, name="image")
    grid = ops.parameter([1, 256, 256, 2], ov.Type.f32, name="grid")
    x = ops.transpose(image, ops.constant(np.array([0, 3, 1, 2], np.int64)))
    if convert:
        x = ops.convert(x, ov.Type.f32)
    out = ops.grid_sample(x, grid, {"align_corners": False, "mode": "bilinear", "padding_mode": "zeros"})
    compiled = ov.Core().compile_model(ov.Model([out], [image, grid]), "CPU",
                                       {"INFERENCE_NUM_THREADS": 2, "INFERENCE_PRECISION_HINT": "f32"})
    return compiled.create_infer_request()


def per_call_ms(fn, repeat: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat * 1e3


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=50)
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"{'frame':>10s} {'graph input':>12s} {'OpenVINO GridSample':>20s} {'cv2.warpAffine':>15s}")
    for convert in (False, True):
        request = grid_sample_model(convert)
        for h, w in ((480, 640), (1080, 1920)):
            frame = rng.integers(0, 256, (1, h, w, 3), dtype=np.uint8)
            # a rotated square crop of 0.8 x the frame's height, as a BlazePose region of interest
            matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 20, 256 / (0.8 * h))
            matrix[:, 2] += (128 - w / 2, 128 - h / 2)                            # frame centre -> crop centre
            inverse = cv2.invertAffineTransform(matrix)
            u, v = np.meshgrid(np.arange(256) + 0.5, np.arange(256) + 0.5)
            src = np.stack([u, v], -1) @ inverse[:, :2].T + inverse[:, 2]        # crop pixel -> frame pixel
            grid = (src / [w, h] * 2 - 1).astype(np.float32)[None]                # GridSample's [-1, 1]
            ov_ms = per_call_ms(lambda: request.infer({0: frame, 1: grid}), args.repeat)
            cv_ms = per_call_ms(lambda: cv2.warpAffine(frame[0], matrix, (256, 256), flags=cv2.INTER_LINEAR),
                                args.repeat)
            print(f"{w:>5d}x{h:<4d} {'f32' if convert else 'u8':>12s} {ov_ms:17.3f} ms {cv_ms:12.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
