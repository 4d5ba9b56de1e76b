"""``posenet-bench``'s flags come from the options table: the compared options (comma lists) with
the table's flag names and parsers, every other network/detection/decoder option as one flag
passed to every configuration, so that a new row of the table is a new flag here too."""
import dataclasses

import pytest

from jetson_pose_ros.cli import bench
from jetson_pose_ros.core import options


def flags(parser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}


def test_every_model_option_of_the_table_is_a_flag():
    have = flags(bench.build_parser())
    want = {o.flag for o in options.OPTIONS.values() if o.group in options.MODEL_GROUPS and o.cli is not None}
    assert want - have == set()
    # and the bench's own
    assert {"--network", "--images", "--repeat", "--warmup", "--batch", "--json", "--in-process"} <= have


def test_compared_options_take_lists_parsed_by_the_table():
    args = bench.build_parser().parse_args(["--network", "mobilenet-body,movenet-body", "--input-size",
                                            "320x256,432x368", "--threads", "1,0", "--precision", "f32,bf16",
                                            "--link-threshold", "0.2", "--threshold", "0.3"])
    assert args.input_size == [(320, 256), (432, 368)] and args.num_threads == [1, 0]
    configs, skipped = bench.configs_from_args(args)
    assert skipped == {}
    assert len(configs) == 2 * 2 * 2 * 2
    assert {c.threads for c in configs} == {1, None}                 # 0 = the backend's default
    assert {c.options["precision"] for c in configs} == {"f32", "bf16"}
    assert all(c.threshold == 0.3 and c.overlay == "links,keypoints" for c in configs)
    # a single table option reaches the PAF network's configurations
    assert all(c.options["link_threshold"] == 0.2 for c in configs)


@pytest.mark.parametrize("argv, word", [(["--threads", "two"], "integer"), (["--precision", "f16"], "one of"),
                                        (["--input-size", "big"], "WIDTHxHEIGHT"),
                                        (["--link-threshold", "2"], "<= 1"), (["--flip", "sideways"], "true or false")])
def test_bad_values_are_the_tables_errors(argv, word, capsys):
    assert bench.main(argv) == 2
    err = capsys.readouterr().err
    assert word in err and argv[0] in err and len(err.strip().splitlines()) == 1


def test_a_new_row_of_the_table_is_a_bench_flag(monkeypatch):
    row = options.Option("peak_gap", int, None, "test-only decoder knob", min=1, max=9, group="decoder",
                         nullable=True)
    monkeypatch.setitem(options.OPTIONS, "peak_gap", row)
    parser = bench.build_parser()
    assert "--peak-gap" in flags(parser)
    configs, _ = bench.configs_from_args(parser.parse_args(["--network", "mobilenet-body", "--peak-gap", "3"]))
    assert [c.options["peak_gap"] for c in configs] == [3]
    with pytest.raises(SystemExit):
        parser.parse_args(["--peak-gap", "12"])


def test_presets_alone_give_one_configuration_per_preset_and_backend():
    args = bench.build_parser().parse_args(["--preset", "fast,accurate", "--backend", "onnxruntime,openvino"])
    configs, _ = bench.configs_from_args(args)
    assert [(c.network, c.backend) for c in configs] == [
        ("movenet-body", "onnxruntime"), ("movenet-body", "openvino"),
        ("mobilenet-body", "onnxruntime"), ("mobilenet-body", "openvino")]
    assert dataclasses.asdict(configs[2])["input_size"] == (656, 368)
