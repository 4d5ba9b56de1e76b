"""The ``posenet`` command end to end (subprocess), including every bad-input case."""
import json
import os
import shutil
import subprocess
import sys

import cv2
import pytest

pytestmark = pytest.mark.shared_data      # reads ../shared/data; skipped (with the reason) without it

from cli_helpers import PKG_DIR as PKG, one_line_error, posenet  # noqa: E402

def test_glob_to_pattern_with_json(tmp_path, images):
    res = posenet(str(images / "humans_[14].jpg"), str(tmp_path / "out_%i.jpg"), "--json", str(tmp_path / "p.jsonl"),
                  "--overlay=box,links,keypoints")
    assert res.returncode == 0, res.stderr
    outs = sorted(tmp_path.glob("out_*.jpg"))
    assert [p.name for p in outs] == ["out_0.jpg", "out_1.jpg"]
    for src, out in zip(["humans_1.jpg", "humans_4.jpg"], outs):
        a, b = cv2.imread(str(images / src)), cv2.imread(str(out))
        assert a.shape == b.shape and (cv2.absdiff(a, b) > 40).sum() > 500   # overlay drawn
    records = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert [r["frame"] for r in records] == [0, 1]
    assert records[0]["source"].endswith("humans_1.jpg") and records[0]["network"] == "mobilenet-body"
    assert len(records[0]["poses"]) >= 5
    kp = records[0]["poses"][0]["keypoints"][0]
    assert set(kp) == {"id", "name", "x", "y", "score"} and len(records[0]["poses"][0]["box"]) == 4
    assert "pose(s) in" in res.stderr       # per-frame summary line


def test_video_to_video(tmp_path, shared):
    video = shared / "data" / "video" / "mmpose_demo.mp4"
    res = posenet(str(video), str(tmp_path / "out.mp4"), "--json", str(tmp_path / "v.jsonl"))
    assert res.returncode == 0, res.stderr
    cap = cv2.VideoCapture(str(tmp_path / "out.mp4"))
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, frame = cap.read()
    assert ok and frame.shape[:2] == (540, 960) and n == 5
    records = [json.loads(line) for line in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert len(records) == 5 and all(len(r["poses"]) >= 3 for r in records)


def test_directory_to_directory_and_underscore_options(tmp_path, images):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("humans_0.jpg", "humans_2.jpg"):
        shutil.copy(images / name, src / name)
    res = posenet(str(src), str(tmp_path / "out") + "/", "--keypoint_scale=0.01", "--link_scale", "0.003",
                  "--log_level=error")
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["humans_0.jpg", "humans_2.jpg"]
    assert "pose(s)" not in res.stderr        # --log-level=error silences the summaries


def test_bad_file_in_batch_is_reported_and_rest_processed(tmp_path, images):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(images / "humans_0.jpg", src / "a.jpg")
    data = (images / "humans_1.jpg").read_bytes()
    (src / "b.jpg").write_bytes(data[: len(data) // 20])       # truncated
    (src / "c.jpg").write_bytes(b"this is not an image")        # unreadable
    shutil.copy(images / "humans_2.jpg", src / "d.jpg")
    res = posenet(str(src / "*.jpg"), str(tmp_path / "out") + "/", "--json", str(tmp_path / "r.jsonl"))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "c.jpg" in res.stderr and "2 of 4 frame(s) could not be read" in res.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "a.jpg" in written and "d.jpg" in written and "c.jpg" not in written
    assert len((tmp_path / "r.jsonl").read_text().splitlines()) == len(written)


@pytest.mark.parametrize("case", ["missing", "empty_glob", "unsupported", "unreadable", "unknown_network",
                                  "bad_overlay", "bad_output"])
def test_bad_input_one_line_error(tmp_path, images, case):
    img = str(images / "humans_0.jpg")
    if case == "missing":
        res = posenet(str(tmp_path / "nope.jpg"))
        one_line_error(res, "no such file")
    elif case == "empty_glob":
        res = posenet(str(tmp_path / "*.png"))
        one_line_error(res, "no files match")
    elif case == "unsupported":
        (tmp_path / "notes.txt").write_text("hello")
        res = posenet(str(tmp_path / "notes.txt"))
        one_line_error(res, "unsupported file type")
    elif case == "unreadable":
        (tmp_path / "x.jpg").write_bytes(b"\xff\xd8\xff garbage")
        res = posenet(str(tmp_path / "x.jpg"), str(tmp_path / "o.jpg"))
        one_line_error(res, "not a readable image")
        assert res.returncode == 2 and not (tmp_path / "o.jpg").exists()
    elif case == "unknown_network":
        res = posenet(img, "--network", "resnet99")
        one_line_error(res, "unknown network 'resnet99'")
    elif case == "bad_overlay":
        res = posenet(img, "--overlay", "sparkles")
        one_line_error(res, "invalid overlay flag")
    elif case == "bad_output":
        res = posenet(img, str(tmp_path / "out.xyz"))
        one_line_error(res, "unsupported output type")
    assert res.returncode == 2


@pytest.mark.parametrize("case", ["corrupt_sha", "wrong_tensor", "missing_model"])
def test_model_errors_one_line(tmp_path, images, shared, case):
    img = str(images / "humans_0.jpg")
    if case == "corrupt_sha":
        d = tmp_path / "models" / "tfpose-mobilenet-thin"
        d.mkdir(parents=True)
        (d / "tfpose_mobilenet_thin.onnx").write_bytes(b"\0" * 4096)
        res = posenet(img, env={"JETSON_POSE_MODELS": str(tmp_path / "models")})
        one_line_error(res, "corrupt", "sha256")
    elif case == "wrong_tensor":
        res = posenet(img, "--output-paf", "paf")
        one_line_error(res, "no output tensor 'paf'")
    else:
        res = posenet(img, env={"JETSON_POSE_MODELS": str(tmp_path / "none"), "MODEL_MIRROR": str(tmp_path / "nm")})
        one_line_error(res, "mobilenet-body", "not found")
    assert res.returncode == 2


def test_help_lists_networks_and_licenses():
    res = subprocess.run([sys.executable, "-m", "jetson_pose_ros.cli.posenet", "--help"], capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(PKG)})
    assert res.returncode == 0
    assert "mobilenet-body" in res.stdout and "Apache-2.0" in res.stdout and "resnet18-body" in res.stdout


def test_options_and_positionals_in_any_order(tmp_path, images):
    """``posenet IN --options OUT`` (the jetson-inference order) works as ``posenet IN OUT --options``."""
    res = posenet(str(images / "humans_1.jpg"), "--network", "movenet-body", str(tmp_path / "out.jpg"),
                  "--json", str(tmp_path / "p.json"))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "out.jpg").is_file()
    record = json.loads((tmp_path / "p.json").read_text().splitlines()[0])
    assert record["network"] == "movenet-body" and len(record["poses"]) >= 3


def test_unformattable_pattern_is_one_line(tmp_path, images):
    res = posenet(str(images / "humans_[12].jpg"), str(tmp_path / "out_%99999999999i.jpg"))
    assert res.returncode == 2, res.stderr
    one_line_error(res, "too large")
    assert len([ln for ln in res.stderr.splitlines() if ln.strip()]) == 1, res.stderr
