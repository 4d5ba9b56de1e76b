"""launch_support (shared by the launch files), the rviz config's topics, and `posenet_node --help`.
The launch files themselves run for real in test/launch/ (a separate pytest run)."""
from __future__ import annotations

import re
import subprocess
import time

import pytest
import yaml

import ros_helpers
from jetson_pose_ros.ros import launch_support as ls

RVIZ = ros_helpers.PKG_DIR / "rviz" / "posenet.rviz"


@pytest.mark.parametrize("namespace,prefix", [("", ""), ("front", "/front"), ("/robot/front/", "/robot/front")])
def test_rviz_topics_follow_the_namespace(namespace, prefix):
    text = ls.rviz_config_text(RVIZ.read_text(), namespace)
    topics = re.findall(r"^\s*Value: (/\S+)\s*$", text, flags=re.MULTILINE)
    assert sorted(topics) == sorted([f"{prefix}/overlay", f"{prefix}/markers"])
    assert yaml.safe_load(text)["Visualization Manager"]["Displays"][1]["Topic"]["Value"] == f"{prefix}/overlay"
    path = ls.write_rviz_config(RVIZ, namespace)
    assert open(path).read() == text


def test_launch_argument_values_are_cast_and_checked():
    over = ls.parameter_overrides({"threshold": "0.3", "track": "True", "network": "movenet-body", "smooth": ""})
    assert over == {"threshold": 0.3, "track": True, "network": "movenet-body"}
    assert ls.parameter_overrides({}) == {}
    with pytest.raises(ValueError, match="launch argument track:=maybe"):
        ls.parameter_overrides({"track": "maybe"})
    with pytest.raises(ValueError, match="threshold"):
        ls.parameter_overrides({"threshold": "high"})


def test_every_launch_argument_is_a_parameter_in_the_config_file():
    config = yaml.safe_load(ros_helpers.CONFIG_YAML.read_text())["/**/posenet"]["ros__parameters"]
    for argument, (parameter, kind) in ls.PARAMETER_ARGUMENTS.items():
        assert parameter in config, argument
        assert type(config[parameter]).__name__ == kind, (parameter, config[parameter], kind)


def test_sample_images_found_for_the_demo():
    shared = ros_helpers.shared_dir()
    if shared is None:
        pytest.skip("no ../shared beside the repository")
    assert ls.sample_images().endswith("jetson_inference/images")


def test_posenet_node_help_prints_the_parameters_and_exits():
    ros_helpers.require_ros()
    t0 = time.monotonic()
    res = subprocess.run(ros_helpers.node_command() + ["--help"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=60)
    assert res.returncode == 0, res.stdout
    config = yaml.safe_load(ros_helpers.CONFIG_YAML.read_text())["/**/posenet"]["ros__parameters"]
    for name in config:
        assert re.search(rf"^\s+{name}\b", res.stdout, flags=re.MULTILINE), f"{name} missing from --help"
    assert "ready" not in res.stdout            # it did not start the node
    assert time.monotonic() - t0 < 30
