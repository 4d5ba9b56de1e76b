"""What every network family implements: BGR image in, ``ObjectPose`` list out."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..backends import create_backend
from ..errors import ModelError
from ..pose import Keypoint, ObjectPose
from ..preprocess import InputSpec
from ..registry import NetworkSpec
from ..topology import Topology


class KeypointMap:
    """Network keypoints -> published (topology) keypoints.

    Each topology keypoint is one network keypoint, the midpoint of several (a
    *derived* keypoint, e.g. ``neck`` = shoulder midpoint, whose score is the minimum
    of theirs), or missing.  Registry ``decoder`` keys: ``keypoint_map`` (per topology
    keypoint: a network index, a list of indices, or null), or ``keypoints`` (the
    network's keypoint names, matched by name) with ``derived`` ({name: [names]}).
    Without either the network's order is the topology's.
    """

    def __init__(self, sources: list, names: list[str]):
        self.sources = sources
        self.derived = [names[i] for i, s in enumerate(sources) if isinstance(s, list)]

    @classmethod
    def from_config(cls, cfg: dict, topology: Topology, network: str, derive: bool = True) -> "KeypointMap":
        names = topology.keypoints
        if "keypoint_map" in cfg:
            sources = list(cfg["keypoint_map"])
        elif "keypoints" in cfg:
            own = list(cfg["keypoints"])
            derived = cfg.get("derived", {})
            try:
                sources = [own.index(n) if n in own else
                           [own.index(m) for m in derived[n]] if n in derived else None for n in names]
            except ValueError as exc:
                raise ModelError(f"network '{network}': bad derived keypoint: {exc}") from None
        else:
            sources = list(range(len(names)))
        if len(sources) != len(names):
            raise ModelError(f"network '{network}': keypoint map has {len(sources)} entries for a topology "
                             f"of {len(names)} keypoints")
        if not derive:
            sources = [None if isinstance(s, list) else s for s in sources]
        return cls(sources, names)

    def apply(self, points: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Network-order points [N,2] / scores [N] -> topology order (missing: NaN / 0)."""
        k = len(self.sources)
        pts, scs = np.full((k, 2), np.nan), np.zeros(k)
        for i, src in enumerate(self.sources):
            if src is None:
                continue
            if isinstance(src, list):
                pts[i], scs[i] = points[src, :2].mean(axis=0), scores[src].min()
            else:
                pts[i], scs[i] = points[src, :2], scores[src]
        return pts, scs


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

    def make_params(self, cls, cfg: dict, defaults: dict | None = None):
        """A family's parameter dataclass: its defaults < ``defaults`` < the registry's
        ``decoder`` entry < the user's options (cast to the field's type)."""
        fields = cls.__dataclass_fields__
        values = {**(defaults or {}), **{k: v for k, v in cfg.items() if k in fields}}
        for k, v in self.options.items():
            if k in fields:
                kind = type(values.get(k, fields[k].default))
                values[k] = kind(v) if kind in (int, float) else v
        return cls(**values)

    def make_keypoint_map(self, cfg: dict) -> KeypointMap:
        return KeypointMap.from_config(cfg, self.topology, self.spec.name,
                                       bool(self.options.get("derive_keypoints", True)))

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + (time.perf_counter() - t0) * 1e3

    def make_pose(self, pose_id: int, points: np.ndarray, scores: np.ndarray, threshold: float,
                  score: float | None = None, box=None, derived=(), **attributes) -> ObjectPose:
        """Pose from per-keypoint image coordinates [K,2] and scores [K] in topology
        order; keypoints below ``threshold`` (or NaN) are left out.  Found keypoints
        named in ``derived`` are listed in ``attributes["derived_keypoints"]``."""
        names = self.topology.keypoints
        kps = [Keypoint(i, float(points[i, 0]), float(points[i, 1]), float(scores[i]), names[i])
               for i in range(len(names)) if scores[i] >= threshold and np.isfinite(points[i]).all()]
        found = [k.name for k in kps if k.name in derived]
        if found:
            attributes["derived_keypoints"] = found
        return ObjectPose.from_keypoints(pose_id, kps, self.topology.skeleton, score, box, **attributes)

    # --- public ------------------------------------------------------------
    def infer(self, image_bgr: np.ndarray, threshold: float) -> list[ObjectPose]:
        self.timings = {}
        return self._infer(image_bgr, threshold)

    def _infer(self, image_bgr: np.ndarray, threshold: float) -> list[ObjectPose]:
        raise NotImplementedError
