"""What every network family implements: BGR image in, ``PoseFrame`` out."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..runtime.loading import create_backend
from ..core.config import DecoderConfig, NetworkConfig
from ..core.errors import ModelError
from ..core.pose import PoseFrame
from ..preprocess import InputSpec
from . import tta
from ..core.registry import NetworkSpec
from ..core.topology import Topology


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
        direct = [(i, s) for i, s in enumerate(sources) if s is not None and not isinstance(s, list)]
        self._to, self._from = (np.array(c, dtype=np.intp) for c in zip(*direct)) if direct else (
            np.zeros(0, np.intp), np.zeros(0, np.intp))
        self._midpoints = [(i, s) for i, s in enumerate(sources) if isinstance(s, list)]

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
        pts[self._to], scs[self._to] = points[self._from, :2], scores[self._from]
        for i, src in self._midpoints:
            pts[i], scs[i] = points[src, :2].mean(axis=0), scores[src].min()
        return pts, scs


class PoseModel:
    """Base class of a network family (PAF, detector+landmark, single-stage).

    Built from the checked options of its stages (``core.config``): ``network`` (backend,
    precision, threads, tensor names, input size) and ``decoder`` (the family's knobs, test-time
    augmentation).  Subclasses implement ``_infer(image_bgr, threshold, pose_threshold) ->
    PoseFrame`` (the frame made by ``make_poses`` from the decoded arrays) and wrap their stages in
    ``self.stage("preprocess" | "inference" | "decode")`` so that ``timings`` (ms, last call) is
    filled for the benchmark and the node's logs.  ``pose_score_param`` names the family's parameter
    whose registry value is the default minimum pose score; ``infer`` passes the value in force down
    (families that cut candidates early use it) and ``make_poses`` drops every pose below it.
    """

    pose_score_param: str | None = None

    def __init__(self, spec: NetworkSpec, topology: Topology, files: dict[str, Path],
                 network: NetworkConfig | None = None, decoder: DecoderConfig | None = None):
        self.spec = spec
        self.topology = topology
        self.files = files
        self.config = network or NetworkConfig(backend="onnxruntime")
        self.decoder_config = decoder or DecoderConfig()
        self.timings: dict[str, float] = {}

    @property
    def backend_name(self) -> str:
        """The backend asked for (``auto``: see ``backend_used``)."""
        return self.config.backend

    @property
    def num_threads(self) -> int | None:
        return self.config.num_threads or None

    @property
    def default_pose_threshold(self) -> float:
        params = getattr(self, "params", None)
        return float(getattr(params, self.pose_score_param, 0.0)) if self.pose_score_param else 0.0

    # --- helpers for subclasses ------------------------------------------
    def load(self, role: str = "model", spec: InputSpec | None = None):
        """(backend, input spec to feed it): the backend of model file ``role``, given the input
        ``spec`` so that it may take over its float conversion (then the spec to feed is the 8-bit
        image's)."""
        backend = create_backend(self.files[role], self.config.backend, self.num_threads,
                                 self.config.precision, self.spec.name, input_spec=spec)
        self.backend_used = f"{backend.backend_name} {backend.precision}"
        return backend, backend.fed_input or spec

    def input_spec(self, key: str | None = None, blob: str = "") -> InputSpec:
        """The registry's input spec (``key``: another entry than ``input``) with the options'
        tensor name ``blob``, ``interpolation`` and (the main input only) ``input_size``."""
        d = dict(self.spec.entry[key] if key else self.spec.input)
        if blob:
            d["name"] = blob
        if self.decoder_config.interpolation:
            d["interpolation"] = self.decoder_config.interpolation
        size = self.config.input_size if key is None else None
        return InputSpec.from_dict(d, size=tuple(size) if size else None)

    def fit_to_model(self, spec: InputSpec, backend) -> InputSpec:
        """The input spec for the model actually loaded: a model exported with a fixed input
        size (e.g. 1x368x432x3 instead of dynamic height/width) gets exactly that tensor size
        (``fit`` becomes ``letterbox``: aspect kept, padded); ``--input-size`` must then match it,
        and a fixed channel count must be 3 (else a one-line ModelError)."""
        shape = backend.inputs.get(spec.name) or []
        if len(shape) != 4:
            return spec
        h, w, c = (shape[1], shape[2], shape[3]) if spec.layout == "NHWC" else (shape[2], shape[3], shape[1])
        model = Path(getattr(backend, "path", "model")).name
        if isinstance(c, int) and c > 0 and c != 3:
            raise ModelError(f"network '{self.spec.name}': model {model} takes {c} input channels, not 3 "
                             f"(input '{spec.name}' shape {shape})")
        if not (isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0):
            return spec
        asked = self.config.input_size
        if asked and tuple(asked) != (w, h):
            raise ModelError(f"network '{self.spec.name}': model {model} has a fixed input size {w}x{h}; "
                             f"input_size {asked[0]}x{asked[1]} does not fit it")
        if (spec.resize, spec.size, spec.multiple) == ("stretch", (w, h), 1) or \
                (spec.resize == "letterbox" and spec.size == (w, h)):
            return spec
        return replace(spec, size=(w, h), multiple=1,
                       resize="letterbox" if spec.resize == "fit" else spec.resize)

    def setup_passes(self, backend, spec: InputSpec) -> None:
        """Test-time augmentation: ``self.passes`` asked for by the ``scales`` / ``flip`` options
        (scales other than 1 need a model of dynamic input size) and ``self.flip_perm``, the
        keypoints' order on a mirrored image."""
        self.passes = tta.passes(self.decoder_config.scales, self.decoder_config.flip)
        if any(p.scale != 1.0 for p in self.passes):
            tta.require_dynamic_input(backend, spec, self.spec.name)
        self.flip_perm = tta.flip_permutation(self.topology.keypoints)

    def make_keypoint_map(self, cfg: dict) -> KeypointMap:
        return KeypointMap.from_config(cfg, self.topology, self.spec.name, self.decoder_config.derive_keypoints)

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + (time.perf_counter() - t0) * 1e3

    def make_poses(self, image_shape, points: np.ndarray, scores: np.ndarray, threshold: float,
                   scores_of_poses=None, boxes=None, derived=(), attributes=None, *,
                   pose_threshold: float) -> PoseFrame:
        """The ``PoseFrame`` of an image of ``image_shape`` (HxW[xC]) from N decoded poses in topology
        order: ``points`` [N,K,2] image pixels, ``scores`` [N,K], optional pose scores [N] (default:
        the mean score of the found keypoints), boxes [N,4] (default: the found keypoints' extent)
        and attribute dicts [N], in one pass of array operations.  Keypoints below ``threshold`` (or
        NaN) are marked not found; found keypoints named in ``derived`` are listed in
        ``attributes["derived_keypoints"]``; poses below ``pose_threshold`` (the value in force
        for this call) or left without any keypoint are dropped (the order is kept)."""
        topo = self.topology
        k = len(topo.keypoints)
        pts = np.array(points, dtype=np.float64).reshape(len(points), k, 2)
        scs = np.array(scores, dtype=np.float64).reshape(len(points), k)
        ok = (scs >= threshold) & np.isfinite(pts).all(axis=2) & np.isfinite(scs)
        pts[~ok] = np.nan
        scs[~ok] = 0.0
        count = ok.sum(axis=1)
        if boxes is None:
            lo = np.where(ok[:, :, None], pts, np.inf).min(axis=1)
            hi = np.where(ok[:, :, None], pts, -np.inf).max(axis=1)
            boxes = np.where(count[:, None] > 0, np.concatenate([lo, hi], axis=1), 0.0)
        if scores_of_poses is None:
            scores_of_poses = scs.sum(axis=1) / np.maximum(count, 1)
        boxes = np.asarray(boxes, dtype=np.float64).reshape(len(pts), 4)
        pose_scores = np.asarray(scores_of_poses, dtype=np.float64).reshape(len(pts))
        keep = np.flatnonzero((pose_scores >= pose_threshold) & np.isfinite(pts[:, :, 0]).any(axis=1))
        names = topo.keypoints
        kept_attributes = []
        for n in keep:
            attrs = dict(attributes[n]) if attributes is not None else {}
            found = [names[i] for i in np.flatnonzero(ok[n]) if names[i] in derived] if derived else []
            if found:
                attrs["derived_keypoints"] = found
            kept_attributes.append(attrs)
        return PoseFrame(pts[keep], scs[keep], boxes[keep], pose_scores[keep], np.full(len(keep), -1),
                         kept_attributes, image_size=(image_shape[1], image_shape[0]), network=self.spec.name,
                         keypoint_names=list(names), skeleton=[tuple(s) for s in topo.skeleton],
                         timings=self.timings)

    # --- public ------------------------------------------------------------
    def infer(self, image_bgr: np.ndarray, threshold: float, pose_threshold: float | None = None) -> PoseFrame:
        """Poses with keypoints of confidence >= ``threshold`` and pose score >= ``pose_threshold``
        (None: the network's default); poses left without any keypoint are dropped."""
        self.timings = {}
        pose_threshold = self.default_pose_threshold if pose_threshold is None else float(pose_threshold)
        return self._infer(image_bgr, threshold, pose_threshold)

    def _infer(self, image_bgr: np.ndarray, threshold: float, pose_threshold: float) -> PoseFrame:
        raise NotImplementedError
