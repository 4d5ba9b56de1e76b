"""Body gestures, pointing direction, posture (issue 23 item 3), waving, and the per-frame wrapper
that gives issue 23's JSON shape with debounced labels (item 4)."""
import math

import numpy as np
import pytest
from conftest import HAVE_SHARED, NO_SHARED, SHARED

from jetson_pose_ros.core.errors import InputError
from jetson_pose_ros.gestures import datasets as ds
from jetson_pose_ros.gestures.body import (COCO17, classify_body_gestures, classify_postures, to_coco)
from jetson_pose_ros.gestures.frame import FrameGestures
from jetson_pose_ros.core.pose import PoseFrame
from jetson_pose_ros.core.topology import load_topology

DATA = SHARED / "data" / "gestures"
J = {name: i for i, name in enumerate(COCO17)}

# a person facing the camera (their left on the image's right), pixels, y down
STANDING = {
    "nose": (300, 100), "left_eye": (308, 92), "right_eye": (292, 92), "left_ear": (318, 96), "right_ear": (282, 96),
    "left_shoulder": (340, 140), "right_shoulder": (260, 140), "left_elbow": (350, 200), "right_elbow": (250, 200),
    "left_wrist": (355, 260), "right_wrist": (245, 260), "left_hip": (325, 250), "right_hip": (275, 250),
    "left_knee": (327, 340), "right_knee": (273, 340), "left_ankle": (328, 430), "right_ankle": (272, 430),
}


def body(**changes):
    pts = dict(STANDING, **changes)
    return np.array([pts[n] for n in COCO17], dtype=np.float64)


def rotate(xy, degrees):
    a = math.radians(degrees)
    r = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    c = xy.mean(0)
    return (xy - c) @ r.T + c


POSES = {
    "other": body(),
    "both_hands_raised": body(left_elbow=(352, 90), right_elbow=(248, 90), left_wrist=(355, 35), right_wrist=(245, 35)),
    "left_hand_raised": body(left_elbow=(352, 90), left_wrist=(355, 35)),
    "right_hand_raised": body(right_elbow=(248, 90), right_wrist=(245, 35)),
    "arms_crossed": body(left_elbow=(345, 205), right_elbow=(255, 205), left_wrist=(275, 185), right_wrist=(325, 190)),
    "hands_on_face": body(right_elbow=(268, 205), right_wrist=(292, 118)),
    "pointing": body(right_elbow=(205, 142), right_wrist=(150, 144)),
}


@pytest.mark.parametrize("want", list(POSES))
def test_static_body_gestures(want):
    xy = POSES[want]
    variants = [xy, xy * 0.4 + 17.0, xy * 2.5 - 80.0, rotate(xy, 10.0)]
    labels, scores, direction = classify_body_gestures(np.stack(variants))
    assert labels == [want] * len(variants), labels
    assert ((scores > 0.5) & (scores <= 1.0)).all()
    if want == "pointing":
        np.testing.assert_allclose(direction[0], [-1.0, 0.0], atol=0.05)     # towards the image's left
        assert np.allclose(np.linalg.norm(direction, axis=1), 1.0)
    else:
        assert np.isnan(direction).all()


def test_mirrored_person_swaps_left_and_right():
    """A person seen from behind (mirror image): the raised wrist is still the *person's* left."""
    xy = POSES["left_hand_raised"] * np.array([-1.0, 1.0])
    assert classify_body_gestures(xy)[0] == ["left_hand_raised"]


POSTURE_POSES = {
    "standing": body(),
    "lying": rotate(body(), 90.0),
    # side views, facing left
    "sitting": body(nose=(298, 100), left_shoulder=(302, 150), right_shoulder=(298, 150), left_hip=(307, 260),
                    right_hip=(303, 260), left_knee=(215, 262), right_knee=(212, 265), left_ankle=(212, 360),
                    right_ankle=(209, 362), left_elbow=(300, 210), right_elbow=(296, 210), left_wrist=(260, 240),
                    right_wrist=(256, 240)),
    "crouching": body(nose=(250, 250), left_shoulder=(282, 282), right_shoulder=(278, 282), left_hip=(332, 372),
                      right_hip=(328, 372), left_knee=(270, 352), right_knee=(266, 354), left_ankle=(300, 432),
                      right_ankle=(296, 432), left_elbow=(262, 330), right_elbow=(258, 330), left_wrist=(240, 360),
                      right_wrist=(236, 360)),
}


@pytest.mark.parametrize("want", list(POSTURE_POSES))
def test_postures(want):
    xy = POSTURE_POSES[want]
    labels, scores = classify_postures(np.stack([xy, xy * 3.0 + 5.0, xy * np.array([-1.0, 1.0])]))
    assert labels == [want] * 3 and (scores > 0.5).all()


def test_missing_keypoints_and_bad_input():
    legs = body()
    legs[[J["left_knee"], J["right_knee"], J["left_ankle"], J["right_ankle"]]] = np.nan
    assert classify_postures(legs)[0] == ["other"]               # no legs: standing/sitting can't be told
    empty = np.full((17, 2), np.nan)
    labels, scores, direction = classify_body_gestures(empty)
    assert labels == ["other"] and scores[0] == 0.0 and np.isnan(direction).all()
    assert classify_postures(empty) == (["other"], pytest.approx([0.0]))
    with pytest.raises(InputError):
        classify_postures(np.zeros((17, 3)))
    with pytest.raises(InputError):
        classify_postures(np.zeros((20, 2)))                     # neither COCO nor BlazePose, no names
    with pytest.raises(InputError):
        classify_body_gestures(np.full((17, 2), np.inf))


def test_coco18_by_names_from_the_packaged_topology():
    topo = load_topology("human_pose.json")                    # COCO-17 + neck, trt_pose order
    xy = np.full((len(topo.keypoints), 2), np.nan)
    for name, p in STANDING.items():
        xy[topo.index(name)] = p
    assert classify_postures(xy, topo.keypoints)[0] == ["standing"]
    pointing = POSES["pointing"]
    xy2 = xy.copy()
    for name in COCO17:
        xy2[topo.index(name)] = pointing[J[name]]
    assert classify_body_gestures(xy2, topo.keypoints)[0] == ["pointing"]


@pytest.mark.skipif(not HAVE_SHARED, reason=NO_SHARED)
def test_dev_postures_and_blazepose_mapping():
    """Issue 23: body postures on body_pose_fitness_dev.csv mapped to COCO >= 0.90; the BlazePose-33
    keypoints themselves (found by name through the packaged topology) give the same labels."""
    names, coco, raw = ds.read_body_poses(DATA / "body_pose_fitness_dev.csv")
    truth = np.array([ds.POSTURE_MAP[n] for n in names])
    pred = np.array(classify_postures(coco)[0])
    assert (pred == truth).mean() >= 0.9
    for label in set(truth):
        assert (pred[truth == label] == label).mean() >= 0.9, label
    blaze = load_topology("blazepose_pose.json")
    assert classify_postures(raw[..., :2], blaze.keypoints)[0] == pred.tolist()
    assert classify_postures(raw[..., :2])[0] == pred.tolist()                # 33 keypoints, no names
    np.testing.assert_array_equal(to_coco(raw[..., :2]), coco)


def frame_of(xys, track_ids, names):
    xys = np.asarray(xys, dtype=np.float64)
    n, k = xys.shape[:2]
    return PoseFrame(xys, np.ones((n, k)), np.zeros((n, 4)), np.ones(n), np.asarray(track_ids), [{} for _ in range(n)],
                     keypoint_names=list(names))


def test_frame_gestures_bodies_waving_and_debounce():
    g = FrameGestures(debounce=3)
    raised = POSES["left_hand_raised"]
    still = POSES["right_hand_raised"]
    out = []
    for i in range(30):
        wave = raised.copy()
        wave[J["left_wrist"], 0] += 35.0 * (1 if (i // 3) % 2 else -1)      # side to side every 3 frames
        out.append(g.update(frame_of([wave, still], [4, 9], COCO17)))
    first, last = out[0], out[-1]
    assert first[0]["gesture"]["label"] == "other" and first[0]["posture"]["label"] == "other"  # debouncing
    assert out[2][1]["gesture"]["label"] == "right_hand_raised"
    assert last[0]["gesture"]["label"] == "waving" and 0.5 < last[0]["gesture"]["score"] <= 1.0
    assert last[1]["gesture"]["label"] == "right_hand_raised"
    assert last[0]["posture"] == {"label": "standing", "score": pytest.approx(last[0]["posture"]["score"])}
    # pointing carries its direction; an untracked body gets raw (undebounced) labels at once
    p = g.update(frame_of([POSES["pointing"]], [-1], COCO17))[0]
    assert p["gesture"]["label"] == "pointing" and len(p["gesture"]["direction"]) == 2
    g.forget([4, 9])
    assert g.update(frame_of([still], [9], COCO17))[0]["gesture"]["label"] == "other"


@pytest.mark.skipif(not HAVE_SHARED, reason=NO_SHARED)
def test_frame_gestures_hands_motion():
    names = ds.read_labels(DATA / "hand_keypoints_labels.csv")
    ids, xy = ds.read_hand_keypoints(DATA / "hand_keypoints_dev.csv")
    hand_names = load_topology("hand_pose.json").keypoints
    open_hand = xy[np.flatnonzero(ids == names.index("Open"))[0]] * 120.0 + 300.0
    fist = xy[np.flatnonzero(ids == names.index("Close"))[0]] * 120.0 + 300.0
    g = FrameGestures(debounce=2)
    for i in range(20):
        res = g.update(frame_of([open_hand, fist + [100.0 + 10 * i, 0.0]], [1, 2], hand_names))
    assert res[0]["gesture"]["label"] == "open_palm" and res[1]["gesture"]["label"] == "closed_fist"
    assert res[0]["motion"]["label"] == "stop" and res[1]["motion"]["label"] == "move"
    assert set(res[0]) == {"gesture", "motion"}
    untracked = g.update(frame_of([open_hand], [-1], hand_names))[0]
    assert set(untracked) == {"gesture"}
