"""Accuracy on COCO-format keypoint sets: COCO keypoint AP (pycocotools) for bodies,
PCK and pixel error for hands.

Body sets (17 keypoints): each pose is written as a COCO result (keypoints in the
dataset's order, mapped from the network's topology by keypoint *name*; derived or
extra keypoints such as ``neck`` are dropped, keypoints the network did not find are
``0,0,0``) and scored with ``COCOeval(iouType="keypoints")`` over every image id of the
ground truth (images without people included, so their detections are false positives;
crowd regions handled by COCOeval).

Hand sets (21 keypoints, same index order as the MediaPipe / trt_pose hand topologies):
each ground-truth hand is matched to the predicted hand with the highest PCK@0.2 (ties:
nearest centroid); PCK@a = share of labelled keypoints within ``a * max(bbox w, h)`` of
the ground truth (a keypoint of an unmatched hand, or one the network did not find,
counts as a miss); the pixel error is the mean distance over found, labelled keypoints.
"""
from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from tqdm import tqdm

from ..core.errors import InputError, PoseNetError
from ..core.pose import PoseFrame
from ..io.sources import read_image

COCO_METRICS = ("AP", "AP50", "AP75", "APm", "APl", "AR", "AR50", "AR75", "ARm", "ARl")
HAND_KEYPOINTS = 21
BODY_KEYPOINTS = 17
SCORE_MODES = ("pose", "mean", "coverage")


# ------------------------------------------------------------------ data set
@dataclass
class KeypointSet:
    """A COCO-format keypoint annotation file and its image folder."""

    coco: "object"              # pycocotools.coco.COCO
    image_dir: Path
    kind: str                   # body | hand
    category_id: int
    keypoint_names: list[str]

    @property
    def image_ids(self) -> list[int]:
        return sorted(self.coco.getImgIds())

    def image_path(self, image_id: int) -> Path:
        return self.image_dir / self.coco.imgs[image_id]["file_name"]


def detect_kind(num_keypoints: int) -> str:
    if num_keypoints == BODY_KEYPOINTS:
        return "body"
    if num_keypoints == HAND_KEYPOINTS:
        return "hand"
    raise InputError(f"unsupported keypoint set: {num_keypoints} keypoints per annotation "
                     f"(body sets have {BODY_KEYPOINTS}, hand sets {HAND_KEYPOINTS})")


def load_keypoint_set(annotations: str | Path, image_dir: str | Path, kind: str | None = None) -> KeypointSet:
    """Load and check an annotation file; every error is a one-line ``InputError``."""
    from pycocotools.coco import COCO

    path = Path(annotations)
    if not path.is_file():
        raise InputError(f"annotation file not found: {path}")
    folder = Path(image_dir)
    if not folder.is_dir():
        raise InputError(f"image folder not found: {folder}")
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), list)
                                             for k in ("images", "annotations", "categories")):
        raise InputError(f"{path}: not a COCO annotation file (needs 'images', 'annotations' and 'categories' lists)")
    cats = [c for c in data["categories"] if isinstance(c, dict) and c.get("keypoints")]
    if not cats:
        raise InputError(f"{path}: no category with 'keypoints' (not a keypoint annotation file)")
    cat = cats[0]
    check_entries(data, path)
    names = [str(n) for n in cat["keypoints"]]
    found = detect_kind(len(names))
    if kind and kind != found:
        raise InputError(f"{path}: --kind {kind} given, but its category has {len(names)} keypoints ({found} set)")
    try:
        for a in data["annotations"]:
            if len(a["keypoints"]) != 3 * len(names):
                raise ValueError(f"annotation {a.get('id')} has {len(a['keypoints'])} keypoint values, "
                                 f"expected {3 * len(names)}")
        with contextlib.redirect_stdout(io.StringIO()):
            coco = COCO()
            coco.dataset = data
            coco.createIndex()
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise InputError(f"{path}: malformed COCO annotations ({msg})") from None
    return KeypointSet(coco, folder, found, int(cat["id"]), names)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def check_entries(data: dict, path: Path) -> None:
    """What pycocotools takes for granted, checked with one-line ``InputError``s: integer ids,
    every image with a ``file_name``, every annotation on a known image and category with
    numeric keypoints.  A missing ``area`` is taken from the ``bbox`` (w*h), a missing
    ``num_keypoints`` counted from the keypoints (COCOeval needs both)."""
    def bad(what: str):
        raise InputError(f"{path}: malformed COCO annotations ({what})")

    cat_ids = set()
    for c in data["categories"]:
        if not isinstance(c, dict) or not _is_int(c.get("id")):
            bad(f"category {c.get('name', '?') if isinstance(c, dict) else c!r} needs an integer 'id'")
        cat_ids.add(c["id"])
    image_ids = set()
    for i, im in enumerate(data["images"]):
        if not isinstance(im, dict) or not _is_int(im.get("id")):
            bad(f"image entry {i} needs an integer 'id'")
        if not isinstance(im.get("file_name"), str) or not im["file_name"]:
            bad(f"image {im['id']} has no 'file_name'")
        image_ids.add(im["id"])
    for i, a in enumerate(data["annotations"]):
        if not isinstance(a, dict) or not _is_int(a.get("id")):
            bad(f"annotation entry {i} needs an integer 'id'")
        if a.get("image_id") not in image_ids or not _is_int(a.get("image_id")):
            bad(f"annotation {a['id']}: image_id {a.get('image_id')!r} is not an image of the file")
        if a.get("category_id") not in cat_ids or not _is_int(a.get("category_id")):
            bad(f"annotation {a['id']}: category_id {a.get('category_id')!r} is not an integer category id "
                "of the file")
        kps = a.get("keypoints")
        if not isinstance(kps, list) or not all(_is_number(v) for v in kps):
            bad(f"annotation {a['id']}: 'keypoints' must be a list of numbers")
        if "num_keypoints" not in a:
            a["num_keypoints"] = int(sum(1 for v in kps[2::3] if v > 0))
        if not _is_number(a.get("area")):
            box = a.get("bbox")
            if "area" in a or not (isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box)):
                bad(f"annotation {a['id']}: needs a numeric 'area' or a 'bbox' [x, y, w, h]")
            a["area"] = float(box[2]) * float(box[3])


# ------------------------------------------------------------------ poses -> COCO results
def keypoint_map(dataset_names: Sequence[str], topology_names: Sequence[str], kind: str) -> np.ndarray:
    """For each dataset keypoint, the topology id that provides it (-1: none).

    Body: by name (``left_eye`` ...); hand: by index (names differ between hand topologies,
    the order is the same)."""
    if kind == "hand":
        if len(topology_names) != len(dataset_names):
            raise PoseNetError(f"the network has {len(topology_names)} keypoints; this hand set needs "
                               f"{len(dataset_names)} (a hand network, e.g. mediapipe-hand)")
        return np.arange(len(dataset_names))
    index = {n: i for i, n in enumerate(topology_names)}
    mapping = np.array([index.get(n, -1) for n in dataset_names])
    if (mapping < 0).all():
        raise PoseNetError("the network's keypoints share no name with the data set's "
                           f"({', '.join(dataset_names[:3])}, ...): is it a {kind} network?")
    return mapping


def frame_array(frame: PoseFrame, mapping: np.ndarray) -> np.ndarray:
    """[N,D,3] (x, y, score) in data-set order; keypoints not found are 0,0,0."""
    out = np.zeros((len(frame), len(mapping), 3))
    have = mapping >= 0
    cols = mapping[have]
    found = frame.found[:, cols]
    out[:, have, :2] = np.where(found[..., None], np.nan_to_num(frame.xy[:, cols]), 0.0)
    out[:, have, 2] = np.where(found, frame.scores[:, cols], 0.0)
    return out


def detection_scores(frame: PoseFrame, arr: np.ndarray, mode: str = "pose") -> np.ndarray:
    """Score of each detection for the AP ranking.

    ``pose``: the network's own pose score; ``mean``: mean score of the found data-set
    keypoints; ``coverage``: sum of those scores / number of data-set keypoints (favours
    complete skeletons)."""
    if mode == "pose":
        return frame.pose_scores.astype(float)
    scores = arr[..., 2]
    if mode == "mean":
        n = (scores > 0).sum(axis=1)
        return np.where(n > 0, scores.sum(axis=1) / np.maximum(n, 1), 0.0)
    if mode == "coverage":
        return scores.sum(axis=1) / max(scores.shape[1], 1)
    raise PoseNetError(f"unknown score mode '{mode}' (known: {', '.join(SCORE_MODES)})")


def frame_to_results(image_id: int, frame: PoseFrame, mapping: np.ndarray, category_id: int = 1,
                     score: str = "pose") -> list[dict]:
    """COCO keypoint results for one image (poses without any data-set keypoint are dropped)."""
    arr = frame_array(frame, mapping)
    det = detection_scores(frame, arr, score)
    return [{"image_id": int(image_id), "category_id": int(category_id),
             "keypoints": [round(float(v), 3) for v in arr[i].ravel()], "score": round(float(det[i]), 6)}
            for i in range(len(frame)) if (arr[i, :, 2] > 0).any()]


# ------------------------------------------------------------------ running a network
def predict(pipeline, ds: KeypointSet, image_ids: Sequence[int], progress: bool = True,
            on_image: Callable | None = None) -> dict[int, PoseFrame]:
    """Run ``pipeline`` (a ``Pipeline``, or anything with ``process(image) -> PoseFrame`` such as
    ``PoseNet.infer``'s owner) on every image; returns image id -> frame."""
    run = pipeline.process if hasattr(pipeline, "sinks") else pipeline.infer
    name = getattr(getattr(pipeline, "net", pipeline), "network", "")
    out = {}
    for img in tqdm(image_ids, desc=name, unit="img", disable=not progress, leave=False):
        path = ds.image_path(img)
        out[img] = run(read_image(str(path)))
        if on_image:
            on_image(img, out[img])
    return out


def missing_images(ds: KeypointSet, image_ids: Sequence[int]) -> list[Path]:
    return [p for p in (ds.image_path(i) for i in image_ids) if not p.is_file()]


# ------------------------------------------------------------------ body: COCO AP
def coco_keypoint_eval(ds: KeypointSet, results: list[dict], image_ids: Sequence[int] | None = None) -> dict:
    """COCO keypoint AP/AR (``COCOeval`` iouType 'keypoints') over ``image_ids`` (all by default)."""
    from pycocotools.cocoeval import COCOeval

    ids = list(image_ids or ds.image_ids)
    if not results:   # loadRes cannot load an empty list; nothing detected means AP = AR = 0
        return {m: 0.0 for m in COCO_METRICS}
    with contextlib.redirect_stdout(io.StringIO()):
        dt = ds.coco.loadRes([dict(r) for r in results])
        ev = COCOeval(ds.coco, dt, iouType="keypoints")
        ev.params.imgIds = ids
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return {m: float(v) for m, v in zip(COCO_METRICS, ev.stats)}


# ------------------------------------------------------------------ hands: PCK
def hand_metrics(ds: KeypointSet, predictions: dict[int, PoseFrame], mapping: np.ndarray,
                 alphas: Sequence[float] = (0.1, 0.2)) -> dict:
    """PCK@alpha (normalised by max(w, h) of the ground-truth box) and mean pixel error."""
    hits = {a: 0 for a in alphas}
    labelled = found = matched = hands = 0
    errors: list[float] = []
    for img, frame in predictions.items():
        cands = list(frame_array(frame, mapping))
        for ann in ds.coco.loadAnns(ds.coco.getAnnIds(imgIds=[img], iscrowd=False)):
            gt = np.asarray(ann["keypoints"], dtype=float).reshape(-1, 3)
            vis = gt[:, 2] > 0
            if not vis.any():
                continue
            hands += 1
            labelled += int(vis.sum())
            norm = max(float(max(ann["bbox"][2:4])), 1e-6)
            best = _match_hand(gt, vis, cands, norm)
            if best is None:
                continue
            matched += 1
            ok = vis & (best[:, 2] > 0)
            dist = np.linalg.norm(best[:, :2] - gt[:, :2], axis=1)
            found += int(ok.sum())
            errors.extend(dist[ok].tolist())
            for a in alphas:
                hits[a] += int((ok & (dist <= a * norm)).sum())
    out = {f"PCK@{a:g}": (hits[a] / labelled if labelled else 0.0) for a in alphas}
    out.update({"mean_px_error": float(np.mean(errors)) if errors else float("nan"),
                "hands": hands, "hands_matched": matched, "keypoints_labelled": labelled,
                "keypoints_found": found})
    return out


def _match_hand(gt: np.ndarray, vis: np.ndarray, cands: list[np.ndarray], norm: float) -> np.ndarray | None:
    best, key = None, None
    centre = gt[vis, :2].mean(axis=0)
    for c in cands:
        ok = vis & (c[:, 2] > 0)
        if not ok.any():
            continue
        dist = np.linalg.norm(c[:, :2] - gt[:, :2], axis=1)
        pck = float((ok & (dist <= 0.2 * norm)).sum())
        k = (pck, -float(np.linalg.norm(c[c[:, 2] > 0, :2].mean(axis=0) - centre)))
        if key is None or k > key:
            best, key = c, k
    return best


# ------------------------------------------------------------------ one call
def evaluate(pipeline, ds: KeypointSet, image_ids: Sequence[int] | None = None, score: str = "pose",
             progress: bool = True, predictions: dict | None = None,
             topology_names: Sequence[str] | None = None) -> tuple[dict, list[dict]]:
    """Run ``pipeline`` (``Pipeline`` or ``PoseNet``) on the set, or score given ``predictions``
    (image id -> ``PoseFrame``; an image without one has no detection) -> (metrics, COCO results)."""
    ids = list(image_ids or ds.image_ids)
    names = topology_names or pipeline.topology.keypoints
    mapping = keypoint_map(ds.keypoint_names, names, ds.kind)
    if predictions is None:
        missing = missing_images(ds, ids)
        if missing:
            raise InputError(f"{len(missing)} image(s) of the annotation file are missing, e.g. {missing[0]}")
        predictions = predict(pipeline, ds, ids, progress)
    frames = {i: predictions[i] if i in predictions else PoseFrame.empty(names) for i in ids}
    results = []
    for img in ids:
        results += frame_to_results(img, frames[img], mapping, ds.category_id, score)
    if ds.kind == "body":
        metrics = coco_keypoint_eval(ds, results, ids)
    else:
        metrics = hand_metrics(ds, frames, mapping)
    metrics["images"] = len(ids)
    metrics["detections"] = len(results)
    return metrics, results
