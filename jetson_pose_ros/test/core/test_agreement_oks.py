"""OKS agreement of two pose sets (agreement.py, used by tools/accuracy_guard.py): the COCO OKS
formula, one-to-one matching, lost and extra poses."""
import numpy as np

from jetson_pose_ros.core.keypoints import frame_agreement, oks_matrix, sigmas

NAMES = ["nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip", "neck"]
SIG = sigmas(NAMES)


def person(x0, y0, h=200.0):
    return np.array([[x0, y0], [x0 - 30, y0 + 40], [x0 + 30, y0 + 40], [x0 - 20, y0 + h * 0.6],
                     [x0 + 20, y0 + h * 0.6], [x0, y0 + 35]], float)


def test_sigmas_by_name():
    assert SIG[0] == 0.026 and SIG[1] == 0.079 and SIG[3] == 0.107 and SIG[5] == 0.025   # neck: default


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
