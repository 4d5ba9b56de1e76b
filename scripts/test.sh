#!/usr/bin/env bash
# Runs the whole test suite (core, CLI, networks, video, ROS 2 integration) with pytest.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
export VENV=${VENV:-$REPO/.venv}
export MODEL_MIRROR=${MODEL_MIRROR:-$(cd "$REPO/.." && pwd)/shared/models}
export JETSON_POSE_MODELS=${JETSON_POSE_MODELS:-$REPO/.models}
if [ -f "$REPO/scripts/ros_env.sh" ] && [ -d "$REPO/install" ]; then
  # shellcheck disable=SC1091
  set +u; source "$REPO/scripts/ros_env.sh"; set -u
fi
# launch_testing registers pytest plugins that change logging for every run: unit tests run without them
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider -p no:launch_testing -p no:launch_ros "$REPO/jetson_pose_ros/test" "$@"
