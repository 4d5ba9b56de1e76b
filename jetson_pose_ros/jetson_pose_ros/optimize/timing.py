"""Timing one backend/precision candidate of a network: run by ``runtime/tuning.py`` in a child
process of its own (``python -m jetson_pose_ros.optimize.timing ARGS_JSON``), so that one runtime's
worker threads never run beside another's and the runtime layer never imports the networks."""
from __future__ import annotations

import json
import sys
import time

import numpy as np

from ..core.errors import ModelError
from ..posenet import PoseNet
from ..preprocess import prepare
from ..runtime.tuning import FRAMES, WARMUP

STAGES = (("backend", "input"), ("detector", "det_input"), ("landmark", "lm_input"))   # the models' attributes


def time_pair(network: str, backend: str, precision: str, threads: int | None = None, input_size=None,
              frames: int = FRAMES, warmup: int = WARMUP) -> dict:
    """Load the network with ``backend``/``precision`` and time its model files (ms, median)."""
    t0 = time.perf_counter()
    opts = {"input_size": tuple(input_size)} if input_size else {}
    net = PoseNet(network, backend=backend, precision=precision, num_threads=threads or None, **opts)
    load_s = time.perf_counter() - t0
    model = net.model
    image = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    stages = {}
    for b_attr, s_attr in STAGES:
        be, spec = getattr(model, b_attr, None), getattr(model, s_attr, None)
        if be is None or spec is None:
            continue
        times = []
        for i in range(warmup + frames):
            t = time.perf_counter()
            tensor, _ = prepare(image, spec)
            be.run({spec.name: tensor})
            if i >= warmup:
                times.append((time.perf_counter() - t) * 1e3)
        stages[b_attr] = float(np.min(times))
    if not stages:
        raise ModelError(f"network '{network}': nothing to time (no backend found in {type(model).__name__})")
    return {"backend": backend, "precision": precision, "ms": round(sum(stages.values()), 3),
            "stages": {k: round(v, 3) for k, v in stages.items()}, "load_s": round(load_s, 2)}


def _worker(args: str) -> int:
    try:
        print(json.dumps(time_pair(*json.loads(args))), flush=True)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as this candidate's error
        print(json.dumps({"error": str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}))
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1]))
