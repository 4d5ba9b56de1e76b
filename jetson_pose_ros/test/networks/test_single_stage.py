"""Single-stage multi-person networks (movenet-body, yolo11n-body) on real photos.

Needs the shared model mirror and data beside the repository (``<repo>/../shared``).
"""
from __future__ import annotations

import json
import os
import time

import cv2

import numpy as np
import pytest

from jetson_pose_ros.posenet import PoseNet
from jetson_pose_ros.core.registry import aliases, default_network, get_network

pytestmark = pytest.mark.shared_data      # reads ../shared/data; skipped (with the reason) without it

from conftest import NO_SHARED, SHARED  # noqa: E402  (one place resolves ../shared and JETSON_POSE_SHARED)

IMAGES = SHARED / "data" / "jetson_inference" / "images"
COCO_DEV = SHARED / "data" / "coco_val2017_dev"

NETWORKS = ["movenet-body", "yolo11n-body"]
COCO17 = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
          "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
          "left_knee", "right_knee", "left_ankle", "right_ankle"]

# Person boxes (x0, y0, x1, y1) annotated by hand on the photos, left to right.
PEOPLE = {
    "humans_1.jpg": [(90, 15, 210, 370), (195, 15, 285, 350), (272, 35, 345, 360),
                     (340, 40, 400, 370), (390, 10, 500, 385)],
    "humans_4.jpg": [(60, 208, 185, 415), (145, 235, 340, 550), (415, 228, 615, 540),
                     (585, 218, 805, 525), (828, 52, 937, 342)],
}

# COCO: fraction of labelled people (>= 10 keypoints) that must get a pose with OKS >= 0.5
MIN_FOUND = {"movenet-body": 0.7, "yolo11n-body": 0.85}
SIGMAS = np.array([.26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89]) / 10


@pytest.fixture(scope="module", autouse=True)
def model_env(tmp_path_factory):
    if not (SHARED / "models").is_dir():
        pytest.skip(NO_SHARED)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODEL_MIRROR", os.environ.get("MODEL_MIRROR", str(SHARED / "models")))
        mp.setenv("JETSON_POSE_MODELS", os.environ.get("JETSON_POSE_MODELS",
                                                       str(tmp_path_factory.mktemp("models"))))
        yield


_NETS: dict = {}


def posenet(name: str, threshold: float = 0.15, **options) -> PoseNet:
    """Cached PoseNet (tests that change its threshold restore it)."""
    key = (name, threshold, tuple(sorted(options.items())))
    if key not in _NETS:
        _NETS[key] = PoseNet(name, threshold=threshold, **options)
    return _NETS[key]


def image(name: str) -> np.ndarray:
    img = cv2.imread(str(IMAGES / name))
    assert img is not None, f"cannot read {IMAGES / name}"
    return img


def iou(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, w) * max(0.0, h)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def inside(kp, box, margin=0.1) -> bool:
    mx, my = margin * (box[2] - box[0]), margin * (box[3] - box[1])
    return box[0] - mx <= kp.x <= box[2] + mx and box[1] - my <= kp.y <= box[3] + my


# --------------------------------------------------------------------------- real photos
@pytest.mark.parametrize("net", NETWORKS)
@pytest.mark.parametrize("photo", sorted(PEOPLE))
def test_one_pose_per_person(net, photo):
    poses = posenet(net).process(image(photo), overlay=None)
    boxes = PEOPLE[photo]
    assert len(poses) == len(boxes)
    matched = set()
    for box in boxes:
        best = max(range(len(poses)), key=lambda i: iou(box, (poses[i].left, poses[i].top,
                                                             poses[i].right, poses[i].bottom)))
        p = poses[best]
        assert iou(box, (p.left, p.top, p.right, p.bottom)) > 0.6, (box, p.to_dict()["box"])
        assert len(p.keypoints) >= 12
        # 75%: on humans_1 movenet puts one leg of the woman in green on her neighbour
        assert sum(inside(k, box) for k in p.keypoints) >= 0.75 * len(p.keypoints)
        # the head is in the top part of the box, the ankles (when found) in the bottom part
        nose = p.keypoint("nose")
        assert nose is not None and nose.y < box[1] + 0.3 * (box[3] - box[1])
        for name in ("left_ankle", "right_ankle"):
            if p.keypoint(name):
                assert p.keypoint(name).y > box[1] + 0.6 * (box[3] - box[1])
        matched.add(best)
    assert len(matched) == len(boxes)  # each person got its own pose


def oks(pose, gt: dict) -> float:
    g = np.asarray(gt["keypoints"], float).reshape(17, 3)
    visible = g[:, 2] > 0
    d = np.array([[pose.keypoint(n).x, pose.keypoint(n).y] if pose.keypoint(n) else [np.inf, np.inf]
                  for n in COCO17])
    e = ((d - g[:, :2]) ** 2).sum(axis=1) / (2 * gt["area"] * (2 * SIGMAS) ** 2)
    return float(np.exp(-e)[visible].mean())


@pytest.mark.parametrize("net", NETWORKS)
def test_keypoints_near_coco_ground_truth(net):
    data = json.loads((COCO_DEV / "person_keypoints_val2017_dev.json").read_text())
    files = {i["id"]: i["file_name"] for i in data["images"]}
    people = [a for a in data["annotations"] if not a["iscrowd"] and a["num_keypoints"] >= 10]
    assert len(people) >= 20
    pn = posenet(net, threshold=0.0)
    found = 0
    for image_id in sorted({a["image_id"] for a in people}):
        img = cv2.imread(str(COCO_DEV / "images" / files[image_id]))
        poses = pn.process(img, overlay=None)
        for gt in (a for a in people if a["image_id"] == image_id):
            found += max((oks(p, gt) for p in poses), default=0.0) >= 0.5
    assert found / len(people) >= MIN_FOUND[net], f"{found}/{len(people)} people found"


# --------------------------------------------------------------------------- topology and neck
@pytest.mark.parametrize("net", NETWORKS)
def test_body_order_with_derived_neck(net):
    pn = posenet(net)
    assert pn.topology.keypoints == COCO17 + ["neck"]
    spec = get_network(net)
    assert spec.decoder["derived"] == {"neck": ["left_shoulder", "right_shoulder"]}
    poses = pn.process(image("humans_1.jpg"), overlay=None)
    checked = 0
    for p in poses:
        ls, rs, neck = p.keypoint("left_shoulder"), p.keypoint("right_shoulder"), p.keypoint("neck")
        if ls and rs:
            assert neck is not None
            assert neck.x == pytest.approx((ls.x + rs.x) / 2) and neck.y == pytest.approx((ls.y + rs.y) / 2)
            assert neck.score == pytest.approx(min(ls.score, rs.score))
            assert p.attributes["derived_keypoints"] == ["neck"]
            assert p.find_link("neck", "left_shoulder") >= 0 and p.find_link("neck", "right_hip") >= 0
            checked += 1
    assert checked == len(poses) == 5


@pytest.mark.parametrize("net", NETWORKS)
def test_neck_needs_both_shoulders(net):
    pn = posenet(net)
    img = image("humans_4.jpg")
    poses = pn.process(img.copy(), overlay=None)
    p = poses[0]
    low, high = sorted([p.keypoint("left_shoulder").score, p.keypoint("right_shoulder").score])
    if high - low < 1e-3:
        pytest.skip("shoulder scores too close to separate")
    old = pn.threshold
    try:
        pn.threshold = (low + high) / 2   # keeps one shoulder, drops the other
        again = max(pn.process(img.copy(), overlay=None), key=lambda q: iou(
            (q.left, q.top, q.right, q.bottom), (p.left, p.top, p.right, p.bottom)))
    finally:
        pn.threshold = old
    assert again.keypoint("neck") is None
    assert "derived_keypoints" not in again.attributes
    assert (again.keypoint("left_shoulder") is None) != (again.keypoint("right_shoulder") is None)


@pytest.mark.parametrize("net", NETWORKS)
def test_derive_neck_off(net):
    poses = posenet(net, derive_keypoints=False).process(image("humans_1.jpg"), overlay=None)
    assert len(poses) == 5
    assert all(p.keypoint("neck") is None and not p.attributes for p in poses)


# --------------------------------------------------------------------------- no people, thresholds
@pytest.mark.parametrize("net", NETWORKS)
@pytest.mark.parametrize("shape", [(480, 640), (37, 53), (720, 300)])
def test_empty_image(net, shape):
    grey = np.full((*shape, 3), 128, np.uint8)
    assert posenet(net).process(grey, overlay=None) == []


@pytest.mark.parametrize("net", NETWORKS)
def test_thresholds_and_max_objects(net):
    img = image("humans_4.jpg")
    base = posenet(net).process(img.copy(), overlay=None)
    assert len(base) == 5
    scores = sorted((p.score for p in base), reverse=True)
    assert all(0 < s <= 1 for s in scores)
    # person score threshold between the 3rd and 4th person keeps three
    strict = posenet(net, pose_threshold=(scores[2] + scores[3]) / 2).process(img.copy(), overlay=None)
    assert sorted((p.score for p in strict), reverse=True) == pytest.approx(scores[:3])
    assert posenet(net, pose_threshold=0.999).process(img.copy(), overlay=None) == []
    # max_objects keeps the strongest
    two = posenet(net, max_objects=2).process(img.copy(), overlay=None)
    assert [p.score for p in two] == pytest.approx(scores[:2])
    # keypoint threshold: every returned keypoint passes it; higher -> fewer keypoints
    pn = posenet(net)
    old = pn.threshold
    try:
        counts = []
        pn.threshold = 0.0
        every = pn.infer(img.copy())
        for t in (0.0, 0.5, 0.9):
            pn.threshold = t
            poses = pn.process(img.copy(), overlay=None)
            # the keypoint threshold drops a person only when none of its keypoints passes it
            assert len(poses) == int((every.scores >= t).any(axis=1).sum())
            assert all(k.score >= t for p in poses for k in p.keypoints) and all(p.keypoints for p in poses)
            counts.append(sum(len(p.keypoints) for p in poses))
    finally:
        pn.threshold = old
    assert counts[0] == 5 * 18 and counts[0] > counts[1] > counts[2]


# --------------------------------------------------------------------------- API, license, timings
@pytest.mark.parametrize("net", NETWORKS)
def test_timings_and_overlay(net):
    pn = posenet(net)
    img = image("humans_1.jpg")
    before = img.copy()
    t0 = time.perf_counter()
    poses = pn.process(img, overlay="links,keypoints")
    wall_ms = (time.perf_counter() - t0) * 1e3
    assert poses and not np.array_equal(img, before)
    stages = ("preprocess", "inference", "decode", "overlay")
    assert set(stages) <= set(pn.timings)
    # each stage took time, the network most of it, and together no more than the call itself
    assert all(pn.timings[s] > 0 for s in stages), pn.timings
    assert pn.timings["inference"] == max(pn.timings[s] for s in stages), pn.timings
    assert sum(pn.timings[s] for s in stages) <= wall_ms, (pn.timings, wall_ms)


def test_yolo_is_agpl_and_never_default():
    spec = get_network("yolo11n-body")
    assert "AGPL-3.0" in spec.license and "AGPL" in spec.entry["notes"]
    assert default_network() != "yolo11n-body"
    assert "yolo11n-body" not in aliases().values()
    assert get_network("movenet-body").license == "Apache-2.0"
