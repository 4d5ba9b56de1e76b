"""Keypoint maths (core/keypoints.py): the sigmas, the COCO OKS formula and one-to-one matching
as the OKS agreement of two pose sets (used by tools/accuracy_guard.py) uses them, lost and extra
poses; tracking and TTA merging take their sigmas from the same table."""
import numpy as np

from jetson_pose_ros.core import keypoints
from jetson_pose_ros.core.keypoints import STRICT_SIGMA, frame_agreement, match, oks_matrix, sigmas

NAMES = ["nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip", "neck"]
SIG = sigmas(NAMES, default=STRICT_SIGMA)         # as the accuracy guard asks


def person(x0, y0, h=200.0):
    return np.array([[x0, y0], [x0 - 30, y0 + 40], [x0 + 30, y0 + 40], [x0 - 20, y0 + h * 0.6],
                     [x0 + 20, y0 + h * 0.6], [x0, y0 + 35]], float)


def test_sigmas_by_name():
    assert SIG[0] == 0.026 and SIG[1] == 0.079 and SIG[3] == 0.107 and SIG[5] == 0.079   # neck: the shoulders'
    assert sigmas(["left_thumb"], default=STRICT_SIGMA)[0] == 0.025                      # no sigma: the default
    assert sigmas(["left_thumb"])[0] == keypoints.DEFAULT_SIGMA == 0.05


def test_one_sigma_table_for_tracking_and_merging():
    from jetson_pose_ros.networks import merge
    from jetson_pose_ros.pipeline.tracking import PoseTracker

    assert PoseTracker().sigmas == keypoints.SIGMAS and PoseTracker().sigmas["neck"] == 0.079
    assert not hasattr(merge, "COCO_SIGMAS")          # merging reads core.keypoints (networks' models: sigmas())
    assert list(keypoints.COCO_SIGMAS) == list(keypoints.COCO_KEYPOINTS) and len(keypoints.COCO_KEYPOINTS) == 17


def test_match_is_one_to_one_and_keeps_pairs_above_the_minimum():
    sim = np.array([[0.9, 0.8, 0.0], [0.85, 0.1, 0.0]])
    assert match(sim) == [(0, 1), (1, 0)]                      # the best total, not the greedy best pair
    assert match(sim, minimum=0.82) == [(1, 0)]
    assert match(np.zeros((0, 3))) == []


def test_oks_formula_and_missing_keypoints():
    a = person(100, 50)[None]
    assert np.isclose(oks_matrix(a, a, SIG)[0, 0], 1.0)
    b = a + [3.0, 4.0]                                        # every keypoint 5 px away
    area = np.ptp(a[0, :, 0]) * np.ptp(a[0, :, 1])
    want = np.mean(np.exp(-25.0 / (2 * area * (2 * SIG) ** 2)))
    assert np.isclose(oks_matrix(a, b, SIG)[0, 0], want)
    c = a.copy()
    c[0, 0] = np.nan                                          # the other misses the nose: it scores 0 there
    assert np.isclose(oks_matrix(a, c, SIG)[0, 0], (len(NAMES) - 1) / len(NAMES))
    c = a.copy()
    a2 = a.copy()
    a2[0, 0] = np.nan                                         # the reference lacks it: not counted
    assert np.isclose(oks_matrix(a2, c, SIG)[0, 0], 1.0)


def test_matching_lost_and_extra():
    ref = np.stack([person(100, 50), person(400, 60)])
    other = np.stack([person(401, 61), person(800, 50)])      # the second found, the first not; one new
    got = frame_agreement(ref, [0.9, 0.3], other, SIG)
    assert got["oks"][0] < 1e-6 and got["oks"][1] > 0.9        # matched by OKS, not by order
    assert got["lost"] == 1 and got["extra"] == 1
    assert frame_agreement(ref, [0.4, 0.3], other, SIG)["lost"] == 0   # a weak pose may go
    empty = np.zeros((0, len(NAMES), 2))
    assert frame_agreement(empty, [], other, SIG) == {"oks": [], "lost": 0, "extra": 2}
    assert frame_agreement(ref, [0.9, 0.9], empty, SIG)["lost"] == 2
