"""``posenet-eval`` and ``posenet-bench``: real networks on real annotated images."""
import json

import numpy as np
import pytest

from jetson_pose_ros.evaluation import accuracy as ev

pytestmark = pytest.mark.shared_data      # reads ../shared/data; skipped (with the reason) without it

from cli_helpers import run_module  # noqa: E402


def command(module, *args, timeout=600):
    return run_module(f"jetson_pose_ros.cli.{module}", *args, timeout=timeout)


def assert_one_line_error(res, *words):
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len([line for line in lines if "error" in line.lower()]) == 1, res.stderr
    for w in words:
        assert w in res.stderr, res.stderr


@pytest.fixture(scope="module")
def coco(shared):
    d = shared / "data" / "coco_val2017_dev"
    return d / "person_keypoints_val2017_dev.json", d / "images"


def hand_set(shared, name):
    d = shared / "data" / "mmpose_tests_data" / name
    return d / f"test_{name}.json", d


# ------------------------------------------------------------------ scoring
def test_ground_truth_as_results_scores_ap_one(coco):
    ds = ev.load_keypoint_set(*coco)
    assert ds.kind == "body" and len(ds.image_ids) == 19
    gt = ev.ground_truth_poses(ds)
    metrics, results = ev.evaluate(None, ds, predictions=gt, topology_names=ds.keypoint_names)
    assert len(results) == 30                                   # the labelled, non-crowd people
    assert all(len(r["keypoints"]) == 51 for r in results)
    for name in ("AP", "AP50", "AP75", "APm", "APl", "AR"):
        assert metrics[name] == pytest.approx(1.0), (name, metrics)
    # the same results moved by 10% of each person's box: AP must drop
    for frame in gt.values():
        frame.xy[..., 0] += 0.1 * (frame.boxes[:, 2:3] - frame.boxes[:, 0:1])
    moved, _ = ev.evaluate(None, ds, predictions=gt, topology_names=ds.keypoint_names)
    assert moved["AP"] < 0.6


def test_false_positives_on_empty_images_lower_ap(coco):
    ds = ev.load_keypoint_set(*coco)
    gt = ev.ground_truth_poses(ds)
    empty = [i for i in ds.image_ids if not len(gt[i])]
    assert empty                                              # the set has images without people
    donor = next(f for f in gt.values() if len(f)).select([0])
    donor.pose_scores[:] = 2.0                                # ranked above every true detection
    fp = {**gt, **{i: donor for i in empty}}
    metrics, _ = ev.evaluate(None, ds, predictions=fp, topology_names=ds.keypoint_names)
    assert metrics["AP"] < 1.0 and metrics["AR"] == pytest.approx(1.0)
    none, results = ev.evaluate(None, ds, predictions={}, topology_names=ds.keypoint_names)
    assert results == [] and none["AP"] == 0.0


@pytest.mark.parametrize("name", ["onehand10k", "freihand", "panoptic"])
def test_hand_ground_truth_pck_one(shared, name):
    ds = ev.load_keypoint_set(*hand_set(shared, name))
    assert ds.kind == "hand"
    gt = ev.ground_truth_poses(ds)
    m, _ = ev.evaluate(None, ds, predictions=gt, topology_names=ds.keypoint_names)
    assert m["PCK@0.1"] == 1.0 and m["PCK@0.2"] == 1.0 and m["mean_px_error"] == 0.0
    assert m["hands_matched"] == m["hands"] == len(ds.coco.getAnnIds())
    for frame in gt.values():
        side = np.maximum(frame.boxes[:, 2] - frame.boxes[:, 0], frame.boxes[:, 3] - frame.boxes[:, 1])
        frame.xy[..., 1] += 0.15 * side[:, None]
    m, _ = ev.evaluate(None, ds, predictions=gt, topology_names=ds.keypoint_names)
    assert m["PCK@0.1"] < 0.5 and m["PCK@0.2"] > 0.5 and m["mean_px_error"] > 1


def test_keypoint_map_by_name_drops_derived_neck():
    from jetson_pose_ros.core.topology import load_topology

    coco17 = load_topology("human_pose.json").keypoints[:17]
    body18 = load_topology("human_pose.json").keypoints
    assert list(ev.keypoint_map(coco17, body18, "body")) == list(range(17))      # neck (17) unused
    blaze = load_topology("blazepose_pose.json").keypoints
    m = ev.keypoint_map(coco17, blaze, "body")
    assert [blaze[i] for i in m] == coco17
    with pytest.raises(Exception, match="21"):
        ev.keypoint_map(["k"] * 21, body18, "hand")


# ------------------------------------------------------------------ real networks
def test_eval_mobilenet_body_on_coco_dev(coco, tmp_path):
    res = command("eval", str(coco[0]), str(coco[1]), "--network", "mobilenet-body", "--no-progress",
                  "--results", str(tmp_path / "r.json"), "--summary", str(tmp_path / "s.json"))
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    m = summary["metrics"]
    assert summary["kind"] == "body" and m["images"] == 19
    assert 0.33 <= m["AP"] <= 0.6, m                        # measured 0.369 (432x368, threshold 0.15)
    assert m["AP50"] >= 0.55 and m["AR"] >= 0.35, m
    results = json.loads((tmp_path / "r.json").read_text())
    assert len(results) == m["detections"] >= 30
    ids = {img["id"] for img in json.loads(coco[0].read_text())["images"]}
    for r in results:
        assert r["image_id"] in ids and r["category_id"] == 1 and len(r["keypoints"]) == 51
        kp = np.array(r["keypoints"]).reshape(17, 3)
        assert ((kp[:, 2] == 0) == (kp[:, :2] == 0).all(axis=1)).all()   # missing = 0,0,0
    assert f"AP {m['AP']:.3f}" in res.stdout


def test_eval_mediapipe_hand_pck(shared, tmp_path):
    ann, images = hand_set(shared, "onehand10k")
    res = command("eval", str(ann), str(images), "--network", "mediapipe-hand", "--no-progress",
                  "--summary", str(tmp_path / "s.json"))
    assert res.returncode == 0, res.stderr
    m = json.loads((tmp_path / "s.json").read_text())["metrics"]
    assert m["PCK@0.2"] >= 0.9 and 0.8 <= m["PCK@0.1"] <= m["PCK@0.2"], m      # measured 1.000 / 0.952
    assert m["hands_matched"] == 4 and 0 < m["mean_px_error"] < 20, m            # measured 9.9 px
    assert "PCK@0.2" in res.stdout


def test_eval_max_images_and_hand_default_network(shared, tmp_path):
    ann, images = hand_set(shared, "freihand")
    res = command("eval", str(ann), str(images), "--max-images", "2", "--no-progress",
                  "--summary", str(tmp_path / "s.json"))
    assert res.returncode == 0, res.stderr
    s = json.loads((tmp_path / "s.json").read_text())
    assert s["network"] == "mediapipe-hand" and s["metrics"]["images"] == 2 and s["metrics"]["hands"] == 2


# ------------------------------------------------------------------ bad input
def test_eval_bad_input(coco, shared, tmp_path):
    ann, images = coco
    assert_one_line_error(command("eval", str(tmp_path / "none.json"), str(images)), "not found")
    assert_one_line_error(command("eval", str(ann), str(tmp_path / "nodir")), "not found")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert_one_line_error(command("eval", str(bad), str(images)), "not a JSON file")
    bad.write_text(json.dumps([1, 2, 3]))
    assert_one_line_error(command("eval", str(bad), str(images)), "not a COCO annotation file")
    data = json.loads(ann.read_text())
    data["annotations"][0]["keypoints"] = data["annotations"][0]["keypoints"][:30]
    bad.write_text(json.dumps(data))
    assert_one_line_error(command("eval", str(bad), str(images)), "keypoint values")
    data = json.loads(ann.read_text())
    data["images"][0]["file_name"] = "missing.jpg"
    bad.write_text(json.dumps(data))
    assert_one_line_error(command("eval", str(bad), str(images), "--network", "mobilenet-body"),
                          "missing.jpg")
    assert_one_line_error(command("eval", str(ann), str(images), "--network", "no-such-net"), "unknown network")
    assert_one_line_error(command("eval", str(ann), str(images), "--scales", "0.5,9"), "scales")
    assert_one_line_error(command("eval", str(ann), str(images), "--preset", "fast", "--network", "mobilenet-body"),
                          "preset 'fast' is for network 'movenet-body'")
    assert_one_line_error(command("eval", str(ann), str(images), "--kind", "hand"), "17 keypoints")
    hann, himages = hand_set(shared, "onehand10k")
    assert_one_line_error(command("eval", str(hann), str(himages), "--network", "mobilenet-body"),
                          "needs 21")
    res = command("eval", str(ann), str(images), "--input-size", "big")
    assert res.returncode == 2 and "WIDTHxHEIGHT" in res.stderr and "Traceback" not in res.stderr
    res = command("eval", str(ann))
    assert res.returncode == 2 and "usage" in res.stderr


def test_bench_one_network_json(tmp_path, images):
    out = tmp_path / "b.json"
    res = command("bench", "--network", "mobilenet-body", "--repeat", "1", "--warmup", "1", "--max-images", "2",
                  "--images", str(images), "--input-size", "320x256", "--threads", "1", "--json", str(out),
                  "--no-progress")
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text())
    assert doc["images"] == ["humans_0.jpg", "humans_1.jpg"] and doc["batch"] == 1
    (r,) = doc["results"]
    assert r["config"]["network"] == "mobilenet-body" and r["config"]["threads"] == 1
    assert r["config"]["input_size"] == [320, 256]
    stages = r["stages_ms"]
    assert set(stages) == {"read", "preprocess", "inference", "decode", "overlay", "total"}
    for s in ("read", "preprocess", "inference", "decode", "overlay"):
        assert set(stages[s]) == {"median", "p10", "p90", "mean"} and stages[s]["median"] > 0, (s, stages)
    assert stages["total"]["median"] == pytest.approx(sum(stages[s]["median"] for s in
                                                          ("read", "preprocess", "inference", "decode",
                                                           "overlay")))
    assert r["fps"] == pytest.approx(1000 / stages["total"]["median"])
    assert r["pre_decode_pct_of_inference"] > 0 and r["peak_rss_mb"] > 50 and r["mean_poses_per_frame"] >= 1
    assert len(r["runs_ms"]) == 1
    assert "mobilenet-body" in res.stdout and "pre+decode/inf" in res.stdout


def test_bench_bad_input(tmp_path, images):
    assert_one_line_error(command("bench", "--network", "no-such-net", "--images", str(images)), "unknown network")
    assert_one_line_error(command("bench", "--network", "mobilenet-body", "--batch", "4", "--images", str(images)),
                          "only batch 1")
    assert_one_line_error(command("bench", "--network", "mobilenet-body", "--images", str(tmp_path / "nodir")),
                          "not found")
    assert_one_line_error(command("bench", "--network", "mobilenet-body", "--images", str(tmp_path)), "no images")
    res = command("bench", "--repeat", "0")
    assert res.returncode == 2 and "--repeat" in res.stderr and "Traceback" not in res.stderr
    res = command("bench", "--threads", "two")
    assert res.returncode == 2 and "--threads" in res.stderr
