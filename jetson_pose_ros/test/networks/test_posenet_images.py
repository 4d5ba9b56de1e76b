"""PoseNet API with the default PAF network (mobilenet-body) on real photos."""
import cv2
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from jetson_pose_ros import ModelError, PoseNet, PoseNetError, poseNet
from jetson_pose_ros.core.errors import InputError

pytestmark = pytest.mark.shared_data      # reads ../shared/data; skipped (with the reason) without it

# person boxes (x1, y1, x2, y2) annotated by hand on the jetson-inference sample photos
PEOPLE = {
    "humans_1.jpg": [(90, 15, 212, 370), (195, 10, 285, 350), (270, 30, 350, 360),
                     (335, 35, 400, 370), (390, 10, 500, 385)],
    "humans_4.jpg": [(60, 205, 185, 415), (160, 235, 340, 550), (420, 225, 615, 540),
                     (580, 215, 810, 525), (825, 50, 940, 345)],
}


@pytest.fixture(scope="module")
def net():
    return PoseNet("mobilenet-body", threshold=0.15)


def inside(kp, box, margin=10):
    x1, y1, x2, y2 = box
    return x1 - margin <= kp.x <= x2 + margin and y1 - margin <= kp.y <= y2 + margin


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_finds_each_person(net, images, name):
    img = cv2.imread(str(images / name))
    poses = net.process(img, overlay="none")
    boxes = PEOPLE[name]
    # count keypoints of each pose inside each box; match poses to people one-to-one
    counts = np.array([[sum(inside(k, b) for k in p.keypoints) for p in poses] for b in boxes])
    rows, cols = linear_sum_assignment(counts, maximize=True)
    assert len(rows) == len(boxes), f"only {len(poses)} poses for {len(boxes)} people"
    for r, c in zip(rows, cols):
        pose = poses[c]
        assert counts[r, c] >= 10, f"person {r} in {name}: best pose has {counts[r, c]} keypoints on it"
        assert counts[r, c] >= 0.9 * len(pose.keypoints), f"person {r}: pose {c} spills outside the person"
    # keypoint names, links and box are consistent
    for pose in poses:
        for kp in pose.keypoints:
            assert kp.name == net.get_keypoint_name(kp.id) and 0 <= kp.score <= 1.5
        for a, b in pose.links:
            ia, ib = pose.keypoints[a].id, pose.keypoints[b].id
            assert (ia, ib) in net.topology.skeleton or (ib, ia) in net.topology.skeleton
        assert pose.left <= min(k.x for k in pose.keypoints) and pose.right >= max(k.x for k in pose.keypoints)


def test_overlay_draws_in_place(net, images):
    img = cv2.imread(str(images / "humans_1.jpg"))
    before = img.copy()
    poses = net.process(img, overlay="links,keypoints")
    changed = np.any(img != before, axis=2)
    assert changed.sum() > 500
    # drawn pixels lie around the keypoints (radius ~ 0.0052 * 585 px)
    kp = poses[0].keypoints[0]
    x, y = int(kp.x), int(kp.y)
    assert changed[max(0, y - 3):y + 4, max(0, x - 3):x + 4].any()
    plain = before.copy()
    net.process(plain, overlay="none")
    assert np.array_equal(plain, before)
    boxed = before.copy()
    net.overlay(boxed, poses, "BOX|links")
    assert np.any(boxed != before)


def test_threshold_and_scales(net, images):
    img = cv2.imread(str(images / "humans_4.jpg"))
    n_default = sum(len(p.keypoints) for p in net.process(img, overlay="none"))
    net.set_threshold(0.6)
    try:
        assert net.get_threshold() == 0.6
        poses = net.process(img, overlay="none")
        assert all(k.score > 0.6 for p in poses for k in p.keypoints)
        assert sum(len(p.keypoints) for p in poses) < n_default
    finally:
        net.threshold = 0.15
    net.SetKeypointScale(0.01)
    net.SetLinkScale(0.004)
    assert (net.GetKeypointScale(), net.GetLinkScale()) == (0.01, 0.004)
    with pytest.raises(PoseNetError):
        net.threshold = -1


def test_rgb_grey_and_bgra_inputs(net, images):
    bgr = cv2.imread(str(images / "humans_1.jpg"))
    n = len(net.process(bgr.copy(), overlay="none"))
    assert len(net.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), overlay="none", color="rgb")) == n
    assert len(net.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA), overlay="none")) == n
    assert len(net.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), overlay="none")) >= 3


def test_empty_scene_and_bad_images(net):
    assert net.process(np.full((480, 640, 3), 127, np.uint8), overlay="none") == []
    with pytest.raises(InputError):
        net.process(np.zeros((0, 0, 3), np.uint8))
    with pytest.raises(InputError):
        net.process("not an image")


def test_jetson_inference_spellings_pointing_example(images):
    """The 'pointing direction' example from jetson-inference's docs, with its spellings."""
    net = poseNet("mobilenet-body", ["posenet.py", "--threshold=0.2"], 0.15)
    assert net.GetThreshold() == 0.2
    img = cv2.imread(str(images / "humans_4.jpg"))
    poses = net.Process(img, overlay="links,keypoints")
    found = 0
    for pose in poses:
        left_wrist_idx = pose.FindKeypoint("left_wrist")
        left_shoulder_idx = pose.FindKeypoint("left_shoulder")
        if left_wrist_idx < 0 or left_shoulder_idx < 0:
            continue
        left_wrist = pose.Keypoints[left_wrist_idx]
        left_shoulder = pose.Keypoints[left_shoulder_idx]
        point_x = left_shoulder.x - left_wrist.x
        point_y = left_shoulder.y - left_wrist.y
        assert np.isfinite(point_x) and np.isfinite(point_y)
        assert pose.FindKeypoint(left_wrist.ID) == left_wrist_idx
        found += 1
    assert found >= 3
    assert net.GetNumKeypoints() == 18 and net.GetKeypointName(17) == "neck"
    with_arm = [p for p in poses if p.FindKeypoint("left_shoulder") >= 0 and p.FindKeypoint("left_elbow") >= 0]
    assert with_arm, "no pose with a left shoulder and elbow on humans_1"
    for pose in with_arm:          # found ends of a topology link are linked; no link is invented
        assert pose.FindLink("left_shoulder", "left_elbow") >= 0
        assert pose.FindLink("nose", "left_ankle") == -1


def test_model_errors(tmp_path, monkeypatch):
    with pytest.raises(PoseNetError, match="unknown network 'nope'"):
        PoseNet("nope")
    # a corrupt file in the model directory is refused (sha256), not silently used
    models = tmp_path / "models"
    bad = models / "tfpose-mobilenet-thin" / "tfpose_mobilenet_thin.onnx"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\0" * 1000)
    monkeypatch.setenv("JETSON_POSE_MODELS", str(models))
    with pytest.raises(ModelError, match="corrupt .*sha256"):
        PoseNet("mobilenet-body")
    # missing everywhere: one line naming the network and where it looked
    monkeypatch.setenv("JETSON_POSE_MODELS", str(tmp_path / "empty"))
    monkeypatch.setenv("MODEL_MIRROR", str(tmp_path / "no-mirror"))
    with pytest.raises(ModelError) as err:
        PoseNet("mobilenet-body")
    assert "mobilenet-body" in str(err.value) and "MODEL_MIRROR" in str(err.value) and "\n" not in str(err.value)
    # the original jetson-inference models are registered but cannot be downloaded here
    with pytest.raises(ModelError, match="resnet18-body"):
        PoseNet("resnet18-body")


def test_wrong_tensor_names(tmp_path):
    with pytest.raises(ModelError, match="no output tensor 'cmap'.*--output-cmap"):
        PoseNet("mobilenet-body", output_cmap="cmap")
    not_onnx = tmp_path / "x.onnx"
    not_onnx.write_text("hello")
    with pytest.raises(ModelError, match="cannot load model"):
        PoseNet("mobilenet-body", model=str(not_onnx))


def test_mirror_install_verifies_sha(tmp_path, monkeypatch, shared):
    """A fresh model dir is filled from the mirror; a corrupt mirror copy is rejected."""
    monkeypatch.setenv("JETSON_POSE_MODELS", str(tmp_path / "cache"))
    net = PoseNet("mobilenet-body")
    assert (tmp_path / "cache" / "tfpose-mobilenet-thin" / "tfpose_mobilenet_thin.onnx").is_file()
    assert net.network == "mobilenet-body"
    mirror = tmp_path / "mirror" / "tfpose-mobilenet-thin"
    mirror.mkdir(parents=True)
    data = (shared / "models" / "tfpose-mobilenet-thin" / "tfpose_mobilenet_thin.onnx").read_bytes()
    (mirror / "tfpose_mobilenet_thin.onnx").write_bytes(data[:-10] + b"0123456789")
    monkeypatch.setenv("MODEL_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("JETSON_POSE_MODELS", str(tmp_path / "cache2"))
    with pytest.raises(ModelError, match="corrupt"):
        PoseNet("mobilenet-body")
    assert not (tmp_path / "cache2" / "tfpose-mobilenet-thin" / "tfpose_mobilenet_thin.onnx").exists()


def test_model_override_of_two_file_network(shared, images):
    """--model of a detector + landmark network replaces the landmark model; unknown roles fail."""
    lite = shared / "models" / "mediapipe-hand" / "hand_landmark_lite.onnx"
    net = PoseNet("mediapipe-hand", model=str(lite))
    assert net.model.files["landmark"] == lite
    assert net.model.files["detector"].name == "palm_detection_full.onnx"
    with pytest.raises(ModelError, match="no model file role bogus"):
        PoseNet("mediapipe-hand", model_files={"bogus": str(lite)})


def test_gpu_backends_fall_back_to_cpu_with_a_warning(caplog):
    """On a CPU-only onnxruntime, backend='tensorrt'/'cuda' runs on the CPU and says so."""
    import onnxruntime

    if "TensorrtExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this onnxruntime has TensorRT: the fallback path is not taken")
    with caplog.at_level("WARNING", logger="jetson_pose_ros"):
        net = PoseNet("mobilenet-body", backend="tensorrt")
    assert "TensorrtExecutionProvider is not available" in caplog.text
    assert net.model.backend.providers[-1] == "CPUExecutionProvider"
    with pytest.raises(ModelError, match="unknown backend 'opencl'"):
        PoseNet("mobilenet-body", backend="opencl")


def test_tensorrt_engine_cache(tmp_path, images, monkeypatch):
    """TensorRT builds its engine once and caches it next to the model (needs an NVIDIA GPU)."""
    import onnxruntime

    if "TensorrtExecutionProvider" not in onnxruntime.get_available_providers():
        pytest.skip("no TensorRT execution provider on this machine (CPU-only onnxruntime, no NVIDIA GPU)")
    monkeypatch.setenv("JETSON_POSE_TRT_CACHE", str(tmp_path))
    net = PoseNet("mobilenet-body", backend="tensorrt", input_size=(432, 368))
    net.process(cv2.imread(str(images / "humans_1.jpg")), overlay="none")
    assert any(p.suffix == ".engine" for p in tmp_path.iterdir())


def test_compiled_paf_decoding_equals_numpy_on_photos(net, images):
    """mobilenet-body's real maps on every sample photo: the compiled PAF loops give the numpy
    code's objects (same parts to 1e-4 map pixels, same scores)."""
    from jetson_pose_ros.networks import paf

    if paf._paf_native is None:
        pytest.skip("the compiled PAF loops were not built (no Cython or C compiler at install)")
    m = net.model
    found = 0
    for path in sorted(images.glob("*.jpg")):
        cmap, pf, _, _ = m.maps(cv2.imread(str(path)), m.input)
        a = paf.decode(cmap, pf, m.layout.links, m.params, 0.15, native=True)
        b = paf.decode(cmap, pf, m.layout.links, m.params, 0.15, native=False)
        assert len(a) == len(b), path.name
        assert np.array_equal(np.isnan(a.parts), np.isnan(b.parts)), path.name
        np.testing.assert_allclose(a.parts, b.parts, rtol=0, atol=1e-4)
        np.testing.assert_allclose(a.scores, b.scores, rtol=0, atol=1e-6)
        found += len(a)
    assert found >= 20            # the photos hold dozens of people: the comparison is not vacuous
