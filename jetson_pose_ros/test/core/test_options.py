"""The options table: one validation for the API, the CLI and the node; generated CLI flags, ROS
parameters (config/posenet.yaml); the docs table is test_docs.py's.  Needs no model and no shared data except where
a network is built."""
from __future__ import annotations

import math

import pytest

from jetson_pose_ros.cli import posenet as posenet_cli
from jetson_pose_ros.core.errors import PoseNetError
from jetson_pose_ros.core.options import OPTIONS, check_options, validate
from jetson_pose_ros.pipeline.pipeline import GROUPS

from conftest import REPO  # noqa: E402


@pytest.mark.parametrize("name,value", [("threshold", math.nan), ("threshold", -0.1), ("threshold", math.inf),
                                        ("threshold", "abc"), ("keypoint_scale", 0.0), ("keypoint_scale", 1e12),
                                        ("link_scale", math.nan), ("track_max_lost", -1), ("track_max_lost", 2.5),
                                        ("smooth_min_cutoff", 0), ("num_threads", -2), ("input_size", "100000x10"),
                                        ("input_size", "axb"), ("overlay", "boxes,sparkles"), ("track", "maybe"),
                                        ("max_objects", 0), ("qos_reliability", "sometimes")])
def test_bad_values_are_one_line_errors_naming_the_option(name, value):
    with pytest.raises(PoseNetError) as err:
        validate(name, value)
    text = str(err.value)
    assert name in text and "\n" not in text


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(PoseNetError, match=r"unknown option 'max_object' \(did you mean max_objects\?\)"):
        check_options({"max_object": 1})
    with pytest.raises(PoseNetError, match="does not apply to movenet"):
        check_options({"link_threshold": 0.2}, family="movenet")


def test_values_are_cast_and_unset_means_the_network_default():
    assert validate("threshold", "0.3") == 0.3 and validate("track", "true") is True
    assert validate("input_size", "432x368") == (432, 368) and validate("input_size", "") is None
    assert validate("pose_threshold", -1) is None and validate("max_objects", None) is None
    assert validate("overlay", "box|links") == "box|links"


def test_cli_flags_are_generated_from_the_table():
    parser = posenet_cli.build_parser()
    flags = {a for action in parser._actions for a in action.option_strings}
    for opt in OPTIONS.values():
        if opt.cli is not None and opt.group in GROUPS:
            assert opt.flag in flags, opt.name
    args = parser.parse_args(["in.jpg", "--threshold", "0.4", "--track-min-hits", "2", "--pose-threshold=0.3"])
    assert (args.threshold, args.track_min_hits, args.pose_threshold) == (0.4, 2, 0.3)
    with pytest.raises(SystemExit):
        parser.parse_args(["in.jpg", "--keypoint-scale", "nan"])


def test_config_yaml_lists_every_ros_parameter_with_its_default():
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with the ROS wheels")
    body = yaml.safe_load((REPO / "jetson_pose_ros" / "config" / "posenet.yaml").read_text())
    params = next(iter(body.values()))["ros__parameters"]
    ros = {n for n, o in OPTIONS.items() if o.ros}
    assert set(params) == ros
    for name in ros - {"network"}:
        default = OPTIONS[name].default
        assert params[name] == (default if default is not None else -1), name


@pytest.mark.shared_data
def test_posenet_refuses_typos_and_bad_thresholds(shared):
    from jetson_pose_ros import PoseNet

    for kw, word in (({"max_object": 1}, "max_object"), ({"threshold": math.nan}, "threshold"),
                     ({"threshold": -1}, "threshold"), ({"pose_threshold": 2}, "pose_threshold")):
        with pytest.raises(PoseNetError, match=word):
            PoseNet("movenet-body", **kw)
    net = PoseNet("movenet-body")
    for bad in (math.nan, -0.5, "x"):
        with pytest.raises(PoseNetError, match="threshold"):
            net.threshold = bad
    with pytest.raises(PoseNetError, match="keypoint_scale"):
        net.set_keypoint_scale(math.inf)
