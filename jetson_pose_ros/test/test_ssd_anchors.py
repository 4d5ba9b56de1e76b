"""SSD anchor decoding of the detector + landmark family: the array forms agree with the
formulas they replace (no models or data needed)."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st


@given(logits=st.lists(st.floats(-150, 150, allow_nan=False), min_size=1, max_size=50),
       p=st.floats(0.0, 1.0), clip=st.sampled_from([100.0, 80.0, 3.0]))
def test_logit_cut_keeps_what_the_sigmoid_threshold_keeps(logits, p, clip):
    from jetson_pose_ros.decoders.ssd_anchors import logit_cut, sigmoid_scores

    x = np.asarray(logits, np.float32)
    s = sigmoid_scores(x, clip)
    # equal up to the rounding of a score that sits on the threshold itself
    near = np.abs(s - p) < 1e-9
    assert np.array_equal((x >= logit_cut(p, clip))[~near], (s >= p)[~near])


def test_decode_boxes_matches_the_anchor_formula():
    from jetson_pose_ros.decoders.ssd_anchors import decode_boxes

    rng = np.random.default_rng(3)
    anchors = rng.uniform(0.1, 1.0, (6, 4))
    raw = rng.normal(0, 20, (6, 4 + 2 * 3))
    boxes, kps = decode_boxes(raw, anchors, (192.0, 128.0), 3)
    ax, ay, aw, ah = anchors.T
    cx, cy = raw[:, 0] / 192 * aw + ax, raw[:, 1] / 128 * ah + ay
    w, h = raw[:, 2] / 192 * aw, raw[:, 3] / 128 * ah
    np.testing.assert_allclose(boxes, np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1), atol=1e-12)
    for k in range(3):
        np.testing.assert_allclose(kps[:, k, 0], raw[:, 4 + 2 * k] / 192 * aw + ax, atol=1e-12)
        np.testing.assert_allclose(kps[:, k, 1], raw[:, 5 + 2 * k] / 128 * ah + ay, atol=1e-12)
