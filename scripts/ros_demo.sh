#!/usr/bin/env bash
# ROS 2 demo without a camera: image_publisher -> posenet_node -> pose_echo on the jetson-inference
# sample photos (real rclpy/DDS, three processes).  The poses are also written to out/ros_poses.jsonl.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
SHARED=${SHARED:-$(cd "$REPO/.." && pwd)/shared}
set +u
# shellcheck disable=SC1091
source "$REPO/scripts/ros_env.sh"
set -u
export ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-42} ROS_AUTOMATIC_DISCOVERY_RANGE=${ROS_AUTOMATIC_DISCOVERY_RANGE:-LOCALHOST}
mkdir -p out
FRAMES=${FRAMES:-6}

IMAGES=${DEMO_IMAGES:-$SHARED/data/jetson_inference/images/humans_*.jpg}
echo "== ROS 2: image_publisher -> posenet_node -> pose_echo ($FRAMES frames of $IMAGES)"
# reliable input: a frame written before the node's side of discovery completed is re-sent, not lost
posenet_node --ros-args -p network:=mobilenet-body -p num_threads:=2 -p track:=true -p qos_reliability:=reliable &
NODE=$!
stop_node() {
  kill -TERM "$NODE" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$NODE" 2>/dev/null || { wait "$NODE" 2>/dev/null || true; return 0; }; sleep 0.1; done
  echo "posenet_node did not stop within 10 s of SIGTERM; killing it" >&2
  kill -KILL "$NODE" 2>/dev/null || true
}
trap stop_node EXIT
# image_publisher waits for the node's subscription (its first start on a machine times the auto candidates,
# which can take minutes on a loaded one; and --settle s before the first frame and after
# the last), so every frame arrives: the echo waits for all of them
pose_echo --count "$FRAMES" --timeout 300 --json out/ros_poses.jsonl &
ECHO=$!
sleep 2
image_publisher "$IMAGES" --loop --rate 1 --count "$FRAMES" \
    --frame-id demo_camera --wait 240 --quiet
wait $ECHO
echo "== $(wc -l < out/ros_poses.jsonl) Pose2DArray message(s) written to out/ros_poses.jsonl"
