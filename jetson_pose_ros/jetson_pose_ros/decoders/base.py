"""What every network family implements: BGR image in, ``ObjectPose`` list out."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..backends import create_backend
from ..pose import Keypoint, ObjectPose
from ..preprocess import InputSpec
from ..registry import NetworkSpec
from ..topology import Topology


class PoseModel:
    """Base class of a network family (PAF, detector+landmark, single-stage).

    Subclasses implement ``_infer(image_bgr, threshold) -> list[ObjectPose]`` and wrap
    their stages in ``self.stage("preprocess" | "inference" | "decode")`` so that
    ``timings`` (ms, last call) is filled for the benchmark and the node's logs.
    """

    def __init__(self, spec: NetworkSpec, topology: Topology, files: dict[str, Path],
                 backend: str = "onnxruntime", num_threads: int | None = None, **options):
        self.spec = spec
        self.topology = topology
        self.files = files
        self.backend_name = backend
        self.num_threads = num_threads
        self.options = {k: v for k, v in options.items() if v is not None}
        self.timings: dict[str, float] = {}

    # --- helpers for subclasses ------------------------------------------
    def load(self, role: str = "model"):
        return create_backend(self.files[role], self.backend_name, self.num_threads)

    def input_spec(self, key: str | None = None, blob_option: str = "input_blob") -> InputSpec:
        d = dict(self.spec.entry[key] if key else self.spec.input)
        if self.options.get(blob_option):
            d["name"] = self.options[blob_option]
        size = self.options.get("input_size") if key is None else None
        return InputSpec.from_dict(d, size=tuple(size) if size else None)

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + (time.perf_counter() - t0) * 1e3

    def make_pose(self, pose_id: int, points: np.ndarray, scores: np.ndarray, threshold: float,
                  score: float | None = None, box=None, **attributes) -> ObjectPose:
        """Pose from per-keypoint image coordinates [K,2] and scores [K] in topology
        order; keypoints below ``threshold`` (or NaN) are left out."""
        names = self.topology.keypoints
        kps = [Keypoint(i, float(points[i, 0]), float(points[i, 1]), float(scores[i]), names[i])
               for i in range(len(names)) if scores[i] >= threshold and np.isfinite(points[i]).all()]
        return ObjectPose.from_keypoints(pose_id, kps, self.topology.skeleton, score, box, **attributes)

    # --- public ------------------------------------------------------------
    def infer(self, image_bgr: np.ndarray, threshold: float) -> list[ObjectPose]:
        self.timings = {}
        return self._infer(image_bgr, threshold)

    def _infer(self, image_bgr: np.ndarray, threshold: float) -> list[ObjectPose]:
        raise NotImplementedError
