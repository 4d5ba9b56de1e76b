"""Two-stage detector + landmark networks (MediaPipe Hands, BlazePose).

Per image:

1. detector on the letterboxed image (``input``): SSD anchors, sigmoid scores above
   ``detector_threshold``, boxes and detector keypoints decoded relative to the
   anchors, MediaPipe's weighted NMS (``nms_threshold``), at most ``max_objects``;
2. a rotated square region of interest per detection, as MediaPipe's
   ``DetectionsToRectsCalculator`` / ``AlignmentPointsRectsCalculator`` +
   ``RectTransformationCalculator`` compute it (``decoder.roi``):

   - ``mode: "box"`` (hands): centre and size from the detection box, rotation so that
     keypoint ``start`` -> ``end`` (wrist -> middle-finger MCP) points up, shifted by
     ``shift_y`` box heights along that direction, longest side times ``scale`` (2.6);
   - ``mode: "alignment"`` (pose): centre = keypoint ``start`` (hip centre), side =
     2 |kp[end] - kp[start]| times ``scale`` (1.25), same rotation rule;

3. the landmark model on the warped crop (``landmark_input``); landmarks are mapped
   back to the image with the inverse of the crop's affine transform;
4. a pose per region whose presence is at least ``pose_threshold`` (default: the registry's ``min_presence``); poses whose boxes
   overlap an already kept pose by more than ``dedup_iou`` are dropped (two regions
   that locked on the same hand/person).

Scores: ``ObjectPose.score`` is the landmark model's presence; per-keypoint scores
are min(sigmoid(visibility), sigmoid(presence)) when the model has them (BlazePose),
otherwise the pose's presence (hand landmarks carry no per-point confidence).
``attributes["detection_score"]`` is the detector's score for the region.  Hands get
``attributes["handedness"]`` ("left"/"right", for the photographed person's hand, on
an unmirrored image) and ``attributes["handedness_score"]``.

``decoder.keypoint_map`` (optional) re-orders the landmarks into the published
topology: an entry is a landmark index, or a list of indices whose mean is used
(a derived keypoint such as ``neck`` = shoulder midpoint; its score is the minimum
of theirs and its name is listed in ``attributes["derived_keypoints"]``; see
``base.KeypointMap``).

Options (``PoseNet(..., max_objects=, detector_threshold=, pose_threshold=,
nms_threshold=, dedup_iou=)``) override the registry's ``decoder`` values.
``flip=True`` also runs the whole graph on the mirrored image and merges the two by
OKS (``merge``; handedness of mirrored hands swapped); ``scales`` is refused (both
models have a fixed input size).

Registry entries: ``mediapipe-hand`` (alias ``hand``; full palm + full landmark model,
21 keypoints in trt_pose_hand order), ``mediapipe-hand-lite``; ``blazepose-body``
(full landmark model, 33 BlazePose keypoints), ``blazepose-body-lite``, and
``blazepose-body18`` (full model published in human_pose.json's 18-keypoint order via
``keypoint_map``, ``neck`` derived).  Model files: roles ``detector`` and ``landmark``
(``PoseNet(..., model_files={"landmark": path})`` swaps one).  Single images only: no
frame-to-frame ROI tracking as in MediaPipe's video graphs.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from ..runtime.backends import require_tensors
from ..core import keypoints
from ..preprocess import crop_rotated, prepare
from .base import PoseModel
from .merge import Candidate, run_passes
from .ssd_anchors import AnchorOptions, decode_boxes, generate_anchors, iou, logit_cut, sigmoid_scores, weighted_nms


@dataclass
class MediaPipeParams:
    max_objects: int = 2
    detector_threshold: float = 0.5
    nms_threshold: float = 0.3
    min_presence: float = 0.5
    dedup_iou: float = 0.5


@dataclass
class Roi:
    center: tuple[float, float]
    size: float
    angle: float          # radians; MediaPipe's rect rotation (crop "up" = (sin a, -cos a) in the image)
    score: float


def _normalize_radians(a: float) -> float:
    return a - 2 * np.pi * np.floor((a + np.pi) / (2 * np.pi))


def roi_from_detection(box: np.ndarray, kps: np.ndarray, rule: dict, score: float) -> Roi:
    """Rotated square ROI (image pixels) from a detection box [4] and keypoints [K,2]
    in image pixels, following MediaPipe's rect calculators."""
    p0, p1 = kps[int(rule.get("start", 0))], kps[int(rule.get("end", 1))]
    target = np.deg2rad(float(rule.get("target_angle", 90.0)))
    angle = _normalize_radians(target - np.arctan2(-(p1[1] - p0[1]), p1[0] - p0[0]))
    if rule.get("mode", "box") == "alignment":
        cx, cy = p0
        w = h = 2.0 * float(np.hypot(*(p1 - p0)))
    else:
        cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
        w, h = box[2] - box[0], box[3] - box[1]
    sx, sy = float(rule.get("shift_x", 0.0)), float(rule.get("shift_y", 0.0))
    cos, sin = np.cos(angle), np.sin(angle)
    cx += w * sx * cos - h * sy * sin
    cy += w * sx * sin + h * sy * cos
    size = max(w, h) * float(rule.get("scale", 1.0))
    return Roi((float(cx), float(cy)), float(size), float(angle), score)


def refine_from_heatmap(xy: np.ndarray, heatmap: np.ndarray, crop_size: tuple[int, int],
                        kernel: int = 7, min_confidence: float = 0.5) -> np.ndarray:
    """MediaPipe's ``RefineLandmarksFromHeatmapCalculator``: move each landmark (crop
    pixels [N,2]) to the sigmoid-weighted centroid of a ``kernel`` x ``kernel`` window
    of its heatmap channel (``heatmap`` [H,W,C]) when the window's peak confidence is at
    least ``min_confidence``.  As in MediaPipe, cell (row, col) stands for the point
    (col, row) * crop/heatmap size (its corner, not its centre): measured on the COCO dev
    set this convention gives higher AP than cell centres (0.153 vs 0.125, full model)."""
    hm_h, hm_w = heatmap.shape[:2]
    cw, ch = crop_size
    n = min(len(xy), heatmap.shape[2])
    col = np.trunc(xy[:n, 0] / cw * hm_w).astype(int)   # static_cast<int>, as MediaPipe
    row = np.trunc(xy[:n, 1] / ch * hm_h).astype(int)
    d = np.arange(kernel) - (kernel - 1) // 2
    rows = row[:, None, None] + d[None, :, None]                      # [n, k, 1]
    cols = col[:, None, None] + d[None, None, :]                      # [n, 1, k]
    inside = (rows >= 0) & (rows < hm_h) & (cols >= 0) & (cols < hm_w)
    conf = sigmoid_scores(heatmap[np.clip(rows, 0, hm_h - 1), np.clip(cols, 0, hm_w - 1),
                                  np.arange(n)[:, None, None]])
    conf = np.where(inside, conf, 0.0)
    total = conf.sum(axis=(1, 2))
    ok = (conf.max(axis=(1, 2)) >= min_confidence) & (total > 0) & (col >= 0) & (col < hm_w) \
        & (row >= 0) & (row < hm_h)
    out = xy.copy()
    safe = np.where(total > 0, total, 1.0)
    out[:n, 0] = np.where(ok, (conf * cols).sum(axis=(1, 2)) / safe / hm_w * cw, xy[:n, 0])
    out[:n, 1] = np.where(ok, (conf * rows).sum(axis=(1, 2)) / safe / hm_h * ch, xy[:n, 1])
    return out


class MediaPipeModel(PoseModel):
    """Palm/pose detector + hand/pose landmark model (MediaPipe graphs without tracking)."""

    supports_flip = True
    pose_score_param = "min_presence"      # registry value = default pose_threshold

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        cfg = self.spec.decoder
        self.detector, self.det_input = self.load("detector", self.input_spec("input", blob=self.config.input_blob))
        self.landmark, self.lm_input = self.load("landmark", self.input_spec("landmark_input"))
        det, lm = cfg["detector"], cfg["landmark"]
        self.det_out = (det["boxes"], det["scores"])
        self.lm_out = {k: lm[k] for k in ("landmarks", "presence", "handedness", "heatmap") if lm.get(k)}
        self.refine_kernel = int(lm.get("refine_kernel", 7))
        self.refine_min_confidence = float(lm.get("refine_min_confidence", 0.5))
        require_tensors(self.detector, self.spec.name, [self.det_input.name], list(self.det_out),
                        {self.det_input.name: "--input-blob"})
        require_tensors(self.landmark, self.spec.name, [self.lm_input.name], list(self.lm_out.values()))
        self.anchors = generate_anchors(AnchorOptions.from_dict(det["anchors"], self.det_input.size))
        self.num_det_keypoints = int(det["num_keypoints"])
        self.score_clip = float(det.get("score_clipping", 100.0))
        self.num_landmarks = int(lm["num_landmarks"])
        self.values_per_landmark = int(lm.get("values_per_landmark", 3))
        self.has_visibility = self.values_per_landmark >= 4
        self.handedness_labels = lm.get("handedness_labels", ["left", "right"])
        self.roi_rule = dict(cfg["roi"])
        self.params = self.decoder_config.params(MediaPipeParams, cfg)
        self.logit_cut = logit_cut(self.params.detector_threshold, self.score_clip)   # once, not per frame
        self.keypoint_map = self.make_keypoint_map(cfg)
        self.setup_passes(self.detector, self.det_input)
        self.sigmas = keypoints.sigmas(self.topology.keypoints)
        a, b = self.handedness_labels[:2]
        self.mirror_attributes = {a: b, b: a}

    # ------------------------------------------------------------ stage 1
    def detect(self, image_bgr: np.ndarray) -> list[Roi]:
        """Detector pass -> rotated ROIs in image pixels, best first."""
        with self.stage("preprocess"):
            tensor, affine = prepare(image_bgr, self.det_input)
        with self.stage("inference"):
            out = self.detector.run({self.det_input.name: tensor}, list(self.det_out))
        with self.stage("decode"):
            logits = out[self.det_out[1]].reshape(-1)
            # threshold the logits (the sigmoid is monotonic): the sigmoid only for the kept anchors
            keep = np.flatnonzero(logits >= self.logit_cut)
            if not keep.size:
                return []
            scores = sigmoid_scores(logits[keep], self.score_clip)
            raw = out[self.det_out[0]].reshape(len(self.anchors), -1)
            w, h = self.det_input.size
            boxes, kps = decode_boxes(raw[keep].astype(np.float64), self.anchors[keep], (w, h),
                                      self.num_det_keypoints)
            dets = weighted_nms(boxes, kps, scores, self.params.nms_threshold, self.params.max_objects)
            size = np.array([w, h], np.float64)
            rois = []
            for box, kp, score in dets:
                corners = affine.to_image(box.reshape(2, 2) * size).ravel()
                roi = roi_from_detection(corners, affine.to_image(kp * size), self.roi_rule, score)
                if roi.size >= 1.0 and np.isfinite(roi.center).all():
                    rois.append(roi)
            return rois

    # ------------------------------------------------------------ stage 2
    def crop(self, image_bgr: np.ndarray, roi: Roi):
        """The landmark model's input tensor for one ROI, and the crop's affine transform."""
        with self.stage("preprocess"):
            return crop_rotated(image_bgr, roi.center, roi.size, roi.angle, self.lm_input.size, self.lm_input)

    def landmarks(self, tensor: np.ndarray, affine) -> dict:
        """Landmark pass on one ROI's ``crop()`` -> points [N,2] (image px), scores [N], presence,
        extras."""
        with self.stage("inference"):
            out = self.landmark.run({self.lm_input.name: tensor}, list(self.lm_out.values()))
        with self.stage("decode"):
            vals = out[self.lm_out["landmarks"]].reshape(-1, self.values_per_landmark)[:self.num_landmarks]
            xy = vals[:, :2].astype(np.float64)
            if "heatmap" in self.lm_out:
                xy = refine_from_heatmap(xy, out[self.lm_out["heatmap"]][0], self.lm_input.size,
                                         self.refine_kernel, self.refine_min_confidence)
            points = affine.to_image(xy)
            presence = float(np.ravel(out[self.lm_out["presence"]])[0]) if "presence" in self.lm_out else 1.0
            if self.has_visibility:   # in-frame presence (5th value) also bounds the score:
                # min(sigmoid(a), sigmoid(b)) = sigmoid(min(a, b)), the sigmoid being monotonic
                scores = sigmoid_scores(vals[:, 3:5].min(axis=1) if self.values_per_landmark >= 5 else vals[:, 3])
            else:
                scores = np.full(len(points), presence)
            result = {"points": points, "scores": scores, "presence": presence}
            if "handedness" in self.lm_out:
                p = float(np.ravel(out[self.lm_out["handedness"]])[0])
                right = p > 0.5
                result["handedness"] = self.handedness_labels[int(right)]
                result["handedness_score"] = round(p if right else 1.0 - p, 4)
            return result

    # ------------------------------------------------------------ both
    def _infer(self, image_bgr, threshold, pose_threshold):
        found = run_passes(image_bgr, self.passes, partial(self.run_pass, pose_threshold=pose_threshold),
                           self.flip_perm, self.sigmas, self.mirror_attributes)
        with self.stage("decode"):
            return self.make_poses(image_bgr.shape, [c.points for c in found], [c.scores for c in found], threshold,
                                   [c.score for c in found], derived=self.keypoint_map.derived,
                                   attributes=[c.attributes for c in found], pose_threshold=pose_threshold)

    def run_pass(self, image_bgr, scale: float = 1.0, pose_threshold: float = 0.0) -> list[Candidate]:
        """Detector + landmarks on one image -> poses of presence >= ``pose_threshold`` in image
        pixels, topology order."""
        found, kept_boxes = [], []
        rois = self.detect(image_bgr)
        # every crop before the first landmark inference: the image is still in the CPU's caches
        # (after an inference each warp takes about 1.5x longer)
        crops = [self.crop(image_bgr, roi) for roi in rois]
        for roi, crop in zip(rois, crops):
            res = self.landmarks(*crop)
            with self.stage("decode"):
                if res["presence"] < pose_threshold:
                    continue
                box = np.array([*res["points"].min(axis=0), *res["points"].max(axis=0)])
                if kept_boxes and (iou(box, np.asarray(kept_boxes)) > self.params.dedup_iou).any():
                    continue
                kept_boxes.append(box)
                points, scores = self.keypoint_map.apply(res["points"], res["scores"])
                attrs = {"detection_score": round(roi.score, 4)}
                if "handedness" in res:
                    attrs.update(handedness=res["handedness"], handedness_score=res["handedness_score"])
                found.append(Candidate(points, scores, res["presence"], None, attrs))
        return found


__all__ = ["MediaPipeModel", "MediaPipeParams", "Roi", "roi_from_detection"]
