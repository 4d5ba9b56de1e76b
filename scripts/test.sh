#!/usr/bin/env bash
# Runs the test suite with pytest, in two runs:
#   1. unit and integration tests (core, CLI, networks, video, ROS 2 node with real rclpy), with the
#      launch_testing pytest plugins disabled (importing `launch` makes new Python loggers
#      non-propagating, which breaks caplog-based tests; see ../shared/ros2-extras/README.md);
#   2. launch tests (test/launch: `ros2 launch` of the package's launch files + the ros2 CLI), with them.
# Extra arguments go to both runs (e.g. -x, -k NAME).
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
PYTEST=("$VENV/bin/python" -m pytest -q -p no:cacheprovider)
TESTS="$REPO/jetson_pose_ros/test"
# -p no:X fails when plugin X is not installed: disable only those that are
NO_LAUNCH_PLUGINS=$("$VENV/bin/python" - <<'PY'
from importlib.metadata import entry_points
names = {ep.name for ep in entry_points(group="pytest11")}
print(" ".join(f"-p no:{n}" for n in ("launch_testing", "launch_ros") if n in names))
PY
)
rc=0
echo "== unit and integration tests"
# shellcheck disable=SC2086
"${PYTEST[@]}" $NO_LAUNCH_PLUGINS --ignore="$TESTS/launch" "$TESTS" "$@" || rc=$?
echo "== launch tests (ros2 launch + ros2 CLI)"
lrc=0
"${PYTEST[@]}" -rs "$TESTS/launch" "$@" || lrc=$?
# 5 = nothing collected: the launch tests skip themselves (with the reason above) where `ros2 launch`
# is not installed (no ROS 2 extras), or a -k filter selected none of them
if [ "$lrc" = 5 ]; then echo "== launch tests: none ran here (see the skip reason above)"; lrc=0; fi
[ "$rc" != 0 ] || rc=$lrc
exit "$rc"
