"""Accuracy guard: which backend x precision pairs of each network may ``auto`` choose.

    python tools/accuracy_guard.py                      # every installable network, writes the table
    python tools/accuracy_guard.py --network mobilenet-body --variants openvino:bf16
    python tools/accuracy_guard.py --report-only        # rebuild table + docs from the saved runs
    python tools/accuracy_guard.py --network mobilenet-body --variants onnxruntime:f32 \
        --bf16-keep 'stages2to6=Openpose/MConv_Stage[2-6]'   # experiment: those layers in f32 under bf16

Every variant (onnxruntime f32, openvino f32, openvino bf16, and the int8 variants where one is
installed) is compared with ``onnxruntime f32`` (the reference) on all of ``../shared/data``:

(a) labelled sets: COCO keypoint AP of body networks on every COCO-style body set, projected onto
    the COCO-17 keypoints it labels (coco_val2017_dev, mmpose coco, ochuman, humanart, posetrack18,
    crowdpose, aic, exlpose, mhp, jhmdb, mpii; a keypoint a set lacks is unlabelled there), PCK@0.2
    of hand networks on every hand set (onehand10k, freihand, panoptic, rhd, the COCO-WholeBody
    hands).  A variant holds when no set loses more than the bound (f32 of another backend and
    bf16: 0.005, int8: 0.01).
(b) unlabelled media, every frame at the network's own input size: body networks on the 15
    jetson-inference photos, both videos and the 5 unlabelled PoseTrack18 frames; hand networks on
    the rock/paper/scissors photos.  Poses are matched to the reference's by OKS
    (``core.keypoints.frame_agreement``): mean OKS over every reference pose (no counterpart: 0) must
    be >= 0.95 and no frame may lose a reference pose of pose score >= 0.5.

Results: ``jetson_pose_ros/jetson_pose_ros/models/candidates.json`` (what ``auto`` times; per
network the pairs that hold, with every figure) and ``docs/accuracy_guard.md``.  Each variant's
raw output is kept under ``--work`` so that an interrupted run resumes.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "jetson_pose_ros"))

from jetson_pose_ros.core import keypoints as agreement  # noqa: E402
from jetson_pose_ros.evaluation import accuracy as ev  # noqa: E402
from jetson_pose_ros.core.errors import PoseNetError  # noqa: E402
from jetson_pose_ros.core.registry import MODELS_DIR, get_network  # noqa: E402

NETWORKS = ("mobilenet-body", "movenet-body", "yolo11n-body", "blazepose-body", "blazepose-body-lite",
            "blazepose-body18", "mediapipe-hand", "mediapipe-hand-lite")
VARIANTS = "onnxruntime:f32,openvino:f32,openvino:bf16,openvino:int8,onnxruntime:int8"
REFERENCE = ("onnxruntime", "f32")
BOUND = {"f32": 0.005, "bf16": 0.005, "int8": 0.01}
MIN_MEAN_OKS = 0.95
EXPERIMENTS: dict[str, list[str]] = {}     # --bf16-keep LABEL -> layer-name patterns kept in f32
COCO17 = list(agreement.COCO_KEYPOINTS)
MPII = ["right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle", "pelvis", "thorax",
        "upper_neck", "head_top", "right_wrist", "right_elbow", "right_shoulder", "left_shoulder", "left_elbow",
        "left_wrist"]
BODY_SETS = {   # name: (annotation file, image folder) under shared/data
    "coco_val2017_dev": ("coco_val2017_dev/person_keypoints_val2017_dev.json", "coco_val2017_dev/images"),
    "mmpose_coco": ("mmpose_tests_data/coco/test_coco.json", "mmpose_tests_data/coco"),
    "ochuman": ("mmpose_tests_data/ochuman/test_ochuman.json", "mmpose_tests_data/ochuman"),
    "humanart": ("mmpose_tests_data/humanart/test_humanart.json", "mmpose_tests_data/humanart"),
    "posetrack18": ("mmpose_tests_data/posetrack18/annotations/test_posetrack18_val.json",
                    "mmpose_tests_data/posetrack18"),
    "crowdpose": ("mmpose_tests_data/crowdpose/test_crowdpose.json", "mmpose_tests_data/crowdpose"),
    "aic": ("mmpose_tests_data/aic/test_aic.json", "mmpose_tests_data/aic"),
    "exlpose": ("mmpose_tests_data/exlpose/test_exlpose.json", "mmpose_tests_data/exlpose"),
    "mhp": ("mmpose_tests_data/mhp/test_mhp.json", "mmpose_tests_data/mhp"),
    "jhmdb": ("mmpose_tests_data/jhmdb/test_jhmdb_sub1.json", "mmpose_tests_data/jhmdb"),
    "mpii": ("mmpose_tests_data/mpii/test_mpii.json", "mmpose_tests_data/mpii"),
}
HAND_SETS = {
    "onehand10k": ("mmpose_tests_data/onehand10k/test_onehand10k.json", "mmpose_tests_data/onehand10k"),
    "freihand": ("mmpose_tests_data/freihand/test_freihand.json", "mmpose_tests_data/freihand"),
    "panoptic": ("mmpose_tests_data/panoptic/test_panoptic.json", "mmpose_tests_data/panoptic"),
    "rhd": ("mmpose_tests_data/rhd/test_rhd.json", "mmpose_tests_data/rhd"),
    "coco_wholebody_hands": ("mmpose_tests_data/coco/test_coco_wholebody.json", "mmpose_tests_data/coco"),
}
BODY_MEDIA = ("jetson_inference/images", "video/mmpose_demo.mp4", "video/sports2d_demo.mp4",
              "mmpose_tests_data/posetrack18/videos/000001_mpiinew_test")
HAND_MEDIA = ("gestures/rps_photos_dev",)


# ------------------------------------------------------------------ labelled sets, as 17/21-keypoint COCO files
def _norm(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def body_set(data: dict | list, image_dir: Path) -> dict:
    """A body set as a COCO-17 file: each annotation keeps the keypoints whose name is a COCO
    keypoint (the others, e.g. head_top or neck, are dropped; a COCO keypoint the set lacks is
    unlabelled).  MPII's list format becomes COCO with the box of the labelled joints; Human-Art's
    ``HumanArt/images/`` prefix is dropped from file names."""
    if isinstance(data, list):          # MPII list format
        images, anns = [], []
        for i, e in enumerate(data, 1):
            h, w = cv2.imread(str(image_dir / e["image"]), cv2.IMREAD_UNCHANGED).shape[:2]
            images.append({"id": i, "file_name": e["image"], "width": w, "height": h})
            kps = [[x, y, 2 if v else 0] for (x, y), v in zip(e["joints"], e["joints_vis"])]
            anns.append({"id": i, "image_id": i, "category_id": 1, "iscrowd": 0, "keypoints": sum(kps, [])})
        data = {"images": images, "annotations": anns,
                "categories": [{"id": 1, "name": "person", "keypoints": MPII}]}
    cat = next(c for c in data["categories"] if c.get("keypoints"))
    names = [_norm(n) for n in cat["keypoints"]]
    src = [names.index(n) if n in names else -1 for n in COCO17]
    anns = []
    for a in data["annotations"]:
        k = np.asarray(a["keypoints"], float).reshape(-1, 3)
        out = np.zeros((17, 3))
        for d, s in enumerate(src):
            if s >= 0 and k[s, 2] > 0:
                out[d] = k[s]
        vis = out[:, 2] > 0
        a = {k2: v for k2, v in a.items() if k2 not in ("keypoints_21", "segmentation")}
        a.update(keypoints=out.ravel().tolist(), num_keypoints=int(vis.sum()), category_id=1)
        if "bbox" not in a or "area" not in a:
            if vis.any():
                lo, hi = out[vis, :2].min(0), out[vis, :2].max(0)
                a.setdefault("bbox", [float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])])
            else:
                a.setdefault("bbox", [0, 0, 0, 0])
            a.setdefault("area", float(a["bbox"][2] * a["bbox"][3]))
        a.setdefault("iscrowd", 0)
        anns.append(a)
    images = [{**im, "file_name": im["file_name"].removeprefix("HumanArt/images/")} for im in data["images"]]
    return {"images": images, "annotations": anns,
            "categories": [{"id": 1, "name": "person", "keypoints": COCO17, "skeleton": []}]}


def hand_set(data: dict) -> dict:
    """A hand set as flat 21-keypoint COCO: RHD's nested keypoints flattened; COCO-WholeBody's
    valid left/right hands become one annotation each (box: its hand box)."""
    anns = []
    for a in data["annotations"]:
        if "lefthand_kpts" in a:
            for side in ("lefthand", "righthand"):
                if a.get(f"{side}_valid"):
                    x, y, w, h = a[f"{side}_box"]
                    anns.append({"id": len(anns) + 1, "image_id": a["image_id"], "category_id": 1, "iscrowd": 0,
                                 "keypoints": a[f"{side}_kpts"], "bbox": [x, y, w, h], "area": w * h})
            continue
        k = np.asarray(a["keypoints"], float).reshape(-1, 3)
        anns.append({**{k2: v for k2, v in a.items() if k2 != "joint_cam"}, "keypoints": k.ravel().tolist(),
                     "category_id": 1})
    names = [f"hand_{i}" for i in range(21)]
    return {"images": data["images"], "annotations": anns,
            "categories": [{"id": 1, "name": "hand", "keypoints": names, "skeleton": []}]}


def load_sets(shared: Path, hand: bool, tmp: Path) -> dict:
    out = {}
    for name, (ann, images) in (HAND_SETS if hand else BODY_SETS).items():
        data = json.loads((shared / ann).read_text())
        coco = hand_set(data) if hand else body_set(data, shared / images)
        f = tmp / f"{name}.json"
        f.write_text(json.dumps(coco))
        out[name] = ev.load_keypoint_set(f, shared / images)
    return out


# ------------------------------------------------------------------ unlabelled media
def media_frames(shared: Path, hand: bool):
    """(name, BGR frame) of every photo and every video frame, in order."""
    for item in HAND_MEDIA if hand else BODY_MEDIA:
        p = shared / item
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.suffix.lower() in (".jpg", ".jpeg", ".png")):
                yield f"{item}/{f.relative_to(p)}", cv2.imread(str(f), cv2.IMREAD_COLOR)
        else:
            cap = cv2.VideoCapture(str(p))
            i = 0
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                yield f"{item}#{i}", frame
                i += 1
            cap.release()


# ------------------------------------------------------------------ one variant
def run_variant(network: str, backend: str, precision: str, threads: int, shared: Path, sets: dict) -> dict:
    # on demand: each variant runs in a worker process of its own, which imports the package (heavy) here
    from jetson_pose_ros.runtime.backends import openvino as ovb
    from jetson_pose_ros.runtime.model_files import resolve_files  # on demand (above)
    from jetson_pose_ros.posenet import PoseNet  # on demand (above)

    t0 = time.time()
    precision, _, label = precision.partition("[")      # bf16[LABEL]: an experiment (--bf16-keep)
    ovb.KEEP_F32.clear()
    if label:
        keep = EXPERIMENTS[label.rstrip("]")]
        ovb.KEEP_F32.update({p.name: keep for p in resolve_files(get_network(network)).values()})
    net = PoseNet(network, 0.15, backend=backend, precision=precision, num_threads=threads)
    used = net.model.backend_used
    if used != f"{backend} {precision}":
        raise PoseNetError(f"asked for {backend} {precision}, got {used}")
    out = {"backend_used": used, "sets": {}, "media": {}}
    for name, ds in sets.items():
        metrics, _ = ev.evaluate(net, ds, progress=False)
        out["sets"][name] = metrics["AP"] if ds.kind == "body" else metrics["PCK@0.2"]
    for name, frame in media_frames(shared, "hand" in network):
        f = net.infer(frame)
        out["media"][name] = {"xy": np.round(f.xy, 2).tolist(), "pose_scores": np.round(f.pose_scores, 4).tolist()}
    out["names"] = list(net.topology.keypoints)
    out["seconds"] = round(time.time() - t0, 1)
    return out


def compare(ref: dict, var: dict, precision: str) -> dict:
    bound = BOUND[precision.partition("[")[0]]
    deltas = {s: round(var["sets"][s] - ref["sets"][s], 4) for s in ref["sets"]}
    sig = agreement.sigmas(ref["names"], default=agreement.STRICT_SIGMA)
    oks, lost, lost_frames, extra = [], 0, [], 0
    for name, r in ref["media"].items():
        o = var["media"][name]
        rxy = np.asarray(r["xy"], float).reshape(-1, len(sig), 2)
        oxy = np.asarray(o["xy"], float).reshape(-1, len(sig), 2)
        a = agreement.frame_agreement(rxy, r["pose_scores"], oxy, sig)
        oks += a["oks"]
        extra += a["extra"]
        if a["lost"]:
            lost += a["lost"]
            lost_frames.append(name)
    mean_oks = float(np.mean(oks)) if oks else 1.0
    sets_ok = all(d >= -bound - 1e-9 for d in deltas.values())
    why = [f"{s} {d:+.4f}" for s, d in deltas.items() if d < -bound - 1e-9]
    if mean_oks < MIN_MEAN_OKS:
        why.append(f"mean OKS {mean_oks:.3f} < {MIN_MEAN_OKS}")
    if lost:
        why.append(f"{lost} person(s) lost in {len(lost_frames)} frame(s)")
    return {"bound": bound, "delta": deltas, "min_delta": min(deltas.values()), "sets_hold": sets_ok,
            "frames": len(ref["media"]), "reference_poses": len(oks), "mean_oks": round(mean_oks, 4),
            "lost": lost, "lost_frames": lost_frames[:20], "extra": extra,
            "holds": not why, "why": "; ".join(why)}


# ------------------------------------------------------------------ report
def build_table(results: dict, host: dict) -> dict:
    networks = {}
    for network, rows in results.items():
        ref = rows.get("onnxruntime f32")
        entries = []
        for key, row in rows.items():
            backend, precision = key.split()
            e = {"backend": backend, "precision": precision}
            if "error" in row:
                e.update(verified=False, why=row["error"])
            elif ref is None or "error" in ref:
                e.update(verified=False, why="no reference run")
            elif key == "onnxruntime f32":
                e.update(verified=True, reference=True, sets={k: round(v, 4) for k, v in row["sets"].items()},
                         seconds=row["seconds"])
            else:
                c = compare(ref, row, precision)
                e.update(verified=c.pop("holds"), sets={k: round(v, 4) for k, v in row["sets"].items()},
                         seconds=row["seconds"], **c)
                if "[" in precision:      # an experiment: reported, never a candidate (auto cannot run it)
                    e.update(experimental=True, passed=e["verified"], verified=False,
                             keep_f32=EXPERIMENTS.get(precision.partition("[")[2].rstrip("]")))
            entries.append(e)
        networks[network] = {"candidates": [[e["backend"], e["precision"]] for e in entries if e["verified"]],
                             "variants": entries}
    return {"rule": {"reference": "onnxruntime f32", "bound": BOUND, "min_mean_oks": MIN_MEAN_OKS,
                     "lost": f"reference pose with score >= {agreement.LOST_SCORE} without a counterpart of "
                             f"OKS >= {agreement.LOST_OKS}"},
            "tool": "tools/accuracy_guard.py", "host": host, "networks": networks}


def markdown(table: dict) -> str:
    h = table["host"]
    lines = ["# Accuracy guard: the candidates `auto` may time", "",
             f"Made by `python tools/accuracy_guard.py` on {h.get('cpu')} ({h.get('cpus')} CPUs), "
             f"openvino {h.get('openvino')}, onnxruntime {h.get('onnxruntime')}, opencv {h.get('opencv')}, "
             f"numpy {h.get('numpy')}; reference: onnxruntime f32.",
             "A variant is a candidate when (a) on every labelled set its AP (body) / PCK@0.2 (hand) loses at most "
             "the bound (f32 and bf16 0.005, int8 0.01) and (b) on every unlabelled frame its poses agree with the "
             f"reference: mean OKS >= {MIN_MEAN_OKS} over all reference poses (a pose without counterpart counts 0) "
             f"and no reference pose of score >= {agreement.LOST_SCORE} is lost (no counterpart with OKS >= "
             f"{agreement.LOST_OKS}).", "",
             "| network | variant | worst set delta | set deltas | frames | mean OKS | lost | verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for network, n in table["networks"].items():
        for e in n["variants"]:
            name = f"{e['backend']} {e['precision']}"
            if e.get("reference"):
                sets = ", ".join(f"{k} {v:.3f}" for k, v in e["sets"].items())
                lines.append(f"| {network} | {name} | reference | {sets} | | | | reference |")
            elif "delta" not in e:
                lines.append(f"| {network} | {name} | | | | | | not run: {e['why']} |")
            else:
                sets = ", ".join(f"{k} {v:+.3f}" for k, v in e["delta"].items())
                verdict = "**candidate**" if e["verified"] else f"fails: {e['why']}"
                if e.get("experimental"):
                    verdict = f"experiment ({'passes' if e['passed'] else 'fails: ' + e['why']})"
                lines.append(f"| {network} | {name} | {e['min_delta']:+.4f} | {sets} | {e['frames']} | "
                             f"{e['mean_oks']:.3f} | {e['lost']} | {verdict} |")
    lines += ["", "Candidates per network (in this order `auto` times them):", ""]
    lines += [f"- {k}: {', '.join(' '.join(p) for p in n['candidates']) or 'none'}" for k, n in table["networks"].items()]
    return "\n".join(lines) + "\n"


def host_info() -> dict:
    import onnxruntime
    import openvino

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cpus": os.cpu_count(), "openvino": openvino.__version__.split("-")[0],
            "onnxruntime": onnxruntime.__version__, "opencv": cv2.__version__, "numpy": np.__version__}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--network", action="append", help="network(s) (default: every installable one)")
    p.add_argument("--variants", default=VARIANTS, help=f"backend:precision list (default {VARIANTS})")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared folder (default ../shared)")
    p.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "accuracy_guard",
                   help="raw results per variant (resumes from here)")
    p.add_argument("--table", type=Path, default=MODELS_DIR / "candidates.json")
    p.add_argument("--doc", type=Path, default=ROOT / "docs" / "accuracy_guard.md")
    p.add_argument("--report-only", action="store_true", help="only rebuild the table from --work")
    p.add_argument("--bf16-keep", action="append", default=[], metavar="LABEL=REGEX[|REGEX]",
                   help="experiment: also run openvino bf16 with the layers matching REGEX kept in f32 "
                        "(reported as 'openvino bf16[LABEL]', never a candidate)")
    args = p.parse_args(argv)
    for spec in args.bf16_keep:
        label, _, rx = spec.partition("=")
        EXPERIMENTS[label] = rx.split("|")
    shared = args.shared / "data"
    if not shared.is_dir():
        p.error(f"no shared data at {shared}")
    args.work.mkdir(parents=True, exist_ok=True)
    variants = [tuple(v.split(":")) for v in args.variants.split(",")]
    variants += [("openvino", f"bf16[{label}]") for label in EXPERIMENTS]
    if REFERENCE in variants:
        variants.remove(REFERENCE)
    variants.insert(0, REFERENCE)
    networks = args.network or list(NETWORKS)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for network in networks:
            get_network(network)
            sets = None
            results[network] = {}
            for backend, precision in variants:
                key = f"{backend} {precision}"
                f = args.work / f"{network}.{backend}.{precision}.json"
                if not f.is_file() and not args.report_only:
                    sets = sets or load_sets(shared, "hand" in network, Path(tmp))
                    try:
                        row = run_variant(network, backend, precision, args.threads, shared, sets)
                    except PoseNetError as exc:
                        row = {"error": str(exc).strip().splitlines()[0]}
                    f.write_text(json.dumps(row))
                    print(f"{network:20s} {key:17s} {row.get('seconds', '')}s "
                          f"{row.get('error') or ' '.join(f'{k} {v:.3f}' for k, v in row['sets'].items())}",
                          flush=True)
                if f.is_file():
                    results[network][key] = json.loads(f.read_text())
    table = build_table(results, host_info())
    if args.network and args.table.is_file():     # a partial run updates its networks only
        old = json.loads(args.table.read_text())
        table["networks"] = {**old.get("networks", {}), **table["networks"]}
    args.table.write_text(json.dumps(table, indent=1) + "\n")
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(markdown(table))
    print(markdown(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
