#!/usr/bin/env bash
# Install ROS 2 Kilted from PyPI wheels (with everything else of the project's lock,
# requirements/lock-py311.txt) into a virtual environment and build the colcon workspace
# (jetson_pose_msgs + jetson_pose_ros) into $REPO/build and $REPO/install.
#
#   bash scripts/setup_ros.sh            # idempotent, non-interactive; re-run after changing messages
#   source scripts/ros_env.sh            # then: posenet_node, image_publisher, pose_echo, pytest ...
#
# Environment:
#   VENV=/path/to/venv     virtual environment to use/create (default: $REPO/.venv)
#   PYTHON=python3.11      interpreter used to create it (the ROS wheels are built for CPython 3.11)
#   ROS_SETUP_SKIP_PIP=1   do not install the lock (scripts/setup.sh did); only the ROS 2 extras (if missing)
#                          and the workspace
#   ROS2_EXTRAS=DIR        launch, launch_ros, launch_testing, the `ros2` command, vision_msgs, tf2_msgs,
#                          hri_msgs ... built from
#                          their public sources (PyPI has no wheels of them); default: ../shared/ros2-extras
#                          beside the repository.  Installed only where the ROS installation lacks them
#                          (a distribution install, e.g. apt's ros-kilted-*, already has them).
#   COLCON_EXTRA_ARGS=...  extra arguments for `colcon build`
#
# On a full ROS 2 installation none of this is needed: `colcon build` + `source install/setup.bash`.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$REPO/.venv}
PYTHON=${PYTHON:-}
start=$(date +%s.%N)
log() { printf '[setup_ros] %s\n' "$*"; }
die() { printf '[setup_ros] ERROR: %s\n' "$*" >&2; exit 1; }
# per-step times for scripts/setup.sh's summary ("<seconds> <own|excluded> <step>" lines in $SETUP_TIMES)
ts=$(date +%s.%N)
step_done() {
    local t; t=$(date +%s.%N)
    log "$3: $(awk "BEGIN {printf \"%.1f\", $t - $ts}") s"
    [[ -z "${SETUP_TIMES:-}" ]] || echo "$(awk "BEGIN {printf \"%.1f\", $t - $ts}") $2 $3" >> "$SETUP_TIMES"
    ts=$t
}

# ----------------------------------------------------------------------------- locked packages
# The ROS 2 Kilted wheels, colcon, the project's Python dependencies, Cython and setuptools < 80 (`setup.py
# develop`, i.e. colcon --symlink-install of ament_python packages, needs it) are all in the lock
# (requirements/project.in -> requirements/lock-py311.txt); install_lock.sh creates the venv (Python 3.11)
# if needed and installs the lock with its hashes.
if [[ "${ROS_SETUP_SKIP_PIP:-0}" != 1 ]]; then
    log "locked packages (ROS 2 Kilted wheels, colcon, python dependencies) -> $VENV"
    VENV="$VENV" PYTHON="$PYTHON" bash "$REPO/scripts/install_lock.sh"
fi
[[ -x "$VENV/bin/python" ]] || die "no virtual environment at $VENV (run without ROS_SETUP_SKIP_PIP=1, or scripts/setup.sh)"
PY="$VENV/bin/python"
"$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || die "$VENV uses Python $("$PY" -c 'import sys; print(sys.version.split()[0])'); the ros-kilted-* wheels need 3.11"

# ----------------------------------------------------------------------------- build tools
export PATH="$VENV/bin:$PATH"
if ! command -v cmake >/dev/null; then
    log "cmake not found: pip install cmake"
    "$PY" -m pip install --disable-pip-version-check -q cmake
fi
if ! command -v c++ >/dev/null && ! command -v g++ >/dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        log "C++ compiler not found: apt-get install g++ make"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ make >/dev/null
    else
        die "a C++ compiler (g++) is needed to build jetson_pose_msgs"
    fi
fi

# ----------------------------------------------------------------------------- ROS 2 extras
# `ros2 launch`, the `ros2` CLI verbs, launch_testing and the interface packages vision_msgs,
# composition_interfaces, tf2_msgs and hri_msgs are not on PyPI.  Detect them (an apt/distro installation
# has them); install them from ROS2_EXTRAS where any is missing: an environment set up with an older
# extras set (without tf2_msgs and hri_msgs) gets them all again (install.sh rebuilds every package).
step_done x own "cmake, g++ check"
# (message classes, not just the modules: a folder left behind imports as an empty namespace package)
EXTRAS_CHECK='import launch, launch_ros, launch_testing, launch_testing_ros, ros2cli, ros2launch, ros2topic, ros2param, ros2lifecycle, rosidl_runtime_py
from vision_msgs.msg import Detection2D
from composition_interfaces.srv import LoadNode
from tf2_msgs.msg import TFMessage
from hri_msgs.msg import Skeleton2D'
ROS2_EXTRAS=${ROS2_EXTRAS:-$(cd "$REPO/.." && pwd)/shared/ros2-extras}
if "$PY" -c "$EXTRAS_CHECK" >/dev/null 2>&1 && { [[ -x "$VENV/bin/ros2" ]] || command -v ros2 >/dev/null; }; then
    log "ROS 2 extras (launch, ros2 CLI, launch_testing, vision_msgs, composition_interfaces, tf2_msgs, hri_msgs) already installed"
elif [[ -f "$ROS2_EXTRAS/install.sh" ]]; then
    mkdir -p "$REPO/build"
    log "installing the ROS 2 extras from $ROS2_EXTRAS (offline, about a minute)"
    bash "$ROS2_EXTRAS/install.sh" "$ROS2_EXTRAS" "$VENV" > "$REPO/build/ros2_extras_install.log" 2>&1 \
        || { tail -n 40 "$REPO/build/ros2_extras_install.log" >&2; die "installing the ROS 2 extras failed (log: build/ros2_extras_install.log)"; }
    "$PY" -c "$EXTRAS_CHECK" || die "the ROS 2 extras do not import after installing them"
else
    log "WARNING: launch / ros2 CLI / vision_msgs / tf2_msgs / hri_msgs missing and no extras at $ROS2_EXTRAS" \
        "(set ROS2_EXTRAS=DIR): ros2 launch, the launch tests and the detections topic will not be available"
fi
step_done x excluded "ROS 2 extras ($ROS2_EXTRAS/install.sh, when missing)"

# ----------------------------------------------------------------------------- wheel include-path fix
# The wheels' exported CMake targets (e.g. std_msgs::std_msgs__rosidl_generator_py) carry the include
# directories of the machine they were built on: /opt/python/cp311-cp311/include/python3.11 and
# .../site-packages/numpy/_core/include.  Instead of creating those paths, a CMake snippet passed as
# CMAKE_PROJECT_INCLUDE rewrites them to this interpreter's at the end of the configure step
# (cmake_language(DEFER)), so the packages' own CMakeLists.txt stay standard.
FIX_DIR="$REPO/build/.ros_wheel_fix"
FIX="$FIX_DIR/wheel_include_fix.cmake"
mkdir -p "$FIX_DIR"
"$PY" - "$FIX" <<'EOF'
import os, sys, sysconfig
import numpy
out = sys.argv[1]
tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
ver = f"{sys.version_info[0]}.{sys.version_info[1]}"
py_inc = sysconfig.get_paths()["include"]
if not os.path.isfile(os.path.join(py_inc, "Python.h")):
    sys.exit(f"[setup_ros] ERROR: {py_inc}/Python.h is missing: install the Python {ver} development headers")
bad = f"/opt/python/{tag}-{tag}"
pairs = [
    (f"{bad}/lib/python{ver}/site-packages/numpy/_core/include", numpy.get_include()),
    (f"{bad}/lib/python{ver}/site-packages/numpy/core/include", numpy.get_include()),
    (f"{bad}/include/python{ver}", py_inc),
]
replace = "\n".join(f'      string(REPLACE "{a}" "{b}" _inc "${{_inc}}")' for a, b in pairs)
text = f"""# generated by scripts/setup_ros.sh: rewrite the build-machine include paths of the ROS 2 PyPI wheels
if(NOT COMMAND _jetson_pose_fix_wheel_includes)
  function(_jetson_pose_fix_wheel_includes)
    get_property(_targets DIRECTORY "${{CMAKE_SOURCE_DIR}}" PROPERTY IMPORTED_TARGETS)
    foreach(_t IN LISTS _targets)
      get_target_property(_inc "${{_t}}" INTERFACE_INCLUDE_DIRECTORIES)
      if(_inc AND _inc MATCHES "{bad}")
{replace}
        set_target_properties("${{_t}}" PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${{_inc}}")
      endif()
    endforeach()
  endfunction()
endif()
get_property(_deferred DIRECTORY "${{CMAKE_SOURCE_DIR}}" PROPERTY _JETSON_POSE_FIX_DEFERRED)
if(NOT _deferred)
  set_property(DIRECTORY "${{CMAKE_SOURCE_DIR}}" PROPERTY _JETSON_POSE_FIX_DEFERRED TRUE)
  cmake_language(DEFER DIRECTORY "${{CMAKE_SOURCE_DIR}}" CALL _jetson_pose_fix_wheel_includes)
endif()
"""
with open(out, "w") as f:
    f.write(text)
EOF

# ----------------------------------------------------------------------------- colcon build
log "colcon build (jetson_pose_msgs, jetson_pose_ros) -> $REPO/install"
cd "$REPO"
# the venv is the ROS prefix of the wheels ($VENV/share/<pkg>, $VENV/lib)
export AMENT_PREFIX_PATH="$VENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
export CMAKE_PREFIX_PATH="$VENV${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
export COLCON_HOME="$REPO/build/.colcon_home"   # no user-level colcon defaults
mkdir -p "$COLCON_HOME"
# make -j<cores> without colcon's load-average limit (-l<cores>), which leaves the cores idle on a busy machine
export MAKEFLAGS=${MAKEFLAGS:--j$(nproc)}
# shellcheck disable=SC2086
if ! "$VENV/bin/colcon" build --base-paths jetson_pose_msgs jetson_pose_ros \
        --build-base build --install-base install --symlink-install \
        --event-handlers console_cohesion- console_direct- console_start_end+ status- \
        --cmake-args -DPython3_EXECUTABLE="$PY" -DBUILD_TESTING=OFF -DCMAKE_PROJECT_INCLUDE="$FIX" \
        ${COLCON_EXTRA_ARGS:-} > "$REPO/build/colcon_build.log" 2>&1; then
    tail -n 60 "$REPO/build/colcon_build.log" >&2
    die "colcon build failed (full log: build/colcon_build.log, log/latest_build)"
fi
step_done x own "colcon build (jetson_pose_msgs, jetson_pose_ros)"

# ----------------------------------------------------------------------------- check
# shellcheck disable=SC1091
source "$REPO/scripts/ros_env.sh"
python -c 'import rclpy, sensor_msgs.msg, visualization_msgs.msg, jetson_pose_msgs.msg, jetson_pose_ros.msgs.image_conversion' \
    || die "the built workspace does not import"
command -v posenet_node >/dev/null || die "posenet_node is not on PATH after sourcing scripts/ros_env.sh"
step_done x own "workspace import check"
end=$(date +%s.%N)
log "done in $("$PY" -c "print(f'{$end - $start:.1f}')") s; use it with: source scripts/ros_env.sh"
