#!/usr/bin/env bash
# The main job on real sample media:
#  1. `posenet` CLI on the jetson-inference sample photos and a street video -> out/ (overlays + JSON)
#  2. ROS 2: image_publisher -> posenet_node -> pose_echo on the same photos (if the workspace is built)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
export VENV=${VENV:-$REPO/.venv}
SHARED=${SHARED:-$(cd "$REPO/.." && pwd)/shared}
export MODEL_MIRROR=${MODEL_MIRROR:-$SHARED/models}
export JETSON_POSE_MODELS=${JETSON_POSE_MODELS:-$REPO/.models}
PY="$VENV/bin/python"
mkdir -p out

[ -d "$MODEL_MIRROR" ] || unset MODEL_MIRROR          # no mirror: models from their public packages
export DEMO_IMAGES="$SHARED/data/jetson_inference/images/humans_*.jpg"
if [ ! -d "$SHARED/data/jetson_inference/images" ]; then
  echo "== no sample media in $SHARED/data: fetching demo photos (posenet-models samples out/samples)"
  "$PY" -m jetson_pose_ros.cli.models samples out/samples
  export DEMO_IMAGES="$REPO/out/samples/*.jpg"
fi

echo "== posenet on $DEMO_IMAGES -> out/humans_%i.jpg, out/humans.jsonl"
"$PY" -m jetson_pose_ros.cli.posenet "$DEMO_IMAGES" "out/humans_%i.jpg" --json out/humans.jsonl --no-progress
if [ -f "$SHARED/data/video/mmpose_demo.mp4" ]; then
  echo "== posenet on $SHARED/data/video/mmpose_demo.mp4 -> out/mmpose_demo_pose.mp4"
  "$PY" -m jetson_pose_ros.cli.posenet "$SHARED/data/video/mmpose_demo.mp4" out/mmpose_demo_pose.mp4 \
      --json out/mmpose_demo.jsonl --no-progress
else
  echo "== no sample video in $SHARED/data: run your own with  posenet VIDEO.mp4 out.mp4  (or a camera: posenet /dev/video0 http://@:8080/)"
fi

if [ -f "$REPO/scripts/ros_demo.sh" ] && [ -d "$REPO/install" ]; then
  bash "$REPO/scripts/ros_demo.sh"
fi
echo "== demo outputs in $REPO/out"
