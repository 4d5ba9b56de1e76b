"""The gestures stage wired into the pipeline, the outputs and the CLI (issue 23 items 4 and 5), and the
ROS-free REP-155 values (rep155.py): real networks on real photos, real subprocesses."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jetson_pose_ros.msgs import rep155
from jetson_pose_ros.core.errors import PoseNetError
from jetson_pose_ros.gestures.body import COCO17
from jetson_pose_ros.core.parsing import parse_flags
from jetson_pose_ros.core.pose import PoseFrame
from jetson_pose_ros.pipeline.serialize import CSV_COLUMNS, GESTURE_COLUMNS, frame_csv_rows, frame_to_dict

from conftest import SHARED  # noqa: E402
RPS = SHARED / "data" / "gestures" / "rps_photos_dev"
IMAGES = SHARED / "data" / "jetson_inference" / "images"
EXPECTED = {"rock": "closed_fist", "paper": "open_palm", "scissors": "victory"}


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data {path} not found")
    return path


def _imread(path: Path) -> np.ndarray:
    import cv2

    image = cv2.imread(str(_need(path)), cv2.IMREAD_COLOR)
    assert image is not None, path
    return image


# ------------------------------------------------------------------ REP-155 values (no network)
def test_skeleton_rep155_order_neck_from_shoulders_and_normalised():
    names = list(COCO17)                                  # COCO-17: no neck keypoint
    rng = np.random.default_rng(0)
    xy = rng.uniform(10, 90, (17, 2)) * (4, 2)             # image 400 x 200
    scores = rng.uniform(0.2, 1.0, 17)
    xy[names.index("left_ankle")] = np.nan                 # missing keypoint
    xy[names.index("nose")] = (-5.0, 250.0)                # a point outside the image is clipped
    sk = rep155.skeleton(xy, scores, names, (400, 200))
    assert sk.shape == (18, 3) and (sk >= 0).all() and (sk <= 1).all()
    for j, name in enumerate(rep155.SKELETON_NAMES):
        if name in ("neck", "left_ankle", "nose"):
            continue
        k = names.index(name)
        np.testing.assert_allclose(sk[j], (xy[k, 0] / 400, xy[k, 1] / 200, scores[k]))
    assert rep155.SKELETON_NAMES[2] == "right_shoulder" and rep155.SKELETON_NAMES[14] == "left_eye"
    ls, rs = names.index("left_shoulder"), names.index("right_shoulder")
    np.testing.assert_allclose(sk[rep155.NECK], ((xy[ls, 0] + xy[rs, 0]) / 800, (xy[ls, 1] + xy[rs, 1]) / 400,
                                                 min(scores[ls], scores[rs])))
    assert tuple(sk[13]) == (0, 0, 0)                      # LEFT_ANKLE missing: confidence 0
    np.testing.assert_allclose(sk[0, :2], (0.0, 1.0))
    # a network's own neck wins over the shoulders' midpoint; no shoulders, no neck -> nothing made up
    with_neck = names + ["neck"]
    sk2 = rep155.skeleton(np.vstack([xy, [[200.0, 50.0]]]), np.append(scores, 0.7), with_neck, (400, 200))
    np.testing.assert_allclose(sk2[rep155.NECK], (0.5, 0.25, 0.7))
    xy[[ls, rs]] = np.nan
    assert tuple(rep155.skeleton(xy, scores, names, (400, 200))[rep155.NECK]) == (0, 0, 0)


def test_rep155_codes_roi_crop():
    assert rep155.body_id(12) == "b12"
    assert [rep155.gesture_code(x) for x in ("hands_on_face", "arms_crossed", "left_hand_raised",
                                             "right_hand_raised", "both_hands_raised", "waving", "pointing",
                                             "other")] == [1, 2, 3, 4, 5, 6, 0, 0]
    assert [rep155.posture_code(x) for x in ("standing", "sitting", "crouching", "lying", "other")] == [1, 2, 3, 4, 0]
    assert rep155.roi((-10, 20, 210, 90), (200, 100), 1.3) == (0.0, 0.2, 1.0, 0.9, 1.0)
    image = np.arange(100 * 200 * 3, dtype=np.uint8).reshape(100, 200, 3)
    assert rep155.crop(image, (-10, 20, 50.5, 90)).shape == (70, 51, 3)
    assert rep155.crop(image, (300, 20, 400, 90)) is None


# ------------------------------------------------------------------ outputs of a frame
def _frame(attributes):
    n = len(attributes)
    return PoseFrame(np.full((n, 3, 2), 5.0), np.full((n, 3), 0.9), np.zeros((n, 4)), np.ones(n), np.arange(n),
                     attributes, image_size=(64, 48), network="x", keypoint_names=["a", "b", "c"])


def test_json_and_csv_carry_gesture_posture_motion():
    frame = _frame([{"gesture": {"label": "pointing", "score": 0.8, "direction": [0.6, -0.8]},
                     "posture": {"label": "standing", "score": 0.9}, "handedness": "left"},
                    {"gesture": {"label": "ok", "score": 0.7}, "motion": {"label": "stop", "score": 0.6}},
                    {}])
    poses = frame_to_dict(frame)["poses"]
    assert poses[0]["gesture"] == {"label": "pointing", "score": 0.8, "direction": [0.6, -0.8]}
    assert poses[0]["posture"] == {"label": "standing", "score": 0.9}
    assert poses[0]["attributes"] == {"handedness": "left"}          # labels are not repeated there
    assert poses[1]["motion"] == {"label": "stop", "score": 0.6} and "attributes" not in poses[1]
    assert not {"gesture", "posture", "motion"} & poses[2].keys()
    assert frame.attributes[0]["gesture"]["label"] == "pointing"    # serialising does not consume them
    assert all(len(r) == len(CSV_COLUMNS) for r in frame_csv_rows(frame, 0))   # the columns without gestures
    columns = CSV_COLUMNS + GESTURE_COLUMNS
    rows = [dict(zip(columns, r)) for r in frame_csv_rows(frame, 0, gestures=True)]
    assert len(rows) == 9 and all(len(r) == len(columns) for r in rows)
    assert (rows[0]["gesture"], rows[0]["direction_x"], rows[0]["direction_y"], rows[0]["posture"]) == \
        ("pointing", "0.6000", "-0.8000", "standing")
    assert (rows[3]["gesture"], rows[3]["gesture_score"], rows[3]["motion"], rows[3]["posture"]) == \
        ("ok", "0.7000", "stop", "")
    assert rows[6]["gesture"] == rows[6]["motion_score"] == ""


def test_overlay_flag_gestures():
    assert parse_flags("links,keypoints,gestures") == {"links", "keypoints", "gestures"}
    assert parse_flags("gesture") == {"gestures"}
    with pytest.raises(PoseNetError, match="gestures"):
        parse_flags("links,gestrues")


# ------------------------------------------------------------------ the pipeline with real networks
@pytest.fixture(scope="module")
def hand_pipeline():
    from jetson_pose_ros.pipeline.pipeline import Pipeline

    return lambda **kw: Pipeline("mediapipe-hand", gestures=True, **kw)


@pytest.mark.shared_data
def test_hand_pipeline_labels_photos_tracks_and_draws(hand_pipeline):
    pipe = hand_pipeline(gesture_debounce=2)
    assert pipe.tracker is not None, "gestures implies track for hand networks"
    image = _imread(sorted((RPS / "scissors").glob("*"))[0])
    labels, ids = [], []
    for _ in range(5):
        frame = pipe.process(image.copy(), None)
        assert len(frame) >= 1
        labels.append(frame.attributes[0]["gesture"]["label"])
        ids.append(int(frame.track_ids[0]))
        assert frame.timings["gestures"] >= 0
    # raw labels while the track is tentative; once confirmed the track starts at 'none' and takes
    # 'victory' after 2 consistent frames
    assert labels == ["victory", "victory", "none", "victory", "victory"], labels
    assert ids[:2] == [-1, -1] and ids[2] >= 1 and len(set(ids[2:])) == 1
    assert "motion" in frame.attributes[0] and frame.attributes[0]["motion"]["label"] in \
        ("none", "stop", "clockwise", "counter_clockwise", "move")
    plain, drawn = image.copy(), image.copy()
    pipe.net.overlay(plain, frame, "links")
    pipe.net.overlay(drawn, frame, "links,gestures")
    assert (plain != drawn).any(), "the gestures flag drew nothing"


@pytest.mark.shared_data
def test_body_pipeline_debounces_and_forgets_ended_tracks():
    from jetson_pose_ros.pipeline.pipeline import Pipeline

    image = _imread(IMAGES / "humans_0.jpg")
    pipe = Pipeline("mobilenet-body", gestures=True, gesture_debounce=3, track=True, track_max_lost=1)
    raw = Pipeline(net=pipe.net, gestures=True)                  # untracked: every frame's raw labels
    assert raw.tracker is None, "bodies are tracked only with track"
    frames = [pipe.process(image.copy()) for _ in range(6)]
    ref = raw.process(image.copy())
    by_box = {tuple(np.round(b)): a["gesture"]["label"] for b, a in zip(ref.boxes, ref.attributes)}
    changed = 0
    for i, tid in enumerate(frames[-1].track_ids):
        if tid < 0:
            continue
        seq = [f.attributes[list(f.track_ids).index(tid)]["gesture"]["label"] for f in frames[2:]]
        want = by_box[tuple(np.round(frames[-1].boxes[i]))]
        # confirmed in frame 3: 'other' until the raw label came 3 frames in a row
        assert seq == ["other", "other", want, want] if want != "other" else seq == ["other"] * 4, seq
        changed += want != "other"
    assert changed >= 1, "humans_0.jpg has a raised hand"
    assert len(pipe.gestures._deb["body"]) >= 1
    blank = np.zeros_like(image)
    for _ in range(3):
        pipe.process(blank)
    assert pipe.live_track_ids() == set() and len(pipe.gestures._deb["body"]) == 0, "ended tracks not forgotten"


# ------------------------------------------------------------------ the CLI
@pytest.mark.shared_data
def test_cli_gestures_json_csv_overlay(tmp_path):
    photos = tmp_path / "in"
    photos.mkdir()
    chosen = {}
    for cls in EXPECTED:
        for src in sorted(_need(RPS / cls).glob("*"))[:2]:
            (photos / f"{cls}_{src.name}").write_bytes(src.read_bytes())
            chosen[f"{cls}_{src.name}"] = EXPECTED[cls]
    res = subprocess.run([sys.executable, "-m", "jetson_pose_ros.cli.posenet", "--no-progress", "--network",
                          "mediapipe-hand", "--gestures", "--gesture-debounce", "1", "--overlay",
                          "links,keypoints,gestures", str(photos), str(tmp_path / "out") + "/", "--json",
                          str(tmp_path / "g.jsonl"), "--csv", str(tmp_path / "g.csv")],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    got = {}
    for line in (tmp_path / "g.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec["poses"]:
            best = max(rec["poses"], key=lambda p: p["score"])
            got[Path(rec["source"]).name] = best["gesture"]["label"]
            assert set(best["gesture"]) == {"label", "score"} and 0 <= best["gesture"]["score"] <= 1
    assert len(got) >= 5 and sum(got[k] == chosen[k] for k in got) >= len(got) - 1, got
    with open(tmp_path / "g.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(CSV_COLUMNS + GESTURE_COLUMNS)
    from jetson_pose_ros.gestures import HAND_LABELS

    assert rows and all(r["gesture"] in HAND_LABELS and float(r["gesture_score"]) >= 0 for r in rows)
    assert len(list((tmp_path / "out").glob("*"))) == len(chosen)


def test_cli_rejects_bad_debounce(tmp_path):
    res = subprocess.run([sys.executable, "-m", "jetson_pose_ros.cli.posenet", "--gestures", "--gesture-debounce",
                          "0", "x.jpg"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "gesture" in res.stderr and ">= 1" in res.stderr, res.stderr
