"""Typed stage configs (core/config.py): built once from the options table, checked before anything is
installed or loaded.  Needs no model except the install control (mirror of ../shared)."""
from __future__ import annotations

from dataclasses import fields

import pytest

from jetson_pose_ros.core.config import STAGES, Config, DecoderConfig, stage_options
from jetson_pose_ros.core.errors import ModelError, PoseNetError
from jetson_pose_ros.core.options import BACKEND_NAMES, OPTIONS
from jetson_pose_ros.core.registry import default_network, get_network
from jetson_pose_ros.networks.paf import PafParams
from jetson_pose_ros.pipeline.pipeline import Pipeline
from jetson_pose_ros.runtime.backends import BACKENDS
from jetson_pose_ros.runtime.model_files import resolve_files


def test_each_stage_dataclass_holds_exactly_its_group_of_the_table_with_its_defaults():
    for group, cls in STAGES.items():
        table = {n: o for n, o in OPTIONS.items() if o.group == group}
        assert [f.name for f in fields(cls)] == list(table), group
        for f in fields(cls):
            default = table[f.name].default
            # an option whose "" means unset (input_size, scales, preset) is None in the dataclass
            assert f.default == (None if default == "" and table[f.name].check("") is None else default), f.name


def test_backend_choices_are_the_runtime_backends_and_auto():
    assert set(BACKEND_NAMES) == set(BACKENDS)
    assert OPTIONS["backend"].choices == ("auto",) + BACKEND_NAMES
    assert OPTIONS["backend"].check("OpenVINO") == "openvino"


@pytest.mark.parametrize("kw,word", [({"backend": "openvinoo"}, "unknown backend 'openvinoo'"),
                                     ({"precision": "fp64"}, "unknown precision 'fp64'"),
                                     ({"backend": "onnxruntime", "num_threads": -3}, "num_threads")])
@pytest.mark.parametrize("mirror", [False, True])
def test_bad_runtime_options_fail_in_one_line_before_any_install(tmp_path, monkeypatch, kw, word, mirror, shared):
    """An empty model directory stays empty: the value is refused before a model file is looked up."""
    models = tmp_path / "models"
    models.mkdir()
    monkeypatch.setenv("JETSON_POSE_MODELS", str(models))
    if mirror:
        monkeypatch.setenv("MODEL_MIRROR", str(shared / "models"))
    else:
        monkeypatch.delenv("MODEL_MIRROR", raising=False)
    with pytest.raises(PoseNetError, match=word) as err:
        Pipeline("movenet-body", **kw)
    assert "\n" not in str(err.value)
    assert list(models.iterdir()) == []
    if mirror:      # control: the same directory and mirror do install the network's file
        resolve_files(get_network("movenet-body"))
        assert [p.suffix for p in models.rglob("*") if p.is_file()].count(".onnx") == 1


def test_backend_errors_are_model_errors_naming_the_option_for_every_caller():
    with pytest.raises(ModelError, match=r"^option backend must be one of auto, onnxruntime, .*, litert: "
                       r"unknown backend 'opencl'$"):
        Config.from_options("movenet-body", backend="opencl")
    with pytest.raises(PoseNetError, match="option precision must be one of auto, f32, bf16, int8: unknown precision 'fp16'"):
        OPTIONS["precision"].check("fp16")


def test_from_options_splits_checked_values_by_stage():
    cfg = Config.from_options("mobilenet-body", threshold="0.3", backend="cpu", input_size="432x368",
                              scales="1.5,1", link_threshold=0.2, track="yes", overlay="box|links",
                              keypoint_scale=0.01)
    assert cfg.network.network == "mobilenet-body" and cfg.network.backend == "cpu"
    assert cfg.network.input_size == (432, 368) and cfg.network.precision == "auto"
    assert cfg.detection.threshold == 0.3 and cfg.detection.pose_threshold is None
    assert cfg.decoder.scales == (1.0, 1.5) and cfg.decoder.link_threshold == 0.2 and cfg.decoder.flip is False
    assert cfg.pipeline.track is True and cfg.pipeline.track_max_lost == 30
    assert cfg.overlay.flags == {"box", "links"} and cfg.overlay.keypoint_scale == 0.01
    assert cfg.given_in("network") == {"backend": "cpu", "input_size": (432, 368)}
    # the default network, and a decoder option of another family
    assert Config.from_options().network.network == get_network(default_network()).name
    with pytest.raises(PoseNetError, match="does not apply to movenet"):
        Config.from_options("movenet-body", link_threshold=0.2)
    with pytest.raises(PoseNetError, match=r"unknown option 'treshold' \(did you mean threshold\?\)"):
        Config.from_options("movenet-body", treshold=0.2)


def test_a_preset_fills_in_network_size_and_scales_where_not_given():
    cfg = Config.from_options(preset="accurate")
    assert (cfg.network.network, cfg.network.input_size, cfg.decoder.scales, cfg.network.preset) == \
        ("mobilenet-body", (656, 368), (0.5, 1.0, 1.5), "accurate")
    assert Config.from_options(preset="accurate", scales="1").decoder.scales == (1.0,)
    with pytest.raises(PoseNetError, match="preset 'fast' is for network 'movenet-body'"):
        Config.from_options("mobilenet-body", preset="fast")


def test_decoder_params_registry_then_options():
    registry = {"link_threshold": 0.1, "max_objects": 50, "cmap": "not a parameter"}
    params = DecoderConfig(max_objects=7).params(PafParams, registry, {"window": 3})
    assert (params.link_threshold, params.max_objects, params.window, params.samples) == (0.1, 7, 3, 7)


def test_changed_checks_and_replaces_one_value():
    cfg = Config.from_options("movenet-body")
    assert cfg.changed("threshold", "0.4").detection.threshold == 0.4 and cfg.detection.threshold == 0.15
    with pytest.raises(PoseNetError, match="threshold"):
        cfg.changed("threshold", 2)


def test_stage_options_keeps_the_set_options_of_the_stages_only():
    ros = {"threshold": 0.2, "pose_threshold": None, "model": "", "track": False, "lazy": True,
           "depth_topic": "/d", "max_image_pixels": 10, "overlay": "box"}
    assert stage_options(ros) == {"threshold": 0.2, "track": False, "overlay": "box"}


@pytest.mark.shared_data
def test_stages_take_their_dataclass(shared):
    from jetson_pose_ros import PoseNet

    cfg = Config.from_options("movenet-body", threshold=0.3, pose_threshold=0.25, max_objects=3, track=True,
                              overlay="box", keypoint_scale=0.01)
    pipe = Pipeline(config=cfg)
    model = pipe.net.model
    assert pipe.net.config is cfg and model.config is cfg.network and model.decoder_config is cfg.decoder
    assert model.params.max_objects == 3 and model.backend_name == "auto" and model.num_threads is None
    assert (pipe.net.threshold, pipe.net.pose_threshold, pipe.net.keypoint_scale) == (0.3, 0.25, 0.01)
    assert pipe.tracker is not None and pipe.overlay_flags == {"box"}
    second = Pipeline(net=pipe.net, config=cfg)        # a second camera around the same network
    assert second.net is pipe.net and second.tracker is not pipe.tracker
    # runtime options: checked, kept in the pipeline's config, the net's values in force
    pipe.set("threshold", "0.4")
    assert pipe.net.threshold == 0.4 == pipe.config.detection.threshold == pipe.net.config.detection.threshold
    pipe.set("overlay", "links")
    assert pipe.overlay_flags == {"links"} and second.overlay_flags == {"box"}
    with pytest.raises(PoseNetError, match="cannot change while running"):
        pipe.set("track", False)
    with pytest.raises(PoseNetError, match="threshold"):
        pipe.set("threshold", float("nan"))
    # Pipeline(net=...) sets the given detection/overlay values on the net and refuses the network's
    Pipeline(net=pipe.net, pose_threshold=0.5, link_scale=0.002)
    assert (pipe.net.pose_threshold, pipe.net.link_scale, pipe.net.threshold) == (0.5, 0.002, 0.4)
    with pytest.raises(PoseNetError, match="backend configure the network"):
        Pipeline(net=pipe.net, backend="cpu")
    with pytest.raises(PoseNetError, match="takes no other options"):
        PoseNet(config=cfg, backend="cpu")
    with pytest.raises(PoseNetError, match="is not a detection or overlay option"):
        pipe.net.update(max_objects=2)
