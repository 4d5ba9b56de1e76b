"""SSD anchors, anchor-relative box decoding and weighted NMS, as MediaPipe does them.

These follow MediaPipe's ``SsdAnchorsCalculator``, ``TensorsToDetectionsCalculator``
(``reverse_output_order: true``, i.e. boxes as x_center, y_center, w, h) and
``NonMaxSuppressionCalculator`` with ``algorithm: WEIGHTED`` /
``overlap_type: INTERSECTION_OVER_UNION``.  Everything is in coordinates normalised
to the detector input ([0, 1] over its width and height).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class AnchorOptions:
    """MediaPipe ``SsdAnchorsCalculatorOptions`` (the fields these models use)."""

    input_size: tuple[int, int]                 # (width, height) of the detector input
    strides: list[int]
    min_scale: float = 0.1484375
    max_scale: float = 0.75
    aspect_ratios: list[float] = field(default_factory=lambda: [1.0])
    anchor_offset: tuple[float, float] = (0.5, 0.5)
    interpolated_scale_aspect_ratio: float = 1.0
    fixed_anchor_size: bool = True

    @classmethod
    def from_dict(cls, d: dict, input_size: tuple[int, int]) -> "AnchorOptions":
        kw = {k: v for k, v in d.items() if k in cls.__dataclass_fields__ and k != "input_size"}
        return cls(input_size=tuple(input_size), **kw)


def _scale(opts: AnchorOptions, index: int) -> float:
    n = len(opts.strides)
    if n == 1:
        return (opts.min_scale + opts.max_scale) / 2.0
    return opts.min_scale + (opts.max_scale - opts.min_scale) * index / (n - 1)


def generate_anchors(opts: AnchorOptions) -> np.ndarray:
    """Anchors [N, 4] = (x_center, y_center, width, height), in the order the model
    emits its boxes: per run of equal strides, rows, then columns, then anchors per cell."""
    width, height = opts.input_size
    strides = list(opts.strides)
    out = []
    layer = 0
    while layer < len(strides):
        sizes = []                                  # (w, h) of each anchor of a cell
        last = layer
        while last < len(strides) and strides[last] == strides[layer]:
            scale = _scale(opts, last)
            for ar in opts.aspect_ratios:
                sizes.append((scale * np.sqrt(ar), scale / np.sqrt(ar)))
            if opts.interpolated_scale_aspect_ratio > 0:
                nxt = 1.0 if last == len(strides) - 1 else _scale(opts, last + 1)
                s = np.sqrt(scale * nxt)
                ar = opts.interpolated_scale_aspect_ratio
                sizes.append((s * np.sqrt(ar), s / np.sqrt(ar)))
            last += 1
        fh = int(np.ceil(height / strides[layer]))
        fw = int(np.ceil(width / strides[layer]))
        ys, xs = np.meshgrid((np.arange(fh) + opts.anchor_offset[1]) / fh,
                             (np.arange(fw) + opts.anchor_offset[0]) / fw, indexing="ij")
        wh = np.ones((len(sizes), 2)) if opts.fixed_anchor_size else np.asarray(sizes, np.float64)
        cells = np.stack([xs.ravel(), ys.ravel()], axis=1)                 # [cells, 2]
        grid = np.concatenate([np.repeat(cells, len(sizes), axis=0), np.tile(wh, (len(cells), 1))], axis=1)
        out.append(grid)
        layer = last
    return np.concatenate(out, axis=0)


def decode_boxes(raw: np.ndarray, anchors: np.ndarray, scale: tuple[float, float],
                 num_keypoints: int) -> tuple[np.ndarray, np.ndarray]:
    """Raw regressors [N, 4 + 2K] -> boxes [N, 4] (xmin, ymin, xmax, ymax) and
    keypoints [N, K, 2], normalised to the detector input.  (One array pass over the (x, y)
    pairs: box centre, box size, keypoints.)"""
    pairs = raw[:, :4 + 2 * num_keypoints].reshape(len(raw), -1, 2) / np.asarray(scale, np.float64)
    pairs *= anchors[:, None, 2:4]                        # regressors are in anchor-size units
    pairs[:, 0] += anchors[:, 0:2]                       # box centre and keypoints: + anchor centre
    pairs[:, 2:] += anchors[:, None, 0:2]
    half = pairs[:, 1] / 2
    return np.concatenate([pairs[:, 0] - half, pairs[:, 0] + half], axis=1), pairs[:, 2:]


def logit_cut(p: float, clip: float = 100.0) -> float:
    """The cut on raw logits equivalent to ``sigmoid_scores(logits, clip) >= p`` (the sigmoid
    is monotonic), so that only the anchors kept need their sigmoid."""
    cut = -np.inf if p <= 0.0 else np.inf if p >= 1.0 else float(np.log(p / (1.0 - p)))
    return -np.inf if cut <= -clip else np.inf if cut > clip else cut


def sigmoid_scores(logits: np.ndarray, clip: float = 100.0) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -clip, clip)))


def iou_matrix(boxes: np.ndarray) -> np.ndarray:
    """IoU of every pair of ``boxes`` [N, 4] -> [N, N] (``iou`` of each box with all)."""
    lo = np.maximum(boxes[:, None, :2], boxes[None, :, :2])
    hi = np.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    inter = np.clip(hi - lo, 0, None).prod(axis=2)
    area = np.clip(boxes[:, 2:] - boxes[:, :2], 0, None).prod(axis=1)
    union = area[:, None] + area[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one box (xmin, ymin, xmax, ymax) with each of ``boxes`` [N, 4]."""
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    area = lambda b: np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)
    union = area(box) + area(boxes) - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou_threshold: float,
                 max_detections: int | None = None) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's WEIGHTED non-maximum suppression: take the best remaining detection,
    gather every remaining one overlapping it by more than ``iou_threshold`` (itself
    included), and replace its box and keypoints by their score-weighted mean; its
    score stays the best score.  Returns (box [4], keypoints [K,2], score), best first.

    The overlaps of all candidates are computed at once (one [M,M] matrix, for up to
    ``_NMS_MATRIX`` candidates); each kept detection then costs a few array operations."""
    order = np.argsort(-scores, kind="stable")
    if len(order) > _NMS_MATRIX:
        return _weighted_nms_loop(boxes, keypoints, scores, order, iou_threshold, max_detections)
    b, s = boxes[order], scores[order]
    flat = keypoints[order].reshape(len(order), -1)
    overlaps = iou_matrix(b) > iou_threshold
    alive = np.ones(len(order), bool)
    out = []
    while max_detections is None or len(out) < max_detections:
        best = int(alive.argmax())
        if not alive[best]:
            break
        group = alive & overlaps[best]
        group[best] = True
        w = np.where(group, s, 0.0)
        total = w.sum()
        out.append(((w @ b) / total, ((w @ flat) / total).reshape(keypoints.shape[1:]), float(s[best])))
        alive &= ~group
    return out


_NMS_MATRIX = 512     # candidates above this (a detector threshold near 0) take the loop below


def _weighted_nms_loop(boxes, keypoints, scores, order, iou_threshold, max_detections):
    """``weighted_nms`` one candidate at a time (memory linear in the candidates)."""
    out = []
    while order.size and (max_detections is None or len(out) < max_detections):
        best = order[0]
        overlap = iou(boxes[best], boxes[order]) > iou_threshold
        overlap[0] = True
        group = order[overlap]
        w = scores[group][:, None]
        box = (boxes[group] * w).sum(0) / w.sum()
        kps = (keypoints[group] * w[:, :, None]).sum(0) / w.sum()
        out.append((box, kps, float(scores[best])))
        order = order[~overlap]
    return out
