"""Flip and multi-scale test-time augmentation: the left/right channel swap on synthetic
maps of an asymmetric pose, the OKS merge, and every family on a real photo and its
mirror image."""
import cv2
import numpy as np
import pytest

from jetson_pose_ros import ModelError, PoseNet, PoseNetError
from jetson_pose_ros.core import parsing
from jetson_pose_ros.core.config import Config
from jetson_pose_ros.networks import tta
from jetson_pose_ros.core.keypoints import sigmas
from jetson_pose_ros.networks.merge import Candidate, merge, oks
from jetson_pose_ros.networks.paf import Link, PafParams, decode
from jetson_pose_ros.core.presets import PRESETS, apply_preset
from jetson_pose_ros.preprocess import Affine
from jetson_pose_ros.core.topology import load_topology
from test_paf_decoder import TOPO, W, match, person, render

PERM = tta.flip_permutation(TOPO.keypoints)
LINKS = [Link(a, b, 0, 1) for a, b in TOPO.skeleton]
LINK_INDEX, LINK_SIGN = tta.flip_links(TOPO.skeleton, PERM)


def mirrored_person(kps):
    """The same person seen in a mirror: x -> W - x, left and right parts swapped."""
    return {int(PERM[p]): (W - x, y) for p, (x, y) in kps.items()}


def test_flip_permutation_swaps_left_right_by_name():
    names = TOPO.keypoints
    for i, n in enumerate(names):
        partner = names[PERM[i]]
        assert partner == n.replace("left", "@").replace("right", "left").replace("@", "right")
    assert names[PERM[names.index("nose")]] == "nose" and names[PERM[names.index("neck")]] == "neck"
    assert (PERM[PERM] == np.arange(len(names))).all()
    hand = load_topology("hand_pose.json")
    assert (tta.flip_permutation(hand.keypoints) == np.arange(21)).all()    # no left/right parts


def test_every_link_has_its_mirror():
    assert (LINK_INDEX >= 0).all()
    sk = TOPO.skeleton
    names = TOPO.keypoints
    for k, (a, b) in enumerate(sk):
        fa, fb = sk[LINK_INDEX[k]] if LINK_SIGN[k] > 0 else sk[LINK_INDEX[k]][::-1]
        assert (names[fa], names[fb]) == (names[PERM[a]], names[PERM[b]])
    hips = sk.index((names.index("left_hip"), names.index("right_hip")))
    assert LINK_INDEX[hips] == hips and LINK_SIGN[hips] == -1       # its own mirror, stored reversed


def test_asymmetric_pose_decodes_to_its_mirror_image():
    # left arm reaching far right across the body: the mirror image is a different pose
    pose = person(40, 30, arm="cross")
    mirror = mirrored_person(pose)
    assert mirror != pose
    cmap_m, paf_m = render([mirror])
    # the maps of the mirror image decode to the mirrored pose ...
    match(decode(cmap_m, paf_m, LINKS, PafParams()), [mirror])
    # ... and flipped back (channels swapped by name, PAF links swapped, x negated) to the pose
    cmap_b, paf_b = tta.unflip_maps(cmap_m, paf_m, PERM, LINK_INDEX, LINK_SIGN)
    cmap, paf = render([pose])
    assert np.abs(cmap_b - cmap).max() < 1e-5
    assert np.abs(paf_b - paf).max() < 1e-5
    match(decode(cmap_b, paf_b, LINKS, PafParams()), [pose])
    # without the channel swap the arm ends up on the wrong side: decoding must not match
    naive = np.ascontiguousarray(cmap_m[:, :, ::-1])
    with pytest.raises(AssertionError):
        match(decode(naive, paf_b, LINKS, PafParams()), [pose])


def test_resample_keeps_peaks_in_place():
    # a peak at image point (53.2, 41.7) on a stride-4 grid, moved onto a stride-2 grid
    img_pt = np.array([53.2, 41.7])
    src, dst = Affine.scale_offset(0.5, 0.5), Affine.scale_offset(1.0, 1.0)
    g_src, g_dst = tta.grid_affine(src, np.array([2.0, 2.0])), tta.grid_affine(dst, np.array([2.0, 2.0]))
    h, w = 24, 32
    yy, xx = np.mgrid[0:h, 0:w] + 0.5
    c = (g_src @ [*img_pt, 1])[:2]
    maps = np.exp(-((xx - c[0]) ** 2 + (yy - c[1]) ** 2) / 4.0)[None].astype(np.float32)
    out = tta.resample(maps, g_src, g_dst, (2 * w, 2 * h))[0]
    i, j = np.unravel_index(out.argmax(), out.shape)
    expect = (g_dst @ [*img_pt, 1])[:2]
    assert abs(j + 0.5 - expect[0]) <= 1.0 and abs(i + 0.5 - expect[1]) <= 1.0


def test_parse_options():
    assert parsing.parse_scales("1.5, 0.5,1") == (0.5, 1.0, 1.5)
    assert parsing.parse_scales(None) == (1.0,) and parsing.parse_scales([2, 1]) == (1.0, 2.0)
    for bad in ("abc", "0", "1,9", [float("nan")]):
        with pytest.raises(PoseNetError, match="scales"):
            parsing.parse_scales(bad)
    # the options are checked once into the decoder's config; the passes take its typed values
    decoder = Config.from_options("movenet-body", scales="0.5,1", flip="true").decoder
    assert [(p.scale, p.flip) for p in tta.passes(decoder.scales, decoder.flip)] == \
        [(1.0, False), (1.0, True), (0.5, False), (0.5, True)]
    with pytest.raises(PoseNetError, match="flip"):
        Config.from_options("movenet-body", flip="maybe")


def test_oks_merge_averages_agreeing_passes_and_keeps_the_rest():
    names = TOPO.keypoints
    sig = sigmas(names)
    base = np.array([[100.0 + 3 * i, 50.0 + 10 * i] for i in range(len(names))])
    ones = np.ones(len(names))
    a = Candidate(base, ones * 0.8, 0.9, (0, 0, 1, 1))
    b = Candidate(base + [2.0, 0.0], ones * 0.4, 0.7, (0, 0, 1, 1))
    far = Candidate(base + [300.0, 0.0], ones * 0.6, 0.5)
    assert oks(a, b, sig) > 0.9 and oks(a, far, sig) < 1e-6
    out = merge([[a], [b, far]], sig)
    assert len(out) == 2
    m = out[0]
    assert np.allclose(m.points[:, 0], base[:, 0] + 2.0 * 0.4 / 1.2)      # score-weighted mean
    assert np.allclose(m.scores, 0.6) and m.score == pytest.approx(0.8)
    assert out[1].score == pytest.approx(0.5) and np.allclose(out[1].scores, 0.3)   # one pass of two


# ------------------------------------------------------------------ real networks, real photo
FAMILIES = ["mobilenet-body", "movenet-body", "yolo11n-body", "blazepose-body", "mediapipe-hand"]


@pytest.mark.parametrize("network", FAMILIES)
def test_flip_is_mirror_symmetric_on_a_real_photo(images, shared, network):
    """With flip on, the poses of the mirrored photo are the mirror of the photo's poses
    (left and right swapped), since both runs average the same two passes."""
    net = PoseNet(network, flip=True)
    hands = sorted((shared / "data" / "mmpose_tests_data" / "onehand10k").glob("*.jpg"))
    img = cv2.imread(str(hands[0] if "hand" in network else images / "humans_1.jpg"))
    w = img.shape[1]
    poses = net.process(img.copy(), overlay=None)
    mirrored = net.process(cv2.flip(img, 1), overlay=None)
    assert len(poses) >= 1 and len(poses) == len(mirrored)
    names = net.topology.keypoints
    for p in poses:
        pts = {k.name: (k.x, k.y) for k in p.keypoints}
        best = min(mirrored, key=lambda q: np.mean([abs(w - k.x - pts.get(tta.mirror_name(k.name), (1e9, 0))[0])
                                                    for k in q.keypoints]))
        for k in best.keypoints:
            x, y = pts[tta.mirror_name(k.name)]
            assert abs(w - k.x - x) < 2.0 and abs(k.y - y) < 2.0, (network, k.name)
        if "handedness" in p.attributes:
            assert best.attributes["handedness"] != p.attributes["handedness"]
    assert len(names) == net.get_num_keypoints()


def test_flip_and_scales_find_people_on_a_real_photo(images):
    img = cv2.imread(str(images / "humans_4.jpg"))
    plain = PoseNet("mobilenet-body").process(img.copy(), overlay=None)
    net = PoseNet("mobilenet-body", scales="0.5,1.0,1.5", flip=True)
    both = net.process(img.copy(), overlay=None)
    assert len(both) >= 5 and sum(len(p.keypoints) for p in both) >= 0.9 * sum(len(p.keypoints) for p in plain)
    assert net.timings["inference"] > 0


@pytest.mark.shared_data          # the ONNX files of the mirror (../shared/models)
def test_scales_refused_for_fixed_input_models():
    with pytest.raises(ModelError, match="fixed input size 640x640"):
        PoseNet("yolo11n-body", scales="1.0,1.5")
    with pytest.raises(ModelError, match="fixed input size"):
        PoseNet("mediapipe-hand", scales="0.5,1")
    with pytest.raises(PoseNetError, match="scales"):
        PoseNet("mobilenet-body", scales="fast")


def test_presets_fill_in_what_the_user_left_open():
    assert set(PRESETS) == {"fast", "balanced", "accurate"}
    net, opts = apply_preset("accurate", None, {"input_size": None, "flip": True})
    assert net == "mobilenet-body" and opts["input_size"] == (656, 368) and opts["flip"] is True
    assert apply_preset("accurate", "body", {"input_size": (432, 368)})[1]["input_size"] == (432, 368)
    assert apply_preset(None, "movenet-body", {"a": 1}) == ("movenet-body", {"a": 1})
    with pytest.raises(PoseNetError, match="unknown preset 'best'"):
        apply_preset("best", None, {})
    with pytest.raises(PoseNetError, match="is for network"):
        PoseNet("yolo11n-body", preset="fast")
    net = PoseNet(preset="accurate")
    assert net.network == "mobilenet-body" and net.model.input.size == (656, 368)
    assert [p.scale for p in net.model.passes] == [1.5, 1.0, 0.5]
    net = PoseNet(preset="balanced", flip=True)
    assert net.network == "movenet-body" and [(p.scale, p.flip) for p in net.model.passes] == \
        [(1.5, False), (1.5, True), (1.0, False), (1.0, True)]


def test_bench_configurations_for_flip_scales_and_presets():
    from jetson_pose_ros.evaluation.speed import options_label
    from jetson_pose_ros.cli import bench

    args = bench.build_parser().parse_args(["--network", "mobilenet-body", "--flip", "off,on", "--scales", "1.0",
                                            "--scales", "0.5,1,1.5", "--preset", "fast"])
    configs, _ = bench.configs_from_args(args)
    labels = [c.network + options_label(c.options) for c in configs]
    assert labels == ["mobilenet-body", "mobilenet-body flip", "mobilenet-body x0.5,1,1.5",
                      "mobilenet-body x0.5,1,1.5 flip", "movenet-body"]
    with pytest.raises(SystemExit):
        bench.build_parser().parse_args(["--flip", "sideways"])
