"""``auto`` measured where it runs (issue 20): the decision's cache (hit, miss on every part of
its key, a broken file), only accuracy-verified candidates are timed or chosen, and
``posenet-models tune`` prints the table.  Real models and runtimes, few frames."""
import json
import logging

import pytest

from jetson_pose_ros import PoseNet
from jetson_pose_ros.optimize.timing import time_pair
from jetson_pose_ros.runtime import choice, tuning
from jetson_pose_ros.cli.models import main as models_main
from jetson_pose_ros.runtime.model_files import resolve_files
from jetson_pose_ros.core.registry import get_network

pytestmark = pytest.mark.shared_data

from conftest import HAVE_OV, needs_ov  # noqa: E402,F401

NET = "movenet-body"
PAIRS = [("onnxruntime", "f32"), ("openvino", "f32")]


@pytest.fixture(autouse=True)
def tune_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JETSON_POSE_TUNE_CACHE", str(tmp_path / "auto"))
    monkeypatch.setattr(tuning, "FRAMES", 1)
    monkeypatch.setattr(tuning, "WARMUP", 1)
    monkeypatch.setattr(tuning, "ROUNDS", 1)
    choice.decisions.clear()
    choice._memo.clear()
    yield tmp_path / "auto"
    choice.decisions.clear()
    choice._memo.clear()


@pytest.fixture
def table(monkeypatch):
    """Replace the committed candidates table by ``doc`` (a dict) for one test."""
    def use(doc):
        monkeypatch.setattr(choice, "_table", lambda: doc)
    return use


@pytest.fixture
def timed(monkeypatch):
    """Record every pair timed (in this process: the real timing of the real models)."""
    seen = []
    real = tuning.measure

    def measure(network, candidates, *a, **k):
        seen.extend(tuple(c) for c in candidates)
        k["timer"] = time_pair
        return real(network, candidates, *a, **k)
    monkeypatch.setattr(tuning, "measure", measure)
    return seen


@needs_ov
def test_cache_miss_then_hit_and_every_key_part_misses(tune_cache, timed, monkeypatch):
    first = tuning.decide(NET, PAIRS, 1, (256, 256))
    assert not first["cached"] and tuple(first["choice"]) in PAIRS
    assert [(r["backend"], r["precision"]) for r in first["table"]] == PAIRS
    assert all(r["ms"] > 0 for r in first["table"])
    files = list(tune_cache.glob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["key"]["cpu"] == tuning.cpu_model()

    again = tuning.decide(NET, PAIRS, 1, (256, 256))
    assert again["cached"] and again["choice"] == first["choice"] and len(timed) == 2   # nothing timed

    one = PAIRS[:1]                                          # (cheaper to time) candidate list
    assert not tuning.decide(NET, one, 1, (256, 256))["cached"]
    assert tuning.decide(NET, one, 1, (256, 256))["cached"]
    assert not tuning.decide(NET, one, 2, (256, 256))["cached"]                        # thread count
    assert not tuning.decide(NET, one, 1, (320, 320))["cached"]                        # input size
    monkeypatch.setattr(tuning, "cpu_model", lambda: "Some Other CPU")                 # CPU model
    assert not tuning.decide(NET, one, 1, (256, 256))["cached"]
    other = {**tuning.versions(), "openvino": "0.0"}
    monkeypatch.setattr(tuning, "versions", lambda: other)                             # library versions
    assert not tuning.decide(NET, one, 1, (256, 256))["cached"]
    assert len(timed) == 2 + 5
    assert len(list(tune_cache.glob("*.json"))) == 6


@needs_ov
def test_broken_cache_file_is_tuned_again(tune_cache, timed):
    doc = tuning.decide(NET, PAIRS, 1, (256, 256))
    f = tuning.cache_file(doc["key"])
    f.write_text("{not json")
    assert not tuning.decide(NET, PAIRS, 1, (256, 256))["cached"]
    bad = json.loads(f.read_text())
    bad["choice"] = ["openvino", "bf16"]                  # a choice outside the candidates
    f.write_text(json.dumps(bad))
    assert not tuning.decide(NET, PAIRS, 1, (256, 256))["cached"]


@needs_ov
def test_unverified_pair_is_never_timed_nor_chosen(table, timed, caplog):
    path = resolve_files(get_network(NET))["model"]
    # the guard verified onnxruntime f32 only: nothing to time, bf16 never considered
    table({"networks": {NET: {"candidates": [["onnxruntime", "f32"]],
                              "variants": [{"backend": "openvino", "precision": "bf16", "verified": False}]}}})
    assert choice.resolve("auto", "auto", NET, path) == ("onnxruntime", "f32")
    assert choice.resolve("openvino", "auto", NET, path) == ("openvino", "f32")   # no verified openvino pair
    assert timed == []
    # two verified pairs: both timed, bf16 (unverified) still not
    choice._memo.clear()
    table({"networks": {NET: {"candidates": [["openvino", "f32"], ["onnxruntime", "f32"]]}}})
    with caplog.at_level(logging.INFO, logger="jetson_pose_ros"):
        net = PoseNet(NET, backend="auto", num_threads=1)
    assert sorted(timed) == sorted(PAIRS) and ("openvino", "bf16") not in timed
    assert net.model.backend_used in ("onnxruntime f32", "openvino f32")
    assert any("backend auto:" in r.getMessage() and "measured here" in r.getMessage() for r in caplog.records)
    assert choice.describe(NET).startswith(net.model.backend_used)
    # a network the table does not know runs the reference
    table({"networks": {}})
    choice._memo.clear()
    assert choice.resolve("auto", "auto", NET, path) == ("onnxruntime", "f32")


def test_committed_table_lists_only_verified_pairs():
    doc = choice._table()
    assert doc["networks"], "models/candidates.json is missing or empty (run tools/accuracy_guard.py)"
    for network, entry in doc["networks"].items():
        verified = {(v["backend"], v["precision"]) for v in entry["variants"] if v["verified"]}
        assert {tuple(c) for c in entry["candidates"]} == verified, network
        for v in entry["variants"]:
            if v["verified"] and not v.get("reference"):
                assert v["min_delta"] >= -v["bound"] - 1e-9 and v["mean_oks"] >= 0.95 and v["lost"] == 0, network


@needs_ov
def test_tune_cli_prints_the_table(table, capsys, tune_cache, monkeypatch):
    table({"networks": {NET: {"candidates": [list(p) for p in PAIRS]}}})
    monkeypatch.setattr(tuning, "ROUNDS", 2)                 # alternating rounds, each candidate in its process
    assert models_main(["tune", NET, "--threads", "1", "--frames", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{NET} (") and "tuned in" in out[0]
    assert out[1].split() == ["backend", "precision", "ms/frame", "stages"]
    rows = {tuple(line.split()[:2]): line for line in out[2:4]}
    assert set(rows) == set(PAIRS)
    assert sum("<- auto" in line for line in rows.values()) == 1
    assert all(float(line.split()[2]) > 0 for line in rows.values())
    # the choice it cached is the one auto then reads
    doc = next(json.loads(f.read_text()) for f in tune_cache.glob("*.json"))
    picked = next(k for k, line in rows.items() if "<- auto" in line)
    assert tuple(doc["choice"]) == picked
    for r in doc["table"]:                                   # each keeps its fastest of 2 rounds
        assert len(r["rounds_ms"]) == 2 and r["ms"] == min(r["rounds_ms"])


@pytest.mark.parametrize("args, text", [(["--input-size", "12"], "expected WIDTHxHEIGHT"),
                                        (["--frames", "0"], "--frames >= 1"), (["--threads", "-1"], "--threads")])
def test_tune_cli_bad_arguments_one_line(capsys, args, text):
    with pytest.raises(SystemExit) as e:
        models_main(["tune", NET, *args])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert text in err[-1]
