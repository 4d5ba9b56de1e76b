"""The package's launch files run for real (`ros2 launch` subprocesses) and are checked with the
`ros2` CLI as a user types it: `ros2 node list`, `ros2 topic echo --once`, `ros2 topic hz`,
`ros2 param dump/get/set`, `ros2 lifecycle get/set`.

Run separately from the unit tests (scripts/test.sh), with the launch_testing pytest plugins allowed.
"""
from __future__ import annotations

import re
import time

import pytest

import launch_helpers as lh
import ros_helpers

lh.require_launch()

STAMP = (424242, 777)


@pytest.fixture(scope="module")
def ros():
    import rclpy

    ros_helpers.setup_environment()
    lh.ros2("daemon", "stop", check=False)
    lh.ros2("daemon", "start", check=False)  # a daemon started before the nodes sees them at once
    rclpy.init()
    node = rclpy.create_node("launch_test_publisher")
    yield node
    node.destroy_node()
    rclpy.try_shutdown()
    lh.ros2("daemon", "stop", check=False)


def photo_msg(frame_id: str, compressed: bool = False):
    import cv2
    from builtin_interfaces.msg import Time
    from std_msgs.msg import Header

    from jetson_pose_ros.msgs.image_conversion import bgr_to_compressed, bgr_to_image

    bgr = cv2.resize(ros_helpers.load_bgr("humans_1.jpg"), (640, 480))
    header = Header(frame_id=frame_id, stamp=Time(sec=STAMP[0], nanosec=STAMP[1]))
    return bgr_to_compressed(bgr, "jpeg", header=header) if compressed else bgr_to_image(bgr, "bgr8", header=header)


def assert_image_header(msg: dict, frame_id: str) -> None:
    assert msg["header"]["frame_id"] == frame_id, msg["header"]
    assert (msg["header"]["stamp"]["sec"], msg["header"]["stamp"]["nanosec"]) == STAMP, msg["header"]


def node_names() -> list[str]:
    return lh.ros2("node", "list").stdout.split()


def wait_for_nodes(names: set[str], timeout: float = 90.0) -> list[str]:
    end = time.monotonic() + timeout
    found: list[str] = []
    while time.monotonic() < end:
        found = node_names()
        if names <= set(found):
            return found
        time.sleep(1.0)
    raise AssertionError(f"nodes {sorted(names - set(found))} not in `ros2 node list`: {found}")


def topic_hz(topic: str, windows: int = 4, timeout: float = 90.0) -> float:
    """`ros2 topic hz TOPIC` until it printed ``windows`` average rates (it prints one a second once
    messages come; its own start-up takes seconds on a loaded machine); the last rate printed."""
    import selectors
    import subprocess

    proc = subprocess.Popen(["ros2", "topic", "hz", topic], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    out, rates = "", []
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    end = time.monotonic() + timeout
    try:
        while len(rates) < windows and time.monotonic() < end and proc.poll() is None:
            if sel.select(timeout=0.5):
                line = proc.stdout.readline()
                out += line
                rates += re.findall(r"average rate: ([\d.]+)", line)
    finally:
        proc.terminate()
        out += proc.communicate(timeout=10)[0]
    assert rates, f"`ros2 topic hz {topic}` printed no rate:\n{out[-2000:]}"
    print(f"ros2 topic hz {topic}: {rates}")
    return float(rates[-1])


def test_posenet_launch_defaults_cli_and_lifecycle(ros, tmp_path):
    """`ros2 launch jetson_pose_ros posenet.launch.py` with no argument: poses and detections carry
    the image's header; `ros2 param set` takes effect; deactivate stops publishing, activate resumes;
    cleanup, configure, activate reload the network."""
    from sensor_msgs.msg import Image

    run = lh.Launch("posenet.launch.py", [], tmp_path / "launch.log")
    try:
        run.wait_log(r"\[posenet\]: network '.*' .*ready")
        assert "/posenet" in wait_for_nodes({"/posenet"})
        with lh.Publisher(ros, Image, "/image", photo_msg("launch_cam")):
            poses = lh.yaml_messages(lh.echo_once("/poses"))
            assert_image_header(poses, "launch_cam")
            names = poses["keypoint_names"]
            assert poses["network"] == "mobilenet-body" and len(poses["poses"]) >= 3
            assert all(len(p["keypoints"]) == len(names) for p in poses["poses"])  # indexable by topology id
            assert len(poses["skeleton"]) % 2 == 0 and poses["skeleton"]
            detections = lh.yaml_messages(lh.echo_once("/detections"))
            assert_image_header(detections, "launch_cam")
            assert len(detections["detections"]) == len(poses["poses"])
            assert {d["results"][0]["hypothesis"]["class_id"] for d in detections["detections"]} == {"person"}
            assert topic_hz("/poses") > 0.5

            assert "successful" in lh.ros2("param", "set", "/posenet", "threshold", "0.5").stdout.lower()
            assert lh.ros2("param", "get", "/posenet", "threshold").stdout.strip().endswith("0.5")

            assert lh.ros2("lifecycle", "get", "/posenet").stdout.startswith("active")
            assert "successful" in lh.ros2("lifecycle", "set", "/posenet", "deactivate").stdout.lower()
            assert lh.ros2("lifecycle", "get", "/posenet").stdout.startswith("inactive")
            silent = lh.ros2("topic", "echo", "--once", "--timeout", "4", "/poses", check=False, timeout=60)
            assert "header" not in silent.stdout, "an inactive node published poses"
            assert "successful" in lh.ros2("lifecycle", "set", "/posenet", "activate").stdout.lower()
            assert_image_header(lh.yaml_messages(lh.echo_once("/poses")), "launch_cam")
            # cleanup frees the network; configure + activate load it again
            for transition in ("deactivate", "cleanup"):
                assert "successful" in lh.ros2("lifecycle", "set", "/posenet", transition).stdout.lower()
            assert lh.ros2("lifecycle", "get", "/posenet").stdout.startswith("unconfigured")
            for transition in ("configure", "activate"):
                assert "successful" in lh.ros2("lifecycle", "set", "/posenet", transition).stdout.lower()
            assert_image_header(lh.yaml_messages(lh.echo_once("/poses")), "launch_cam")

            # ~/enable: false stops inference and the input at once (the network stays loaded) ...
            res = lh.ros2("service", "call", "/posenet/enable", "std_srvs/srv/SetBool", "{data: false}")
            assert "success=True" in res.stdout and "disabled" in res.stdout, res.stdout
            silent = lh.ros2("topic", "echo", "--once", "--timeout", "4", "/poses", check=False, timeout=60)
            assert "header" not in silent.stdout, "a disabled node published poses"
            # ... true resumes with the next frame (the publisher sends one every 0.2 s); how soon
            # `ros2 topic echo` shows it is mostly its own start-up and discovery (seconds on a loaded
            # machine), so it is not timed here
            res = lh.ros2("service", "call", "/posenet/enable", "std_srvs/srv/SetBool", "{data: true}")
            assert "success=True" in res.stdout, res.stdout
            assert_image_header(lh.yaml_messages(lh.echo_once("/poses")), "launch_cam")
    finally:
        run.stop()


def test_every_launch_argument_sets_the_live_parameter(ros, tmp_path):
    """Each launch argument, given a non-default value, is the started node's live parameter (read
    with `ros2 param dump` through the parameter services); the node, input and rviz follow."""
    import yaml
    from sensor_msgs.msg import CompressedImage

    from jetson_pose_ros.ros import launch_support as ls

    params_file = tmp_path / "my_posenet.yaml"
    params_file.write_text("/**/posenet:\n  ros__parameters:\n    keypoint_scale: 0.0099\n")
    given = {"network": "movenet-body", "threshold": "0.33", "pose_threshold": "0.22", "overlay": "box",
             "input_compressed": "true", "qos_reliability": "reliable", "output_reliability": "best_effort",
             "overlay_reliability": "best_effort", "track": "true", "smooth": "true", "autostart": "false",
             "lazy": "false", "gestures": "true", "gesture_debounce": "6", "hri": "true",
             "depth_topic": "/lt_cam/depth/image_raw", "camera_info_topic": "/lt_cam/depth/info", "depth_window": "7",
             "min_depth": "0.2", "max_depth": "8.0", "sync_slop": "0.05", "target_frame": "base_link"}
    assert set(given) == set(ls.PARAMETER_ARGUMENTS), "a launch argument is not covered by this test"
    defaults = yaml.safe_load(ros_helpers.CONFIG_YAML.read_text())["/**/posenet"]["ros__parameters"]
    args = [f"{k}:={v}" for k, v in given.items()]
    args += ["namespace:=lt", "input_topic:=/lt_cam/image_raw", f"params_file:={params_file}", "rviz:=true"]
    run = lh.Launch("posenet.launch.py", args, tmp_path / "launch.log")
    try:
        run.wait_log(r"\[lt\.posenet\]")
        wait_for_nodes({"/lt/posenet"})
        live = yaml.safe_load(lh.ros2("param", "dump", "/lt/posenet").stdout)["/lt/posenet"]["ros__parameters"]
        for argument, (parameter, kind) in ls.PARAMETER_ARGUMENTS.items():
            want = ls.cast(given[argument], kind)
            assert live[parameter] == pytest.approx(want) if kind == "float" else live[parameter] == want, \
                (argument, live[parameter], want)
            assert live[parameter] != defaults[parameter], f"{argument}: the test value is the default"
        assert live["keypoint_scale"] == pytest.approx(0.0099)        # params_file
        assert live["keypoint_scale"] != defaults["keypoint_scale"]
        if ls.rviz2_available():
            wait_for_nodes({"/lt/rviz2"})
        else:
            run.wait_log(re.escape("rviz:=true, but rviz2 is not installed"))

        # autostart:=false: the node waits, unconfigured, until told
        assert lh.ros2("lifecycle", "get", "/lt/posenet").stdout.startswith("unconfigured")
        assert "successful" in lh.ros2("lifecycle", "set", "/lt/posenet", "configure").stdout.lower()
        assert "successful" in lh.ros2("lifecycle", "set", "/lt/posenet", "activate").stdout.lower()
        # input_topic + input_compressed: <input_topic>/compressed, without any other remapping
        with lh.Publisher(ros, CompressedImage, "/lt_cam/image_raw/compressed", photo_msg("lt_cam", True)):
            poses = lh.yaml_messages(lh.echo_once("/lt/poses"))
        assert_image_header(poses, "lt_cam")
        assert poses["network"] == "movenet-body" and poses["poses"]
    finally:
        run.stop()


def test_demo_launch(ros, tmp_path):
    """`ros2 launch jetson_pose_ros demo.launch.py`: sample photos -> posenet -> pose_echo, no camera."""
    shared = ros_helpers.shared_dir()
    if shared is None:
        pytest.skip("sample photos not found (../shared/data/jetson_inference/images)")
    run = lh.Launch("demo.launch.py", ["namespace:=demo", "rate:=4"], tmp_path / "demo.log")
    try:
        wait_for_nodes({"/demo/posenet", "/demo/image_publisher", "/demo/pose_echo"}, timeout=90)
        poses = lh.yaml_messages(lh.echo_once("/demo/poses"))
        assert poses["header"]["frame_id"] == "camera" and poses["network"] == "mobilenet-body"
        detections = lh.yaml_messages(lh.echo_once("/demo/detections"))
        assert detections["header"]["frame_id"] == "camera"
        assert topic_hz("/demo/poses") > 0.5
        run.wait_log(r"network mobilenet-body \d+x\d+ people [1-9]\d*")   # pose_echo's lines
    finally:
        run.stop()
