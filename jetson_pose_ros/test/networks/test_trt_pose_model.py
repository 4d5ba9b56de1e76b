"""The trt_pose / jetson-inference tensor interface (``resnet18-body``: input ``input``
1x3x224x224 RGB ImageNet-normalised, NCHW ``cmap`` 18 + ``paf`` 42 channels) on real
photos, with a model built by ``tools/make_trt_pose_model.py`` from the mirror's
mobilenet-body network by ONNX graph surgery (NVIDIA's weights are not downloadable here)."""
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from jetson_pose_ros import PoseNet
from test_posenet_images import PEOPLE, inside

onnx = pytest.importorskip("onnx", reason="the graph-surgery tool needs the onnx package (requirements.txt)")
from conftest import REPO  # noqa: E402
TOOL = REPO / "tools" / "make_trt_pose_model.py"


@pytest.fixture(scope="module")
def trt_model(tmp_path_factory, images):
    out = tmp_path_factory.mktemp("trt") / "mobilenet_thin_trt_pose.onnx"
    res = subprocess.run([sys.executable, str(TOOL), "--output", str(out), "--check-image",
                          str(images / "humans_1.jpg")], capture_output=True, text=True, env=dict(os.environ),
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert "left_hip-right_hip, left_eye-right_eye" in res.stdout     # the two links mobilenet lacks
    return out


def test_built_model_has_jetson_inference_interface(trt_model):
    m = onnx.load(str(trt_model))
    dims = {v.name: [d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim]
            for v in list(m.graph.input) + list(m.graph.output)}
    assert [i.name for i in m.graph.input] == ["input"] and dims["input"] == [1, 3, 224, 224]
    assert [o.name for o in m.graph.output] == ["cmap", "paf"]
    assert dims["cmap"][:2] == [1, 18] and dims["paf"][:2] == [1, 42]


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_resnet18_body_layout_on_real_photos(trt_model, images, name):
    net = PoseNet("resnet18-body", model=str(trt_model))
    assert net.model.layout.links[0].paf_y == 0 and net.model.layout.links[0].paf_x == 1   # 2k = y
    img = cv2.imread(str(images / name))
    poses = net.process(img, overlay="none")
    boxes = PEOPLE[name]
    counts = np.array([[sum(inside(k, b) for k in p.keypoints) for p in poses] for b in boxes])
    rows, cols = linear_sum_assignment(counts, maximize=True)
    good = [(r, c) for r, c in zip(rows, cols) if counts[r, c] >= 10 and counts[r, c] >= 0.9 * len(poses[c].keypoints)]
    # at 224x224 (jetson-inference's size; measured: 4 of 5 people with >= 10 keypoints on
    # them, 3 of them without keypoints spilling onto the neighbours, who stand close)
    assert len(good) >= 3, (name, counts[rows, cols])
    assert sum(counts[r, c] >= 10 for r, c in zip(rows, cols)) >= 4, (name, counts[rows, cols])
    for pose in poses:
        for kp in pose.keypoints:
            assert 0 <= kp.x <= img.shape[1] and 0 <= kp.y <= img.shape[0]


def test_trt_layout_agrees_with_source_network(trt_model, images):
    """Same image through both interfaces: the same people, keypoints within a few pixels
    (the source stretched to 224x224 like the trt_pose model)."""
    img = cv2.imread(str(images / "humans_4.jpg"))
    trt = PoseNet("resnet18-body", model=str(trt_model)).process(img.copy(), overlay=None)
    src = PoseNet("mobilenet-body")
    src.model.input = type(src.model.input)(**{**src.model.input.__dict__, "resize": "stretch", "multiple": 1,
                                                "size": (224, 224)})
    ref = src.process(img.copy(), overlay=None)
    assert abs(len(trt) - len(ref)) <= 1 and len(trt) >= 4
    diffs = []
    for p in trt:
        pts = {k.name: (k.x, k.y) for k in p.keypoints}
        best = max(ref, key=lambda q: sum(k.name in pts for k in q.keypoints
                                          if np.hypot(k.x - pts.get(k.name, (1e9, 0))[0],
                                                      k.y - pts.get(k.name, (0, 1e9))[1]) < 5))
        diffs += [np.hypot(k.x - pts[k.name][0], k.y - pts[k.name][1]) for k in best.keypoints if k.name in pts]
    assert np.median(diffs) < 1.0, np.percentile(diffs, [50, 90])
