"""People in 3D in ``posenet`` (issue 22 item 5): a photo with ``--depth FILE --intrinsics``, and a
recording written here (colour humans_1.jpg, a synthetic depth plane at 2.000 m with jittered stamps
and one depth frame missing, camera_info) -> JSON ``xyz`` / ``position``, CSV x_m/y_m/z_m, and
``poses_3d`` in the output recording with the colour stamps; bad flags are one line and exit 2."""
import csv
import json

import cv2
import numpy as np
import pytest

from jetson_pose_ros.depth import Intrinsics
from jetson_pose_ros.io import rosbag

from cli_helpers import one_line_error, posenet

pytestmark = pytest.mark.shared_data
rosbags = pytest.importorskip("rosbags", reason="needs the rosbags package (requirements.txt)")
from rosbags.rosbag2 import Reader, StoragePlugin, Writer  # noqa: E402

PLANE_M = 2.0
T0 = 1_700_000_000_000_000_000
PERIOD = 100_000_000
SLOP = 0.02
DROPPED = {3}                              # this colour frame has no depth image in the recording
COLOUR, DEPTH, INFO = "/camera/color/image_raw", "/camera/depth/image_raw", "/camera/depth/camera_info"


@pytest.fixture(scope="module")
def photo(images):
    return cv2.imread(str(images / "humans_1.jpg"))


def k_of(w, h) -> Intrinsics:
    return Intrinsics.from_values(0.9 * w, 0.88 * w, w / 2 + 3.1, h / 2 - 2.2, w, h)


def check_pinhole(rec, k: Intrinsics):
    """Every keypoint of a JSON record on the plane where the pinhole model puts it."""
    n = 0
    for pose in rec["poses"]:
        assert pose["position"][2] == pytest.approx(PLANE_M, abs=0.005)
        for kp in pose["keypoints"]:
            x, y, z = kp["xyz"]
            assert z == pytest.approx(PLANE_M, abs=0.005)
            assert x == pytest.approx(z * (kp["x"] - k.cx) / k.fx, abs=2e-3)   # JSON pixels: 2 decimals
            assert y == pytest.approx(z * (kp["y"] - k.cy) / k.fy, abs=2e-3)
            n += 1
    return n


def test_photo_with_depth_file(tmp_path, images, photo):
    h, w = photo.shape[:2]
    k = k_of(w, h)
    cv2.imwrite(str(tmp_path / "plane.png"), np.full((h // 2, w // 2), 2000, np.uint16))   # half size, mm
    np.save(tmp_path / "plane.npy", np.full((h, w), PLANE_M, np.float32))                  # metres
    for depth in ("plane.png", "plane.npy"):
        res = posenet(str(images / "humans_1.jpg"), "--depth", str(tmp_path / depth),
                      "--intrinsics", f"{k.fx},{k.fy},{k.cx},{k.cy}", "--json", str(tmp_path / "p.jsonl"),
                      "--csv", str(tmp_path / "p.csv"))
        assert res.returncode == 0, res.stderr
        rec = json.loads((tmp_path / "p.jsonl").read_text())
        assert len(rec["poses"]) >= 3 and check_pinhole(rec, k) >= 40
        rows = list(csv.DictReader((tmp_path / "p.csv").open()))
        assert len(rows) == sum(len(p["keypoints"]) for p in rec["poses"])
        assert all(float(r["z_m"]) == pytest.approx(PLANE_M, abs=0.005) for r in rows)


def test_photo_without_depth_has_no_3d_fields(tmp_path, images):
    res = posenet(str(images / "humans_1.jpg"), "--json", str(tmp_path / "p.jsonl"), "--csv", str(tmp_path / "p.csv"))
    assert res.returncode == 0, res.stderr
    rec = json.loads((tmp_path / "p.jsonl").read_text())
    assert rec["poses"] and all("position" not in p and all("xyz" not in kp for kp in p["keypoints"])
                                for p in rec["poses"])
    assert (tmp_path / "p.csv").read_text().splitlines()[0].endswith(",score")


@pytest.mark.parametrize("args,words", [
    (["--depth", "missing.png", "--intrinsics", "500,500,300,200"], ["missing.png", "no such file"]),
    (["--depth", "{plane}", "--intrinsics", "500,500,300"], ["--intrinsics", "4 finite positive"]),
    (["--depth", "{plane}", "--intrinsics", "500,-5,300,200"], ["--intrinsics", "4 finite positive"]),
    (["--depth", "{plane}", "--intrinsics", "500,inf,300,200"], ["--intrinsics", "4 finite positive"]),
    (["--depth", "{plane}"], ["--depth needs --intrinsics"]),
    (["--intrinsics", "500,500,300,200"], ["--intrinsics applies with --depth"]),
    (["--depth-topic", "/camera/depth"], ["--depth-topic applies to rosbag2/MCAP"]),
    (["--depth", "{plane}", "--intrinsics", "500,500,300,200", "--min-depth", "5", "--max-depth", "2"],
     ["min_depth"]),
    (["--depth", "{rgb}", "--intrinsics", "500,500,300,200"], ["16-bit single-channel"]),
])
def test_bad_depth_flags_are_one_line(tmp_path, images, args, words):
    cv2.imwrite(str(tmp_path / "plane.png"), np.full((20, 30), 2000, np.uint16))
    cv2.imwrite(str(tmp_path / "rgb.png"), np.zeros((20, 30, 3), np.uint8))
    args = [a.format(plane=tmp_path / "plane.png", rgb=tmp_path / "rgb.png") for a in args]
    res = posenet(str(images / "humans_1.jpg"), *args)
    assert res.returncode == 2
    one_line_error(res, *words)
    assert len([line for line in res.stderr.splitlines() if "error" in line]) == 1, res.stderr


# ---- recordings --------------------------------------------------------------------------------
def write_bag(path, photo, frames=8):
    """Colour frames every 100 ms; depth (16UC1, half size) jittered by up to +-slop/2, none for
    DROPPED; camera_info with each depth image.  Returns the colour stamps."""
    ts = rosbag.typestore(())
    writer = Writer(path, version=9, storage_plugin=StoragePlugin.MCAP)
    writer.open()
    image_t, info_t = "sensor_msgs/msg/Image", "sensor_msgs/msg/CameraInfo"
    colour = writer.add_connection(COLOUR, image_t, typestore=ts)
    depth = writer.add_connection(DEPTH, image_t, typestore=ts)
    info = writer.add_connection(INFO, info_t, typestore=ts)
    h, w = photo.shape[:2]
    dh, dw = h // 2, w // 2
    k = k_of(dw, dh)
    plane = np.full((dh, dw), 2000, np.uint16)
    rng = np.random.default_rng(22)
    stamps = []
    for i in range(frames):
        t = T0 + i * PERIOD
        stamps.append(t)
        if i not in DROPPED:
            td = t + int(rng.uniform(-0.95, 0.95) * SLOP / 2 * 1e9)
            header = {"stamp": rosbag.stamp_fields(td), "frame_id": "depth_optical"}
            writer.write(info, td + 1_000_000, ts.serialize_cdr(rosbag.build(ts, info_t, {
                "header": header, "width": dw, "height": dh, "distortion_model": "plumb_bob", "d": [0.0] * 5,
                "k": [k.fx, 0, k.cx, 0, k.fy, k.cy, 0, 0, 1]}), info_t))
            writer.write(depth, td + 2_000_000, ts.serialize_cdr(rosbag.build(ts, image_t, {
                "header": header, "height": dh, "width": dw, "encoding": "16UC1", "step": dw * 2,
                "data": plane.view(np.uint8).reshape(-1)}), image_t))
        writer.write(colour, t + 3_000_000, ts.serialize_cdr(rosbag.build(ts, image_t, {
            "header": {"stamp": rosbag.stamp_fields(t), "frame_id": "color_optical"}, "height": h, "width": w,
            "encoding": "bgr8", "step": w * 3, "data": photo.reshape(-1)}), image_t))
    writer.close()
    return stamps, k.scaled(w, h)


def stamp_ns(header) -> int:
    return int(header.stamp.sec) * 1_000_000_000 + int(header.stamp.nanosec)


def test_recording_with_depth_topics_to_mcap(tmp_path, photo):
    stamps, k = write_bag(tmp_path / "bag", photo)
    out = tmp_path / "out.mcap"
    res = posenet(str(tmp_path / "bag"), str(out), "--topic", COLOUR, "--depth-topic", DEPTH, "--track",
                  "--json", str(tmp_path / "p.jsonl"))
    assert res.returncode == 0, res.stderr
    records = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert [r["timestamp"] for r in records] == pytest.approx([t / 1e9 for t in stamps], abs=1e-6)
    for i, rec in enumerate(records):
        assert rec["poses"]
        if i in DROPPED:                          # no depth within the slop: 2D only
            assert all("position" not in p for p in rec["poses"])
        else:
            assert check_pinhole(rec, k) >= 40
    ts = rosbag.typestore(("jetson_pose_msgs",))
    with Reader(out) as reader:
        topics = {c.topic: c.msgtype for c in reader.connections}
        msgs = [(c.topic, t, ts.deserialize_cdr(raw, c.msgtype)) for c, t, raw in reader.messages()]
    assert topics == {"/camera/color/poses": "jetson_pose_msgs/msg/Pose2DArray",
                      "/camera/color/poses_3d": "jetson_pose_msgs/msg/Pose3DArray"}
    poses = {stamp_ns(m.header): m for topic, _, m in msgs if topic.endswith("/poses")}
    poses3d = [(t, m) for topic, t, m in msgs if topic.endswith("/poses_3d")]
    assert sorted(poses) == stamps
    assert [stamp_ns(m.header) for _, m in poses3d] == [t for i, t in enumerate(stamps) if i not in DROPPED]
    for log_time, m in poses3d:
        m2 = poses[stamp_ns(m.header)]
        assert log_time == stamp_ns(m.header) + 3_000_000            # recorded beside its colour image
        assert m.header.frame_id == "depth_optical" and list(m.keypoint_names) == list(m2.keypoint_names)
        assert [p.index for p in m.poses] == list(range(len(m2.poses)))
        assert [p.track_id for p in m.poses] == [p.track_id for p in m2.poses]
        for p3, p2 in zip(m.poses, m2.poses):
            assert p3.position.z == pytest.approx(PLANE_M, abs=0.005)
            for k3, k2 in zip(p3.keypoints, p2.keypoints):
                assert k3.found == k2.found                          # the plane covers the whole image
                if k3.found:
                    assert k3.z == pytest.approx(PLANE_M, abs=0.005)
                    assert k3.x == pytest.approx(k3.z * (k2.x - k.cx) / k.fx, abs=1e-4)
                else:
                    assert np.isnan(k3.z)
    assert any(p.track_id >= 0 for _, m in poses3d for p in m.poses)
    assert "1 of" in res.stderr and "had no depth image within sync_slop" in res.stderr


def test_recording_with_a_missing_depth_topic(tmp_path, photo):
    write_bag(tmp_path / "bag", photo, frames=2)
    res = posenet(str(tmp_path / "bag"), "--topic", COLOUR, "--depth-topic", "/camera/nope")
    assert res.returncode == 2
    one_line_error(res, "no topic /camera/nope", DEPTH)
    res = posenet(str(tmp_path / "bag"), "--topic", COLOUR, "--depth-topic", DEPTH, "--camera-info-topic", COLOUR)
    assert res.returncode == 2
    one_line_error(res, COLOUR, "not sensor_msgs/msg/CameraInfo")
