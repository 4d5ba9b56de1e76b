"""KeypointMap: network keypoints -> published topology order (direct, derived midpoints, missing)."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st


def _one_by_one(sources, points, scores):
    pts, scs = np.full((len(sources), 2), np.nan), np.zeros(len(sources))
    for i, src in enumerate(sources):
        if isinstance(src, list):
            pts[i], scs[i] = points[src, :2].mean(axis=0), scores[src].min()
        elif src is not None:
            pts[i], scs[i] = points[src, :2], scores[src]
    return pts, scs


@given(data=st.data(), n=st.integers(1, 8), k=st.integers(1, 10))
def test_apply_matches_the_per_keypoint_rule(data, n, k):
    from jetson_pose_ros.networks.base import KeypointMap

    index = st.integers(0, n - 1)
    sources = data.draw(st.lists(st.none() | index | st.lists(index, min_size=1, max_size=3), min_size=k, max_size=k))
    rng = np.random.default_rng(n * 31 + k)
    points, scores = rng.uniform(-5, 5, (n, 3)), rng.uniform(0, 1, n)
    km = KeypointMap(sources, [f"k{i}" for i in range(k)])
    got, want = km.apply(points, scores), _one_by_one(sources, points, scores)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert km.derived == [f"k{i}" for i, s in enumerate(sources) if isinstance(s, list)]
