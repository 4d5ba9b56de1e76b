"""BlazePose's heat-map refinement (``refine_from_heatmap``) against a plain per-landmark,
per-cell loop written from MediaPipe's RefineLandmarksFromHeatmapCalculator (no models needed)."""
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st


def _refine_one_at_a_time(xy, heatmap, crop_size, kernel, min_confidence):
    hm_h, hm_w, channels = heatmap.shape
    cw, ch = crop_size
    out = np.array(xy, dtype=np.float64)
    offset = (kernel - 1) // 2
    for i in range(min(len(xy), channels)):
        col, row = int(xy[i][0] / cw * hm_w), int(xy[i][1] / ch * hm_h)    # static_cast<int>: truncation
        if not (0 <= col < hm_w and 0 <= row < hm_h):
            continue
        total = sx = sy = peak = 0.0
        for r in range(row - offset, row - offset + kernel):
            for c in range(col - offset, col - offset + kernel):
                if 0 <= r < hm_h and 0 <= c < hm_w:
                    conf = 1.0 / (1.0 + math.exp(-float(np.clip(heatmap[r, c, i], -100, 100))))
                    total, sx, sy, peak = total + conf, sx + conf * c, sy + conf * r, max(peak, conf)
        if peak >= min_confidence and total > 0:
            out[i] = (sx / total / hm_w * cw, sy / total / hm_h * ch)
    return out


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(1, 6), channels=st.integers(1, 6), hm=st.sampled_from([(8, 8), (5, 9), (16, 12)]),
       kernel=st.sampled_from([1, 3, 4, 7]), min_confidence=st.sampled_from([0.0, 0.5, 0.9]))
def test_refine_matches_the_per_cell_loop(data, n, channels, hm, kernel, min_confidence):
    from jetson_pose_ros.networks.mediapipe import refine_from_heatmap

    crop = (64.0, 48.0)
    # points inside the crop, on its border, and outside it (their cell is off the heat map)
    coord = st.floats(-20, 90, allow_nan=False) | st.sampled_from([0.0, 47.999, 48.0, 63.999, 64.0, -0.5])
    xy = np.array(data.draw(st.lists(st.tuples(coord, coord), min_size=n, max_size=n)))
    seed = data.draw(st.integers(0, 2**16))
    heatmap = np.random.default_rng(seed).normal(0, 4, (hm[1], hm[0], channels)).astype(np.float32)
    got = refine_from_heatmap(xy, heatmap, crop, kernel, min_confidence)
    want = _refine_one_at_a_time(xy, heatmap, crop, kernel, min_confidence)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_refine_moves_a_point_to_the_peak_of_its_window():
    from jetson_pose_ros.networks.mediapipe import refine_from_heatmap

    heatmap = np.full((16, 16, 1), -50.0, np.float32)
    heatmap[6, 9, 0] = 50.0                       # one confident cell: column 9, row 6
    got = refine_from_heatmap(np.array([[8 * 4.0, 5 * 4.0]]), heatmap, (64, 64), 7, 0.5)
    np.testing.assert_allclose(got, [[9 * 4.0, 6 * 4.0]], atol=1e-6)     # cell corner convention
    far = refine_from_heatmap(np.array([[1 * 4.0, 1 * 4.0]]), heatmap, (64, 64), 7, 0.5)
    np.testing.assert_allclose(far, [[4.0, 4.0]])                       # peak outside the window: unchanged
