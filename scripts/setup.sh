#!/usr/bin/env bash
# One-command setup: virtual environment, core package, ROS 2 Kilted (PyPI wheels) + colcon
# workspace (+ launch, the ros2 CLI, launch_testing and vision_msgs from ROS2_EXTRAS, default
# ../shared/ros2-extras, where the ROS installation lacks them: see scripts/setup_ros.sh),
# system tools for video tests, model files (sha256-verified from MODEL_MIRROR; without a mirror,
# from the networks' original public packages on PyPI/npm), then the demo on real sample media
# (skip it with --no-demo).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
DEMO=1
for a in "$@"; do [ "$a" = "--no-demo" ] && DEMO=0; done
export VENV=${VENV:-$REPO/.venv}
export MODEL_MIRROR=${MODEL_MIRROR:-$(cd "$REPO/.." && pwd)/shared/models}
export JETSON_POSE_MODELS=${JETSON_POSE_MODELS:-$REPO/.models}
t0=$SECONDS

echo "== [1/5] Python environment ($VENV)"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r "$REPO/requirements.txt"
"$VENV/bin/python" -m pip install -q --no-deps -e "$REPO/jetson_pose_ros"

echo "== [2/5] system tools (ffmpeg, chromium) for video I/O"
if [ -f "$REPO/scripts/install_system_deps.sh" ]; then bash "$REPO/scripts/install_system_deps.sh"; fi

echo "== [3/5] ROS 2 Kilted wheels + colcon workspace"
if [ -f "$REPO/scripts/setup_ros.sh" ]; then bash "$REPO/scripts/setup_ros.sh"; fi

if [ -d "$MODEL_MIRROR" ]; then
  echo "== [4/5] model files (from ${MODEL_MIRROR}, verified by sha256, into $JETSON_POSE_MODELS)"
else
  echo "== [4/5] model files: no mirror at $MODEL_MIRROR; installing each network's original file from its public package (PyPI/npm, sha256-verified) into $JETSON_POSE_MODELS"
  unset MODEL_MIRROR
fi
"$VENV/bin/python" -m jetson_pose_ros.cli.models install --all
SHARED_DATA=${JETSON_POSE_SHARED:-$(cd "$REPO/.." && pwd)/shared}/data
if [ -n "${MODEL_MIRROR:-}" ] && [ -d "$SHARED_DATA" ]; then
  echo "== int8 variants (tools/quantize: NNCF, calibrated on images outside the evaluation sets)"
  "$VENV/bin/python" -m pip install -q -r "$REPO/tools/quantize/requirements.txt"
  "$VENV/bin/python" "$REPO/tools/quantize/quantize_int8.py" --install --quiet
else
  echo "== int8 variants: skipped (made from the mirror's ONNX files, calibrated on photos in $SHARED_DATA;" \
       "where both exist: tools/quantize/quantize_int8.py --install); the f32/bf16 backends need none"
fi

echo "== setup done in $((SECONDS - t0)) s"
if [ "$DEMO" = 1 ]; then
  echo "== [5/5] demo on real sample media"
  bash "$REPO/scripts/demo.sh"
fi
