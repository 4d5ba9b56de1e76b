"""Robustness (issue 10) of the ``posenet`` CLI, ``posenet-eval`` and the network load, with real
models and photos: decompression bombs refused before decoding (peak memory measured), output
targets checked before processing, a batch going on past bad files, topology/network mismatch,
phantom poses on degenerate images, fixed-shape models, malformed annotation files."""
from __future__ import annotations

import copy
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

import bad_inputs as bad
from jetson_pose_ros.core.errors import ModelError
from cli_helpers import HUMAN_POSE, max_rss_mb, one_line_error, run_cli

pytestmark = pytest.mark.shared_data
POSENET = "jetson_pose_ros.cli.posenet"


@pytest.fixture(scope="module")
def net():
    from jetson_pose_ros import PoseNet
    return PoseNet("mobilenet-body")


@pytest.fixture()
def bombs(tmp_path):
    files = {"png40k.png": bad.png_claiming(40000, 40000), "pngbomb.png": bad.png_bomb(20000, 20000),
             "jpeg20k.jpg": bad.jpeg_claiming(20000, 20000),
             "trunc.jpg": bad.truncated(bad.jpeg_bytes(np.random.default_rng(0).integers(0, 255, (99, 80, 3),
                                                                                           np.uint8)))}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_batch_goes_on_past_bombs_and_truncated_files(bombs, images, tmp_path):
    batch = bombs
    for name in ("humans_0.jpg", "humans_1.jpg"):
        (batch / name).write_bytes((images / name).read_bytes())
    out = tmp_path / "out"
    res = run_cli(POSENET, "--no-progress", str(batch), str(out) + "/", "--json", str(tmp_path / "p.jsonl"))
    one_line_error(res, "40000x40000", "20000x20000", "truncated", "4 of 6 frame(s)", code=1)
    assert max_rss_mb(res) < 1024, f"peak RSS {max_rss_mb(res):.0f} MB: a bomb was decoded"
    assert sorted(p.name for p in out.iterdir()) == ["humans_0.jpg", "humans_1.jpg"]
    frames = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert len(frames) == 2 and all(len(f["poses"]) >= 2 for f in frames)


def test_max_image_pixels_flag(images):
    res = run_cli(POSENET, "--no-progress", str(images / "humans_0.jpg"), "--max-image-pixels", "1000")
    one_line_error(res, "larger than max_image_pixels = 1000", code=2)
    one_line_error(run_cli(POSENET, str(images / "humans_0.jpg"), "--max-image-pixels", "nan"), "must be an integer", code=2)


@pytest.mark.parametrize("target", ["file/below/x.jpg", "long/%0300i.jpg", "--json=DIR", "--csv=file/x.csv",
                                    "file/v.mp4"])
def test_output_targets_checked_before_processing(images, tmp_path, target):
    (tmp_path / "file").write_text("a regular file")
    arg = target.replace("DIR", str(tmp_path)).replace("file/", str(tmp_path / "file") + "/")
    arg = arg if arg.startswith("--") else str(tmp_path / arg) if not arg.startswith("/") else arg
    res = run_cli(POSENET, "--no-progress", str(images / "humans_0.jpg"), arg)
    one_line_error(res, "cannot write", code=2)
    assert "pose(s) in" not in res.stderr        # nothing was processed


@pytest.mark.parametrize("keypoints", [0, 17, 19])
def test_topology_checked_against_the_network_at_load(tmp_path, keypoints):
    from jetson_pose_ros import PoseNet

    base = json.loads(HUMAN_POSE.read_text())
    path = bad.topology_with(tmp_path / "t.json", keypoints, base)
    with pytest.raises(ModelError, match=f"has {keypoints} keypoints; network 'mobilenet-body' has 18"):
        PoseNet("mobilenet-body", topology=path)


@pytest.mark.parametrize("shape", [(1, 4000), (10000, 1), (3, 3000), (1, 1), (2, 1500)])
def test_no_phantom_poses_on_degenerate_black_images(net, shape):
    assert len(net.infer(np.zeros((*shape, 3), np.uint8))) == 0


def test_thin_image_with_people_keeps_them(net, images):
    img = cv2.imread(str(images / "humans_0.jpg"))
    ref = net.infer(img)
    wide = np.zeros((img.shape[0], img.shape[1] * 4, 3), np.uint8)   # 1652x300: the padded thin-side path
    wide[:, :img.shape[1]] = img
    frame = net.infer(wide)
    assert len(ref) == 3 and 2 <= len(frame) <= 3, (len(ref), len(frame))   # (without padding: 5, 2 phantoms)
    assert np.nanmax(frame.xy[..., 0]) < img.shape[1] + 1        # found where the people are


def test_fixed_shape_model(tmp_path, images, net):
    from jetson_pose_ros import PoseNet

    static = tmp_path / "static.onnx"
    subprocess.run([sys.executable, "-m", "onnxruntime.tools.make_dynamic_shape_fixed", "--input_name", "image:0",
                    "--input_shape", "1,368,432,3", str(net.model.files["model"]), str(static)], check=True,
                   capture_output=True)
    fixed = PoseNet("mobilenet-body", model=str(static))
    assert fixed.model.input.size == (432, 368) and fixed.model.input.resize == "letterbox"
    img = cv2.imread(str(images / "humans_1.jpg"))
    assert abs(len(fixed.infer(img)) - len(net.infer(img))) <= 1
    with pytest.raises(ModelError, match="fixed input size 432x368; input_size 256x256 does not fit"):
        PoseNet("mobilenet-body", model=str(static), input_size="256x256")


# ----------------------------------------------------------------------------- posenet-eval
@pytest.fixture(scope="module")
def small_set(shared, tmp_path_factory):
    src = shared / "data" / "coco_val2017_dev" / "person_keypoints_val2017_dev.json"
    data = json.loads(src.read_text())
    ids = {im["id"] for im in data["images"][:2]}
    data["images"] = [im for im in data["images"] if im["id"] in ids]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] in ids]
    return data, shared / "data" / "coco_val2017_dev" / "images", tmp_path_factory.mktemp("ann")


@pytest.mark.parametrize("breakage,words", [
    (lambda d: d["images"][0].pop("file_name"), "has no 'file_name'"),
    (lambda d: d["categories"][0].__setitem__("id", "person"), "needs an integer 'id'"),
    (lambda d: [a.__setitem__("category_id", "1") for a in d["annotations"]], "is not an integer category id"),
    (lambda d: d["annotations"][0].__setitem__("image_id", 10**9), "is not an image of the file"),
    (lambda d: d["annotations"][0].__setitem__("keypoints", ["x"] * 51), "must be a list of numbers"),
    (lambda d: [a.pop(k) for a in d["annotations"] for k in ("area", "bbox")], "needs a numeric 'area'"),
])
def test_eval_malformed_annotations_one_line(small_set, breakage, words):
    data, folder, tmp = small_set
    broken = copy.deepcopy(data)
    breakage(broken)
    path = tmp / "broken.json"
    path.write_text(json.dumps(broken))
    one_line_error(run_cli("jetson_pose_ros.cli.eval", str(path), str(folder)), words, code=2)


def test_eval_without_area_uses_the_box(small_set):
    data, folder, tmp = small_set
    no_area = copy.deepcopy(data)
    for a in no_area["annotations"]:
        a.pop("area")
    path = tmp / "no_area.json"
    path.write_text(json.dumps(no_area))
    res = run_cli("jetson_pose_ros.cli.eval", str(path), str(folder))
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "AP " in res.stdout + res.stderr
