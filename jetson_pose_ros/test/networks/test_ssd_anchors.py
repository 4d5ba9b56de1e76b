"""SSD anchor decoding of the detector + landmark family: the array forms agree with the
formulas they replace (no models or data needed)."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st


@given(logits=st.lists(st.floats(-150, 150, allow_nan=False), min_size=1, max_size=50),
       p=st.floats(0.0, 1.0), clip=st.sampled_from([100.0, 80.0, 3.0]))
def test_logit_cut_keeps_what_the_sigmoid_threshold_keeps(logits, p, clip):
    from jetson_pose_ros.networks.ssd_anchors import logit_cut, sigmoid_scores

    x = np.asarray(logits, np.float32)
    s = sigmoid_scores(x, clip)
    # equal up to the rounding of a score that sits on the threshold itself
    near = np.abs(s - p) < 1e-9
    assert np.array_equal((x >= logit_cut(p, clip))[~near], (s >= p)[~near])


def test_decode_boxes_matches_the_anchor_formula():
    from jetson_pose_ros.networks.ssd_anchors import decode_boxes

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


def _boxes(draw_floats):
    return st.lists(st.tuples(*[draw_floats] * 4), min_size=1, max_size=40).map(
        lambda rows: np.array([[min(a, c), min(b, d), max(a, c), max(b, d)] for a, b, c, d in rows]))


# clustered coordinates (few distinct values) make exact overlaps, shared edges and empty boxes common
@given(boxes=_boxes(st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.5, 0.7, 1.0])) | _boxes(st.floats(-1, 2)),
       iou_threshold=st.sampled_from([0.0, 0.3, 0.5, 0.99]), max_detections=st.sampled_from([None, 1, 2, 5]),
       data=st.data())
def test_weighted_nms_matches_the_one_at_a_time_loop(boxes, iou_threshold, max_detections, data):
    from jetson_pose_ros.networks.ssd_anchors import _weighted_nms_loop, iou, iou_matrix, weighted_nms

    n = len(boxes)
    scores = np.asarray(data.draw(st.lists(st.sampled_from([0.5, 0.6, 0.9, 0.95]) | st.floats(0.5, 1.0),
                                           min_size=n, max_size=n)))
    kps = np.random.default_rng(n).uniform(0, 1, (n, 3, 2))
    np.testing.assert_allclose(iou_matrix(boxes), np.stack([iou(b, boxes) for b in boxes]), atol=1e-12)
    got = weighted_nms(boxes, kps, scores, iou_threshold, max_detections)
    want = _weighted_nms_loop(boxes, kps, scores, np.argsort(-scores, kind="stable"), iou_threshold, max_detections)
    assert len(got) == len(want)
    for (gb, gk, gs), (wb, wk, ws) in zip(got, want):
        assert gs == ws
        np.testing.assert_allclose(gb, wb, atol=1e-12)
        np.testing.assert_allclose(gk, wk, atol=1e-12)
