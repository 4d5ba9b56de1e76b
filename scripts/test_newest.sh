#!/usr/bin/env bash
# The tests on the NEWEST available versions of every dependency, ignoring the upper bounds of
# requirements.txt / requirements/project.in and the lock: finds a new major version (OpenCV 6, numpy 3,
# ...) before users do.  Not run by CI (its result changes with every release); run it by hand, e.g. before
# refreshing the lock (scripts/lock.sh -U).
#
#   bash scripts/test_newest.sh                 # all tests
#   bash scripts/test_newest.sh -x -k mediapipe # extra arguments go to pytest (scripts/test.sh)
#
# Works in a throw-away copy of this tree (tracked + untracked files, no build outputs) with its own venv,
# colcon workspace (ROS 2 extras from ROS2_EXTRAS, default ../shared/ros2-extras) and model directory, under
# NEWEST_DIR (default: a new temporary folder, removed at the end unless KEEP=1); this checkout's .venv,
# build/ and .models are not touched.  Kept as is: setuptools < 80 (colcon's `setup.py develop` needs it)
# and the ros-kilted-* wheels (one ROS distribution).  Prints the versions it got beside the lock's.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${JETSON_POSE_SHARED:-$(cd "$REPO/.." && pwd)/shared}
log() { printf '[test_newest] %s\n' "$*"; }
if [[ -n "${NEWEST_DIR:-}" ]]; then
    mkdir -p "$NEWEST_DIR"; WORK=$(cd "$NEWEST_DIR" && pwd)
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/jetson_pose_newest.XXXXXX")
    [[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$WORK"' EXIT
fi
COPY="$WORK/repo"; VENV="$WORK/venv"
ln -sfn "$SHARED" "$WORK/shared"     # ../shared beside the copy, as beside a clone
t0=$SECONDS

log "copy of $REPO -> $COPY"
rm -rf "$COPY"; mkdir -p "$COPY"
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$COPY" 2>/dev/null) || true

# the requirement names without their version bounds (kept: setuptools<80 and uv's pin, tools not libraries)
NEWEST_IN="$WORK/newest.in"
python3 - "$REPO" > "$NEWEST_IN" <<'PY'
import re, sys
from pathlib import Path
repo = Path(sys.argv[1])
keep = {"setuptools": "setuptools<80", "uv": None}
names = {}
for f in (repo / "requirements.txt", repo / "requirements" / "project.in"):
    for line in f.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name = re.match(r"[A-Za-z0-9_.\-]+(\[[^\]]*\])?", line).group(0)
        key = re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()
        if key in keep:
            if keep[key]:
                names[key] = keep[key]
            continue
        names[key] = name
print("\n".join(names.values()))
PY
log "newest versions of $(wc -l < "$NEWEST_IN") requirements (no upper bounds) -> $VENV"
UV="$REPO/.venv/bin/uv"; [[ -x "$UV" ]] || UV=uv
command -v "$UV" >/dev/null || { log "no uv (run scripts/setup.sh first, or pip install uv)"; exit 1; }
"$UV" venv --quiet --python python3.11 --seed "$VENV"
"$UV" pip install --quiet --python "$VENV/bin/python" --upgrade --resolution highest -r "$NEWEST_IN"
"$UV" pip install --quiet --python "$VENV/bin/python" --no-deps --no-build-isolation -e "$COPY/jetson_pose_ros"

log "versions: newest here / in the lock"
"$VENV/bin/python" - "$REPO/requirements/lock-py311.txt" <<'PY'
import re, sys
from importlib import metadata
lock = dict(re.findall(r"^([a-z0-9\-_.]+)==([^ \\]+)", open(sys.argv[1]).read(), re.M))
for name in ("numpy", "opencv-python-headless", "onnxruntime", "openvino", "ai-edge-litert", "scipy", "nncf",
             "onnx", "pytest", "hypothesis", "rosbags", "mcap", "pycocotools", "tqdm", "imagesize", "mkdocs",
             "mkdocs-material", "matplotlib", "cython"):
    try:
        v = metadata.version(name)
    except metadata.PackageNotFoundError:
        v = "-"
    mark = "" if v == lock.get(name) else "   <- newer than the lock" if name in lock else ""
    print(f"  {name:<24} {v:<14} {lock.get(name, '-'):<14}{mark}")
PY

export JETSON_POSE_SHARED="$SHARED" ROS2_EXTRAS=${ROS2_EXTRAS:-$SHARED/ros2-extras}
export MODEL_MIRROR=${MODEL_MIRROR:-$SHARED/models} JETSON_POSE_MODELS="$WORK/models"
log "ROS 2 extras + colcon workspace in the copy"
VENV="$VENV" ROS_SETUP_SKIP_PIP=1 bash "$COPY/scripts/setup_ros.sh"
"$VENV/bin/python" -m jetson_pose_ros.cli.models install --all > "$WORK/models_install.log" 2>&1 || true
log "set up in $((SECONDS - t0)) s; tests (int8 variants are built on first use)"
rc=0
VENV="$VENV" bash "$COPY/scripts/test.sh" "$@" || rc=$?
log "done in $((SECONDS - t0)) s: tests $([[ $rc == 0 ]] && echo passed || echo "FAILED (exit $rc)") on the newest versions"
exit "$rc"
