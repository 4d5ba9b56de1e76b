#!/usr/bin/env bash
# Build the peer environment for benchmarks/peers/compare.py (NOT used by CI).
#
#   benchmarks/peers/setup.sh            # venv in $PEERS_VENV (default ~/.cache/jetson_pose_ros/venvs/peers)
#
# It holds: mediapipe==0.10.21 (the legacy mp.solutions Pose / Hands), onnxruntime, openvino (our OpenVINO
# backend), ultralytics (its own YOLO predictor on the same ONNX file; pulls torch), pycocotools,
# and tf-pose 0.11.0's C++ PAF post-processing (pafprocess), built with SWIG from the PyPI sdist.
# tf-pose itself (TensorFlow 1.x) is not installable on Python 3.11: only its pafprocess
# extension is built; its TensorFlow-side steps are re-done in compare.py (see there).
set -euo pipefail
VENV="${PEERS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/jetson_pose_ros/venvs/peers}"
PY="${PYTHON:-python3.11}"
TFPOSE_SHA256=21fcb7996b95b86f361de19fac41e1f6ffff48ce96702bc12a3803324a05bcb9

[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q mediapipe==0.10.21 onnxruntime openvino ai-edge-litert ultralytics scipy imagesize tqdm pycocotools swig wheel setuptools "protobuf>=4.25.3,<5"
# mediapipe 0.10.21's solutions read FieldDescriptor.label, which protobuf 4.25.9's upb backend lacks
# ("'FieldDescriptor' object has no attribute 'label'"); onnxruntime 1.32 asks for >=4.25.8 but its
# inference API (all that runs here) works with 4.25.3
"$VENV/bin/pip" install -q --no-deps "protobuf==4.25.3"

build="$VENV/pafprocess"
if [ ! -f "$build/pafprocess.py" ]; then
    tmp="$(mktemp -d)"
    "$VENV/bin/pip" download -q --no-deps --no-binary :all: --no-build-isolation tf-pose==0.11.0 -d "$tmp"
    echo "$TFPOSE_SHA256  $tmp/tf_pose-0.11.0.tar.gz" | sha256sum -c -
    tar xzf "$tmp/tf_pose-0.11.0.tar.gz" -C "$tmp"
    mkdir -p "$build"
    cp "$tmp"/tf_pose-0.11.0/tf_pose/pafprocess/{pafprocess.i,numpy.i,pafprocess.cpp,pafprocess.h} "$build/"
    (
        cd "$build"
        PATH="$VENV/bin:$PATH" swig -python -c++ pafprocess.i
        np_inc="$("$VENV/bin/python" -c 'import numpy; print(numpy.get_include())')"
        py_inc="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
        ext="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
        # the sdist's numpy.i predates Python 3: map its two Python 2 calls
        g++ -O3 -shared -fPIC -DPyString_Check=PyUnicode_Check -DPyInt_Check=PyLong_Check \
            -I"$np_inc" -I"$py_inc" -I. pafprocess.cpp pafprocess_wrap.cxx -o "_pafprocess$ext"
    )
    rm -rf "$tmp"
fi
"$VENV/bin/python" -c "import sys; sys.path.insert(0, '$build'); import pafprocess, mediapipe; print('peers ready: mediapipe', mediapipe.__version__)"
