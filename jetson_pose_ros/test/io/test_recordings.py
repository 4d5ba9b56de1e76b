"""Recordings in and out: rosbag2 (MCAP and sqlite3 storage) and .mcap files written here with the
reader library's own writer (rosbags) from mmpose_demo.mp4 frames -> ``posenet`` -> recording read
back: one Pose2DArray per image, the images' stamps, and the library's poses for the same frames."""
import json
import shutil

import cv2
import numpy as np
import pytest

from jetson_pose_ros.pipeline.pipeline import Pipeline
from jetson_pose_ros.core.pose import PoseFrame
from jetson_pose_ros.msgs.messages import frame_to_msg, msg_to_frame
from jetson_pose_ros.io import rosbag

from cli_helpers import one_line_error, posenet

rosbags = pytest.importorskip("rosbags", reason="needs the rosbags package (requirements.txt)")
from rosbags.rosbag2 import Reader, StoragePlugin, Writer  # noqa: E402

T0 = 1_700_000_000_123_456_789          # header stamps (ns); recorded 5 ms later
PERIOD = 33_333_333


@pytest.fixture(scope="module")
def frames(shared):
    cap = cv2.VideoCapture(str(shared / "data" / "video" / "mmpose_demo.mp4"))
    out = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        out.append(img)
    assert len(out) == 5
    return out


@pytest.fixture(scope="module")
def library():
    """The library's result for an image (what posenet must write for it)."""
    pipe = Pipeline()
    return lambda img: pipe.process(img.copy())


def write_bag(path, frames, storage="mcap", compressed=False, extra_image_topic=False):
    ts = rosbag.typestore(())
    writer = Writer(path, version=9, storage_plugin=StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3)
    writer.open()
    kind = "sensor_msgs/msg/CompressedImage" if compressed else "sensor_msgs/msg/Image"
    cam = writer.add_connection("/cam/image_raw/compressed" if compressed else "/cam/image_raw", kind, typestore=ts)
    chatter = writer.add_connection("/chatter", "std_msgs/msg/String", typestore=ts)
    other = writer.add_connection("/cam2/image_raw", "sensor_msgs/msg/Image", typestore=ts) if extra_image_topic \
        else None
    sent = []
    for i, img in enumerate(frames):
        stamp = T0 + i * PERIOD
        header = {"stamp": rosbag.stamp_fields(stamp), "frame_id": "cam_optical"}
        if compressed:
            data = cv2.imencode(".jpg", img)[1].reshape(-1)
            msg = rosbag.build(ts, kind, {"header": header, "format": "jpeg", "data": data})
            sent.append(cv2.imdecode(data, cv2.IMREAD_COLOR))
        else:
            h, w = img.shape[:2]
            msg = rosbag.build(ts, kind, {"header": header, "height": h, "width": w, "encoding": "bgr8",
                                          "step": w * 3, "data": img.reshape(-1)})
            sent.append(img)
        writer.write(cam, stamp + 5_000_000, ts.serialize_cdr(msg, kind))
        writer.write(chatter, stamp + 1, ts.serialize_cdr(rosbag.build(ts, "std_msgs/msg/String", {"data": "hi"}),
                                                          "std_msgs/msg/String"))
        if other is not None:
            writer.write(other, stamp + 2, ts.serialize_cdr(msg, kind))
    writer.close()
    return sent


def read_back(path, packages=("jetson_pose_msgs",)):
    ts = rosbag.typestore(packages)
    with Reader(path) as reader:
        topics = {c.topic: c.msgtype for c in reader.connections}
        msgs = [(c.topic, t, ts.deserialize_cdr(raw, c.msgtype)) for c, t, raw in reader.messages()]
    return topics, msgs


def assert_same_poses(msg, expected: PoseFrame):
    got = msg_to_frame(msg)
    assert (msg.image_width, msg.image_height) == expected.image_size
    assert got.keypoint_names == list(expected.keypoint_names)
    assert [tuple(s) for s in got.skeleton] == [tuple(s) for s in expected.skeleton]
    assert len(got) == len(expected) > 0
    assert (got.found == expected.found).all()
    np.testing.assert_allclose(got.xy[got.found], expected.xy[expected.found], rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(got.scores, expected.scores, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got.boxes, expected.boxes, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(got.pose_scores, expected.pose_scores, rtol=1e-5, atol=1e-5)
    assert list(got.track_ids) == list(expected.track_ids)


def stamp_ns(header) -> int:
    return int(header.stamp.sec) * 1_000_000_000 + int(header.stamp.nanosec)


def test_mcap_bag_to_mcap_file(tmp_path, frames, library):
    sent = write_bag(tmp_path / "bag", frames, "mcap")
    out = tmp_path / "poses.mcap"
    res = posenet(str(tmp_path / "bag"), str(out), "--topic", "/cam/image_raw", "--json", str(tmp_path / "p.jsonl"),
                  "--bag-overlay", "--bag-detections")
    assert res.returncode == 0, res.stderr
    topics, msgs = read_back(out, ("jetson_pose_msgs", "vision_msgs"))
    assert topics == {"/cam/poses": "jetson_pose_msgs/msg/Pose2DArray",
                      "/cam/overlay/compressed": "sensor_msgs/msg/CompressedImage",
                      "/cam/detections": "vision_msgs/msg/Detection2DArray"}
    poses = [(t, m) for topic, t, m in msgs if topic == "/cam/poses"]
    assert len(poses) == len(sent) == 5
    for i, ((log_time, msg), img) in enumerate(zip(poses, sent)):
        assert stamp_ns(msg.header) == T0 + i * PERIOD and log_time == T0 + i * PERIOD + 5_000_000
        assert msg.header.frame_id == "cam_optical"
        assert_same_poses(msg, library(img))
    dets = [m for topic, _, m in msgs if topic == "/cam/detections"]
    assert [len(d.detections) for d in dets] == [len(m.poses) for _, m in poses]
    assert [stamp_ns(d.header) for d in dets] == [stamp_ns(m.header) for _, m in poses]
    overlays = [m for topic, _, m in msgs if topic == "/cam/overlay/compressed"]
    assert len(overlays) == 5 and cv2.imdecode(overlays[0].data, cv2.IMREAD_COLOR).shape == frames[0].shape
    records = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert [r["timestamp"] for r in records] == pytest.approx([(T0 + i * PERIOD) / 1e9 for i in range(5)], abs=1e-6)
    assert not list(tmp_path.glob(".poses-*")), "temporary folder left behind"


def test_compressed_sqlite_bag_to_sqlite_bag(tmp_path, frames, library):
    sent = write_bag(tmp_path / "bag", frames, "sqlite3", compressed=True)
    out = tmp_path / "out_bag"
    res = posenet(str(tmp_path / "bag"), f"rosbag2://{out}?storage=sqlite3", "--csv", str(tmp_path / "p.csv"),
                  "--bag-namespace", "/people")           # one image topic: --topic may be omitted
    assert res.returncode == 0, res.stderr
    assert list(out.glob("*.db3")) and (out / "metadata.yaml").is_file()
    topics, msgs = read_back(out)
    assert topics == {"/people/poses": "jetson_pose_msgs/msg/Pose2DArray"}
    assert len(msgs) == 5
    for i, ((_, _, msg), img) in enumerate(zip(msgs, sent)):
        assert stamp_ns(msg.header) == T0 + i * PERIOD
        assert_same_poses(msg, library(img))
    rows = (tmp_path / "p.csv").read_text().splitlines()[1:]
    assert {round(float(r.split(",")[1]), 6) for r in rows} == {round((T0 + i * PERIOD) / 1e9, 6) for i in range(5)}


def test_mcap_file_input_and_video_to_mcap(tmp_path, frames, shared):
    write_bag(tmp_path / "bag", frames, "mcap")
    mcap_file = next((tmp_path / "bag").glob("*.mcap"))
    res = posenet(str(mcap_file), "--topic", "/cam/image_raw", "--json", str(tmp_path / "a.jsonl"))
    assert res.returncode == 0, res.stderr
    assert len((tmp_path / "a.jsonl").read_text().splitlines()) == 5
    # a video (no stamps): its timestamps become the stamps; topics without a namespace
    res = posenet(str(shared / "data" / "video" / "mmpose_demo.mp4"), str(tmp_path / "v.mcap"))
    assert res.returncode == 0, res.stderr
    topics, msgs = read_back(tmp_path / "v.mcap")
    assert topics == {"/poses": "jetson_pose_msgs/msg/Pose2DArray"} and len(msgs) == 5
    stamps = [stamp_ns(m.header) for _, _, m in msgs]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5


@pytest.mark.parametrize("case", ["no_topic", "unknown_topic", "two_image_topics", "wrong_type", "garbage",
                                  "empty", "truncated_mcap", "truncated_sqlite", "output_exists", "topic_on_video"])
def test_bad_recordings(tmp_path, frames, shared, case):
    bag = tmp_path / "bag"
    write_bag(bag, frames, "sqlite3" if case == "truncated_sqlite" else "mcap",
              extra_image_topic=case == "two_image_topics")
    if case in ("no_topic", "unknown_topic"):
        args = ["--topic", "/nope"] if case == "unknown_topic" else []
        if case == "no_topic":              # only a non-image topic left: nothing to choose
            shutil.rmtree(bag)
            ts = rosbag.typestore(())
            w = Writer(bag, version=9, storage_plugin=StoragePlugin.MCAP)
            w.open()
            c = w.add_connection("/chatter", "std_msgs/msg/String", typestore=ts)
            w.write(c, 1, ts.serialize_cdr(rosbag.build(ts, "std_msgs/msg/String", {"data": "x"}), "std_msgs/msg/String"))
            w.close()
        res = posenet(str(bag), *args)
        words = ["no topic /nope", "/cam/image_raw [Image]"] if case == "unknown_topic" else \
            ["no sensor_msgs/Image or CompressedImage topic"]
        one_line_error(res, *words)
        assert res.returncode == 2
    elif case == "two_image_topics":
        res = posenet(str(bag))
        one_line_error(res, "--topic", "/cam/image_raw [Image]", "/cam2/image_raw [Image]")
    elif case == "wrong_type":
        res = posenet(str(bag), "--topic", "/chatter")
        one_line_error(res, "/chatter is std_msgs/msg/String", "/cam/image_raw")
    elif case in ("garbage", "empty"):
        (tmp_path / "x.mcap").write_bytes(b"" if case == "empty" else b"\x89MCAP0\r\n garbage" * 10)
        res = posenet(str(tmp_path / "x.mcap"), "--topic", "/cam/image_raw")
        one_line_error(res, "empty file" if case == "empty" else "not a readable rosbag2/MCAP recording")
        assert res.returncode == 2
    elif case in ("truncated_mcap", "truncated_sqlite"):
        data = next(p for p in bag.iterdir() if p.suffix in (".mcap", ".db3"))
        cut = tmp_path / ("cut" + data.suffix)
        cut.write_bytes(data.read_bytes()[:data.stat().st_size * 3 // 5])
        res = posenet(str(cut), "--topic", "/cam/image_raw", "--json", str(tmp_path / "j.jsonl"))
        assert "Traceback" not in res.stderr, res.stderr
        kept = (tmp_path / "j.jsonl").read_text().splitlines() if (tmp_path / "j.jsonl").exists() else []
        errors = [line for line in res.stderr.splitlines() if "error" in line.lower()]
        assert res.returncode in (1, 2) and errors, res.stderr
        if case == "truncated_mcap":        # the chunks before the cut are read (rosbags alone reads none)
            assert res.returncode == 1 and 0 < len(kept) < 5, res.stderr
            assert "stopped after" in res.stderr
        else:
            assert len(kept) < 5
    elif case == "topic_on_video":
        res = posenet(str(shared / "data" / "video" / "mmpose_demo.mp4"), "--topic", "/cam/image_raw")
        one_line_error(res, "--topic applies to rosbag2/MCAP recordings only")
    elif case == "output_exists":
        (tmp_path / "out").mkdir()
        res = posenet(str(bag), f"rosbag2://{tmp_path / 'out'}")
        one_line_error(res, "already exists")
        assert res.returncode == 2


def test_build_fills_defaults_and_round_trips():
    """ros.messages.frame_to_msg with rosbags classes (message_classes): the fields of the .msg files
    read at run time, through CDR and back."""
    ts = rosbag.typestore(("jetson_pose_msgs",))
    frame = PoseFrame(np.array([[[10.0, 20.0], [np.nan, np.nan], [30.5, 40.25]]]), np.array([[0.9, 0.0, 0.8]]),
                      [[10, 20, 30.5, 40.25]], [0.7], [4], [{}], image_size=(64, 48), network="net",
                      keypoint_names=["a", "b", "c"], skeleton=[(0, 2), (1, 2)])
    header = rosbag.build(ts, "std_msgs/msg/Header", {"stamp": rosbag.stamp_fields(T0), "frame_id": "f"})
    msg = frame_to_msg(frame, header, msgs=rosbag.message_classes(ts, "jetson_pose_msgs"))
    back = ts.deserialize_cdr(ts.serialize_cdr(msg, "jetson_pose_msgs/msg/Pose2DArray"),
                              "jetson_pose_msgs/msg/Pose2DArray")
    assert stamp_ns(back.header) == T0 and back.header.frame_id == "f"
    assert_same_poses(back, frame)
    with pytest.raises(KeyError, match="no field"):
        rosbag.build(ts, "jetson_pose_msgs/msg/Keypoint", {"nmae": "typo"})
    empty = rosbag.build(ts, "jetson_pose_msgs/msg/Pose2DArray")
    assert empty.poses == [] and empty.header.frame_id == ""
