"""posenet_node integration tests: the real node in a subprocess, real rclpy/DDS, real photos."""
from __future__ import annotations

import array
import json
import os
import subprocess
import time

import numpy as np
import pytest

import ros_helpers
from ros_helpers import Client, NodeProcess, running

ros_helpers.require_ros()
ros_helpers.setup_environment()

import yaml  # noqa: E402  (installed with the ROS wheels: catkin_pkg / launch dependency)
from sensor_msgs.msg import CompressedImage, Image  # noqa: E402

EXPECTED_PARAMETERS = {"network", "model", "topology", "colors", "threshold", "overlay", "keypoint_scale",
                       "link_scale", "backend", "num_threads", "qos_reliability", "input_compressed",
                       "publish_overlay", "track", "track_max_lost", "smooth", "smooth_min_cutoff",
                       "smooth_beta", "preset", "scales", "flip", "pose_threshold", "output_reliability",
                       "overlay_reliability", "autostart"}


@pytest.fixture(scope="module")
def node(ros, tmp_path_factory):
    with running(NodeProcess(tmp_path_factory.mktemp("node") / "posenet_node.log", namespace="/main")) as proc:
        yield proc


@pytest.fixture(scope="module")
def client(node):
    c = Client(node)
    c.wait_connected()
    yield c
    c.destroy()


@pytest.fixture(scope="module")
def humans():
    return {name: ros_helpers.load_bgr(name) for name in ("humans_1.jpg", "humans_4.jpg")}


def found(pose) -> list:
    """The keypoints found in a pose message (it has one entry per topology keypoint)."""
    return [k for k in pose.keypoints if k.found]


def people(msg, min_keypoints: int = 8) -> int:
    """Poses that are whole people (the PAF decoder may also report stray 2-3 keypoint fragments)."""
    return sum(len(found(p)) >= min_keypoints for p in msg.poses)


def visible_links(msg, pose) -> list:
    flat = list(msg.skeleton)
    return [(a, b) for a, b in zip(flat[0::2], flat[1::2]) if pose.keypoints[a].found and pose.keypoints[b].found]


@pytest.fixture(scope="module")
def library():
    """The same network in this process: the node's results must equal the library's."""
    from jetson_pose_ros import PoseNet

    return PoseNet("mobilenet-body", threshold=0.15, num_threads=1)


def same_as_library(msg, library, bgr):
    poses = library.process(bgr.copy(), overlay="none")
    assert len(msg.poses) == len(poses)
    for got, want in zip(msg.poses, poses):
        assert [i for i, k in enumerate(got.keypoints) if k.found] == [k.id for k in want.keypoints]
        np.testing.assert_allclose([(k.x, k.y, k.score) for k in found(got)],
                                   [(k.x, k.y, k.score) for k in want.keypoints], rtol=1e-4, atol=1e-3)
        assert visible_links(msg, got) == [(want.keypoints[a].id, want.keypoints[b].id) for a, b in want.links]
        assert got.score == pytest.approx(want.score, rel=1e-4, abs=1e-5)


def check_pose_msg(msg, sent, width, height):
    assert (msg.header.stamp.sec, msg.header.stamp.nanosec) == (sent.header.stamp.sec, sent.header.stamp.nanosec)
    assert msg.header.frame_id == sent.header.frame_id
    assert (msg.image_width, msg.image_height) == (width, height)
    assert msg.network == "mobilenet-body"
    assert len(msg.keypoint_names) == 18 and "nose" in msg.keypoint_names
    assert len(msg.skeleton) % 2 == 0 and all(0 <= i < len(msg.keypoint_names) for i in msg.skeleton)
    for i, pose in enumerate(msg.poses):
        assert pose.index == i and pose.track_id == -1          # not tracked
        assert len(pose.keypoints) == len(msg.keypoint_names)  # one per topology keypoint
        assert len(found(pose)) >= 2
        assert 0 <= pose.left <= pose.right <= width and 0 <= pose.top <= pose.bottom <= height
        for kp in pose.keypoints:
            if not kp.found:
                assert np.isnan(kp.x) and np.isnan(kp.y) and kp.score == 0.0
                continue
            assert 0 <= kp.x < width and 0 <= kp.y < height
            assert pose.left - 1e-3 <= kp.x <= pose.right + 1e-3 and pose.top - 1e-3 <= kp.y <= pose.bottom + 1e-3
            assert 0 < kp.score


# ----------------------------------------------------------------------------- main results
@pytest.mark.parametrize("name,encoding", [("humans_1.jpg", "bgr8"), ("humans_4.jpg", "rgb8"),
                                           ("humans_1.jpg", "yuv422"), ("humans_4.jpg", "bgra8")])
def test_people_counted_with_input_header(client, library, humans, name, encoding):
    bgr = humans[name]
    if encoding == "yuv422":
        bgr = np.ascontiguousarray(bgr[:, : bgr.shape[1] // 2 * 2])
    sent = client.image_msg(bgr, encoding, frame_id=f"cam_{encoding}")
    msg = client.send(sent)
    check_pose_msg(msg, sent, bgr.shape[1], bgr.shape[0])
    assert people(msg) == 5, f"{name} ({encoding}): {people(msg)} people in {len(msg.poses)} poses"
    if encoding != "yuv422":  # lossless transport: exactly the library's result
        same_as_library(msg, library, bgr)


def test_step_padding_and_mono(client, humans):
    bgr = humans["humans_1.jpg"]
    sent = client.image_msg(bgr, "bgr8", step=bgr.shape[1] * 3 + 64)
    assert people(client.send(sent)) == 5
    sent = client.image_msg(bgr, "mono16", is_bigendian=True)
    msg = client.send(sent)
    check_pose_msg(msg, sent, bgr.shape[1], bgr.shape[0])
    assert people(msg) >= 3  # grey input, fewer cues


def test_empty_scene_publishes_empty_array(client):
    grey = np.full((480, 640, 3), 128, np.uint8)
    sent = client.image_msg(grey, "bgr8", frame_id="empty_room")
    msg = client.send(sent)
    check_pose_msg(msg, sent, 640, 480)
    assert list(msg.poses) == []


def test_overlay_and_markers_have_the_input_header(client, humans):
    client.subscribe_overlay()
    client.subscribe_markers()
    assert client.spin_until(lambda: client.overlay_sub.get_publisher_count() > 0
                             and client.markers_sub.get_publisher_count() > 0, 30)
    bgr = humans["humans_1.jpg"]
    sent = client.image_msg(bgr, "rgb8", frame_id="overlay_cam")
    msg = client.send(sent, want_overlay=True, want_markers=True)
    key = client.key(sent.header)
    overlay = client.overlays[key]
    assert overlay.header.frame_id == "overlay_cam" and client.key(overlay.header) == key
    assert (overlay.width, overlay.height, overlay.encoding) == (bgr.shape[1], bgr.shape[0], "bgr8")
    from jetson_pose_ros.msgs.image_conversion import image_to_bgr

    drawn = image_to_bgr(overlay)
    changed = np.any(drawn != bgr, axis=2)
    assert 0.002 < changed.mean() < 0.5  # skeletons drawn, the photo itself intact
    # the drawing is at the keypoints
    kp = found(msg.poses[0])[0]
    y, x = int(round(kp.y)), int(round(kp.x))
    assert changed[max(0, y - 2): y + 3, max(0, x - 2): x + 3].any()

    markers = client.markers[key].markers
    from visualization_msgs.msg import Marker

    assert markers[0].action == Marker.DELETEALL
    spheres = [m for m in markers if m.type == Marker.SPHERE_LIST]
    lines = [m for m in markers if m.type == Marker.LINE_LIST]
    assert people(msg) == 5
    assert len(spheres) == len(msg.poses) and len(lines) == len([p for p in msg.poses if visible_links(msg, p)])
    assert all(m.header.frame_id == "overlay_cam" for m in markers)
    assert sum(len(m.points) for m in spheres) == sum(len(found(p)) for p in msg.poses)
    assert sum(len(m.points) for m in lines) == 2 * sum(len(visible_links(msg, p)) for p in msg.poses)
    assert spheres[0].points[0].x == pytest.approx(found(msg.poses[0])[0].x * 0.001, rel=1e-5)


def test_runtime_threshold_change(client, humans):
    bgr = humans["humans_4.jpg"]
    results = client.set_parameters(threshold=0.99)
    assert results[0].successful, results[0].reason
    try:
        assert client.get_parameters(["threshold"])["threshold"] == 0.99
        msg = client.send(client.image_msg(bgr))
        assert len(msg.poses) == 0
        # an int is accepted for a float parameter; invalid values are refused
        assert client.set_parameters(threshold=0)[0].successful
        bad = client.set_parameters(threshold=-1.0)[0]
        assert not bad.successful and "threshold" in bad.reason
        assert not client.set_parameters(overlay="skeleton")[0].successful
        assert not client.set_parameters(network="resnet18-hand")[0].successful  # read-only
        assert client.set_parameters(overlay="box,links", keypoint_scale=0.01, link_scale=0.002)[0].successful
        assert client.get_parameters(["overlay"])["overlay"] == "box,links"
    finally:
        assert client.set_parameters(threshold=0.15, overlay="links,keypoints,ids", keypoint_scale=0.0052,
                                     link_scale=0.0013)[0].successful
    msg = client.send(client.image_msg(bgr))
    assert people(msg) == 5


def _bad_image(kind: str, header) -> Image:
    msg = Image(header=header, height=48, width=64, encoding="bgr8", step=64 * 3)
    msg.data = array.array("B", bytes(48 * 64 * 3))
    if kind == "unknown encoding":
        msg.encoding = "bayer_weird42"
    elif kind == "short data":
        msg.data = array.array("B", bytes(48 * 64 * 3 - 100))
    elif kind == "zero width":
        msg.width, msg.step = 0, 0
    elif kind == "step too small":
        msg.step = 64 * 3 - 1
    return msg


@pytest.mark.parametrize("kind,expected", [
    ("unknown encoding", "unsupported image encoding 'bayer_weird42'"),
    ("short data", "expected height*step"),
    ("zero width", "width and height must be > 0"),
    ("step too small", "is smaller than width*bytes_per_pixel"),
])
def test_bad_message_warns_and_node_goes_on(node, client, humans, kind, expected):
    bad = _bad_image(kind, client.next_header("bad"))
    before = node.log().count(expected)
    deadline = time.monotonic() + 60
    while node.log().count(expected) == before and time.monotonic() < deadline:
        client.publish(bad)
        client.spin(0.5)
    assert node.log().count(expected) > before, f"no warning for {kind}:\n{node.log()[-2000:]}"
    assert node.alive()
    line = [ln for ln in node.log().splitlines() if expected in ln][-1]
    assert "[WARN]" in line and "frame dropped" in line
    # nothing was published for the bad frame, and the next good frame is processed
    msg = client.send(client.image_msg(humans["humans_1.jpg"]))
    assert people(msg) == 5
    assert client.key(bad.header) not in client.poses
    assert "Traceback" not in node.log()


def test_only_the_newest_frame_is_processed(client, humans):
    bgr = humans["humans_4.jpg"]
    burst = [client.image_msg(bgr, frame_id="burst") for _ in range(12)]
    for m in burst:  # much faster than the node can process them
        client.publish(m)
    last = client.key(burst[-1].header)
    # the last frame gets processed without working through a backlog first.  Counted in frames, not
    # seconds (a loaded machine may take seconds per frame): the node works on at most the frame in
    # hand and the newest ones that arrived while the burst was still coming, never the whole queue
    msg = client.send(burst[-1], timeout=60)
    client.spin(1.0)             # a backlog would go on answering older frames now
    got = [k for k in (client.key(m.header) for m in burst) if k in client.poses]
    assert last in got and people(msg) == 5
    assert len(got) <= len(burst) // 2, f"{len(got)} of {len(burst)} frames were processed: there is a backlog"


def test_declared_parameters_and_config_defaults(client):
    names = set(client.list_parameters())
    config = yaml.safe_load(ros_helpers.CONFIG_YAML.read_text())
    (key, body), = config.items()
    assert key.endswith("posenet")
    yaml_params = body["ros__parameters"]
    declared = names - {"use_sim_time", "start_type_description_service"}
    assert EXPECTED_PARAMETERS <= declared
    assert set(yaml_params) == declared, "config/posenet.yaml must list every parameter"
    actual = client.get_parameters(sorted(declared))
    assert actual == yaml_params, "config/posenet.yaml must hold the defaults"


def test_demo_publisher_node_echo(node, client, tmp_path):
    """image_publisher -> posenet_node -> pose_echo, all three as the console entry points."""
    def exe(name):
        import shutil
        import sys

        path = shutil.which(name)
        return [path] if path else [sys.executable, "-m", f"jetson_pose_ros.ros.{name}"]

    out = tmp_path / "poses.jsonl"
    ns = ["--ros-args", "-r", "__ns:=/main"]
    echo = subprocess.Popen(exe("pose_echo") + ["--json", str(out), "--count", "3", "--timeout", "60"] + ns,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # the echo's subscription is in the graph (its start-up takes seconds on a loaded machine)
        # before the 12 frames are sent; our own client is the first subscriber of poses
        assert client.spin_until(lambda: client.node.count_subscribers(node.topic("poses")) >= 2, 60.0), \
            echo.stdout.read() if echo.poll() is not None else "pose_echo did not subscribe"
        pub = subprocess.run(exe("image_publisher") + [str(ros_helpers.image_path("humans_1.jpg")), "--loop",
                                                       "--count", "12", "--rate", "3", "--frame-id", "demo_cam",
                                                       "--quiet"] + ns,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
        assert pub.returncode == 0, pub.stdout
        assert "published 12 frame(s)" in pub.stdout
        text, _ = echo.communicate(timeout=60)
    finally:
        if echo.poll() is None:
            echo.kill()
    assert echo.returncode == 0, text
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    demo = [r for r in rows if r["frame_id"] == "demo_cam"]
    assert len(demo) >= 2, rows
    assert all(sum(len(p["keypoints"]) >= 8 for p in r["poses"]) == 5 and r["image_width"] == 585 for r in demo)
    assert "frame demo_cam" in text and "network mobilenet-body 585x388 people" in text


# ----------------------------------------------------------------------------- other node setups
def test_node_runs_without_vision_msgs(ros, tmp_path, humans, monkeypatch):
    """Where vision_msgs cannot be imported the node still publishes poses and says so once."""
    hidden = tmp_path / "no_vision_msgs" / "vision_msgs"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('vision_msgs hidden by the test')\n")
    monkeypatch.setenv("PYTHONPATH", f"{hidden.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    proc = NodeProcess(tmp_path / "novision.log", namespace="/novision")
    try:
        proc.wait_ready()
        c = Client(proc, name="novision_client")
        c.wait_connected()
        assert people(c.send(c.image_msg(humans["humans_1.jpg"]))) == 5
        assert people(c.send(c.image_msg(humans["humans_4.jpg"]))) == 5
        assert proc.log().count("vision_msgs is not installed") == 1, proc.log()[-2000:]
        assert "/novision/detections" not in proc.log()
        c.destroy()
    finally:
        assert proc.stop() == 0, proc.log()[-2000:]


def test_compressed_input(ros, tmp_path, humans):
    proc = NodeProcess(tmp_path / "compressed.log", namespace="/comp", params={"input_compressed": True})
    try:
        proc.wait_ready()
        c = Client(proc, name="compressed_client", compressed=True)
        c.wait_connected()
        for fmt, name in (("jpeg", "humans_4.jpg"), ("png", "humans_1.jpg")):
            bgr = humans[name]
            sent = c.compressed_msg(bgr, fmt, frame_id=f"cam_{fmt}")
            msg = c.send(sent)
            check_pose_msg(msg, sent, bgr.shape[1], bgr.shape[0])
            assert people(msg) == 5, (fmt, len(msg.poses))
        # corrupt bytes: warning, nothing published, next frame fine
        bad = CompressedImage(header=c.next_header("bad"), format="jpeg")
        bad.data = array.array("B", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
        deadline = time.monotonic() + 60
        while "could not be decoded" not in proc.log() and time.monotonic() < deadline:
            c.publish(bad)
            c.spin(0.5)
        assert "could not be decoded" in proc.log()
        assert proc.alive()
        msg = c.send(c.compressed_msg(humans["humans_1.jpg"]))
        assert people(msg) == 5
        assert c.key(bad.header) not in c.poses
        c.destroy()
    finally:
        assert proc.stop() == 0, proc.log()[-2000:]


def test_tracking_gives_persistent_ids(ros, tmp_path, humans):
    """track:=true: pose ids are track IDs (from 1, never reused) once a track is confirmed (3rd frame;
    -1 before), stable over frames of one scene."""
    proc = NodeProcess(tmp_path / "track.log", namespace="/trk", params={"track": True, "smooth": True})
    try:
        proc.wait_ready()
        c = Client(proc, name="track_client")
        c.wait_connected()
        ids = []
        for _ in range(4):
            msg = c.send(c.image_msg(humans["humans_1.jpg"]), resend_every=ros_helpers.STATEFUL_RESEND_S)
            assert [p.index for p in msg.poses] == list(range(len(msg.poses)))  # per-frame index, separate
            ids.append(sorted(p.track_id for p in msg.poses if len(found(p)) >= 8))
        assert ids[0] == ids[1] == [-1] * 5, ids                  # tentative tracks: NO_TRACK (-1)
        assert len(ids[2]) == 5 and min(ids[2]) >= 1
        assert ids[2] == ids[3], ids
        # another scene: its people get new IDs, none of the earlier ones is reused for them
        for _ in range(3):
            msg = c.send(c.image_msg(humans["humans_4.jpg"]), resend_every=ros_helpers.STATEFUL_RESEND_S)
        new = [p.track_id for p in msg.poses if len(found(p)) >= 8]
        assert len(new) == 5 and min(new) >= 1 and not set(new) & set(ids[2]), (new, ids[2])
        c.destroy()
    finally:
        assert proc.stop() == 0, proc.log()[-2000:]


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_node_stops_promptly_on_signal_while_busy(ros, tmp_path, humans, sig):
    """SIGTERM (service managers, scripts) and SIGINT (Ctrl-C; ignored by default in a
    script's background job) end the node within 2 s, also while frames are being processed."""
    import signal as _signal

    ignore_int = (lambda: _signal.signal(_signal.SIGINT, _signal.SIG_IGN)) if sig == "SIGINT" else None
    for attempt in range(3):
        proc = NodeProcess(tmp_path / f"{sig}{attempt}.log", namespace=f"/sig{attempt}", preexec_fn=ignore_int)
        proc.wait_ready()
        c = Client(proc, name=f"sig_client{attempt}")
        c.wait_connected()
        for _ in range(3):          # keep the worker busy while the signal arrives
            c.publish(c.image_msg(humans["humans_4.jpg"]))
        c.spin(0.05 * attempt)
        t0 = time.monotonic()
        rc = proc.stop(timeout=10.0, sig=getattr(_signal, sig))
        elapsed = time.monotonic() - t0
        print(f"{sig} attempt {attempt}: node stopped in {elapsed:.2f} s")
        c.destroy()
        assert rc == 0 and elapsed < 2.0, (rc, elapsed, proc.log()[-1500:])


def test_params_file(ros, tmp_path, humans):
    config = yaml.safe_load(ros_helpers.CONFIG_YAML.read_text())
    (key, body), = config.items()
    body["ros__parameters"].update({"threshold": 0.6, "overlay": "box", "num_threads": 1,
                                    "qos_reliability": "reliable"})
    changed = tmp_path / "posenet_changed.yaml"
    changed.write_text(yaml.safe_dump(config))
    # the shipped file itself, then a modified copy whose values must show up in the node
    for path, expected in ((ros_helpers.CONFIG_YAML, {"threshold": 0.15, "overlay": "links,keypoints,ids"}),
                           (changed, {"threshold": 0.6, "overlay": "box", "qos_reliability": "reliable"})):
        proc = NodeProcess(tmp_path / f"{path.stem}.log", namespace="/pf", num_threads=1,
                           extra_args=["--params-file", str(path)])
        try:
            proc.wait_ready()
            c = Client(proc, name="params_client")
            c.wait_connected()
            assert c.get_parameters(list(expected)) == expected
            msg = c.send(c.image_msg(humans["humans_1.jpg"]))
            assert msg.network == "mobilenet-body"
            c.destroy()
        finally:
            assert proc.stop() == 0, proc.log()[-2000:]


def _one_error_line(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.returncode != 0, result.stdout
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "[ERROR]" in ln]
    assert len(errors) == 1, result.stdout
    assert "Traceback" not in result.stdout
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def test_missing_model_exits_nonzero_with_one_clear_line(ros, tmp_path):
    missing = tmp_path / "no_such_model.onnx"
    result = ros_helpers.run_node_to_exit(["--ros-args", "-r", "__ns:=/bad", "-p", f"model:={missing}"])
    _one_error_line(result, str(missing), "not found")


def test_model_absent_from_registry_dirs_exits_nonzero(ros, tmp_path):
    import os

    env = dict(os.environ, JETSON_POSE_MODELS=str(tmp_path / "empty"), MODEL_MIRROR=str(tmp_path / "nothing"))
    result = subprocess.run(ros_helpers.node_command() + ["--ros-args", "-r", "__ns:=/bad"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    _one_error_line(result, "not found")


def test_invalid_parameter_exits_nonzero(ros):
    result = ros_helpers.run_node_to_exit(["--ros-args", "-r", "__ns:=/bad", "-p", "qos_reliability:=sometimes"])
    _one_error_line(result, "qos_reliability")
    result = ros_helpers.run_node_to_exit(["--ros-args", "-r", "__ns:=/bad", "-p", "network:=no-such-net"])
    _one_error_line(result, "no-such-net")
