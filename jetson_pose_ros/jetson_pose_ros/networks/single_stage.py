"""Single-stage multi-person networks: one tensor in, N persons x K keypoints out.

Both families here predict, per person, a box, a person score and the 17 COCO
keypoints (x, y, score) in one forward pass; they differ only in how the raw
output is turned into candidates:

* ``movenet`` (MoveNet MultiPose): ``[1, 6, 56]`` = 6 persons x (17 x (y, x, score)
  normalised to the tensor, then ymin, xmin, ymax, xmax, person score);
* ``yolo-pose`` (Ultralytics YOLO-pose): ``[1, 56, N]`` = N anchors x (cx, cy, w, h,
  person score, 17 x (x, y, score)) in tensor pixels; score threshold then NMS
  (``cv2.dnn.NMSBoxes``).

The common part (``SingleStageModel``) keeps candidates above ``pose_threshold`` (default: the
registry's ``score_threshold``),
at most ``max_objects`` strongest, maps them back to image pixels, and maps the
network's keypoints (``decoder.keypoints``, by name) onto the topology
(``base.KeypointMap``).  For the 18-keypoint ``human_pose.json`` body order the
registry derives the missing ``neck`` (``decoder.derived``): the midpoint of the two
shoulders, score = the smaller shoulder score, listed in
``ObjectPose.attributes["derived_keypoints"]``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import cv2
import numpy as np

from dataclasses import replace

from ..runtime.backends import require_tensors
from ..core import keypoints
from ..preprocess import prepare
from .base import PoseModel
from .merge import Candidate, run_passes


@dataclass
class SingleStageParams:
    score_threshold: float = 0.25   # minimum person score
    nms_threshold: float = 0.45     # IoU above which a weaker box is suppressed (yolo-pose)
    max_objects: int = 100


@dataclass
class Candidates:
    """Raw detections in tensor pixels: boxes [N,4] (x0, y0, x1, y1), scores [N],
    keypoints [N,K,3] (x, y, score) in the network's keypoint order."""

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray

    def take(self, index) -> "Candidates":
        return Candidates(self.boxes[index], self.scores[index], self.keypoints[index])


class SingleStageModel(PoseModel):
    """Common part of the single-stage families; subclasses implement
    ``candidates(output, tensor_size) -> Candidates``.  Options ``flip`` / ``scales``
    (dynamic-size models only) run several passes merged by OKS (``merge``)."""

    params_defaults: dict = {}
    supports_flip = True
    pose_score_param = "score_threshold"

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        cfg = dict(self.spec.decoder)
        # the one output tensor; ``--output-cmap`` (jetson-inference's option) overrides it
        if self.config.output_cmap:
            cfg["output"] = self.config.output_cmap
        self.backend, spec = self.load(spec=self.input_spec(blob=self.config.input_blob))
        self.input = self.fit_to_model(spec, self.backend)
        self.output = cfg.get("output") or next(iter(self.backend.outputs))
        require_tensors(self.backend, self.spec.name, [self.input.name], [self.output],
                        {self.input.name: "--input-blob", self.output: "--output-cmap"})
        self.params = self.decoder_config.params(SingleStageParams, cfg, self.params_defaults)
        cfg.setdefault("keypoints", list(keypoints.COCO_KEYPOINTS))
        self.keypoint_map = self.make_keypoint_map(cfg)
        self.setup_passes(self.backend, self.input)
        self.sigmas = keypoints.sigmas(self.topology.keypoints)

    def tensor_size(self, tensor: np.ndarray) -> tuple[int, int]:
        """(width, height) of a batched tensor in the spec's layout."""
        h, w = tensor.shape[1:3] if self.input.layout == "NHWC" else tensor.shape[2:4]
        return int(w), int(h)

    def candidates(self, output: np.ndarray, tensor_size: tuple[int, int], pose_threshold: float) -> Candidates:
        raise NotImplementedError

    def _infer(self, image_bgr, threshold, pose_threshold):
        found = run_passes(image_bgr, self.passes, partial(self.run_pass, pose_threshold=pose_threshold),
                           self.flip_perm, self.sigmas)
        with self.stage("decode"):
            return self.make_poses(image_bgr.shape, [c.points for c in found], [c.scores for c in found], threshold,
                                   [c.score for c in found], [c.box for c in found], self.keypoint_map.derived,
                                   pose_threshold=pose_threshold)

    def run_pass(self, image_bgr, scale: float = 1.0, pose_threshold: float = 0.0) -> list[Candidate]:
        """One pass at ``scale`` x the input size -> poses of score >= ``pose_threshold`` in image
        pixels, topology order."""
        spec = self.input if scale == 1.0 else replace(
            self.input, size=tuple(max(1, round(v * scale)) for v in self.input.size))
        with self.stage("preprocess"):
            tensor, affine = prepare(image_bgr, spec)
        with self.stage("inference"):
            output = self.backend.run({spec.name: tensor}, [self.output])[self.output]
        with self.stage("decode"):
            c = self.candidates(output, self.tensor_size(tensor), pose_threshold)
            order = np.argsort(-c.scores, kind="stable")
            c = c.take(order[c.scores[order] >= pose_threshold][:max(0, int(self.params.max_objects))])
            return [self._candidate(affine, c.boxes[n], c.scores[n], c.keypoints[n]) for n in range(len(c.scores))]

    def _candidate(self, affine, box, score, kps) -> Candidate:
        """One detection (tensor pixels, network order) -> image pixels, topology order."""
        pts, scores = self.keypoint_map.apply(kps[:, :2], kps[:, 2])
        x0, y0, x1, y1 = affine.to_image(np.asarray(box, np.float64).reshape(2, 2)).ravel()
        return Candidate(affine.to_image(pts), scores, float(score), (x0, y0, x1, y1))


class MoveNetModel(SingleStageModel):
    """MoveNet MultiPose: [1, P, 56] = P x (17 x (y, x, score), ymin, xmin, ymax, xmax, score),
    all normalised to the input tensor."""

    params_defaults = {"score_threshold": 0.2}

    def candidates(self, output, tensor_size, pose_threshold):
        w, h = tensor_size
        out = np.asarray(output, np.float64).reshape(-1, output.shape[-1])
        nk = (out.shape[1] - 5) // 3
        yxs = out[:, :3 * nk].reshape(-1, nk, 3)
        kps = np.stack([yxs[..., 1] * w, yxs[..., 0] * h, yxs[..., 2]], axis=-1)
        ymin, xmin, ymax, xmax, score = out[:, 3 * nk:3 * nk + 5].T
        boxes = np.stack([xmin * w, ymin * h, xmax * w, ymax * h], axis=1)
        return Candidates(boxes, score, kps)


class YoloPoseModel(SingleStageModel):
    """Ultralytics YOLO-pose: [1, 5 + 3K, N] = N anchors x (cx, cy, w, h, score, K x (x, y, score))
    in input-tensor pixels; score threshold and NMS."""

    params_defaults = {"score_threshold": 0.25}

    def candidates(self, output, tensor_size, pose_threshold):
        out = np.asarray(output[0], np.float32).T                     # [N, 5 + 3K]
        out = out[out[:, 4] >= pose_threshold]
        cx, cy, bw, bh, score = out[:, :5].T
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
        keep = cv2.dnn.NMSBoxes(np.stack([boxes[:, 0], boxes[:, 1], bw, bh], axis=1).tolist(), score.tolist(),
                                float(pose_threshold), float(self.params.nms_threshold))
        keep = np.asarray(keep, dtype=np.int64).reshape(-1)
        out = out[keep]
        return Candidates(boxes[keep].astype(np.float64), out[:, 4].astype(np.float64),
                          out[:, 5:].reshape(len(out), (out.shape[1] - 5) // 3, 3).astype(np.float64))
