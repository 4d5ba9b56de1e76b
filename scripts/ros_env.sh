# Source me (bash): activates the virtual environment with the ROS 2 Kilted wheels and the colcon
# workspace built by scripts/setup_ros.sh, so that `import rclpy, jetson_pose_msgs.msg` works and
# posenet_node, image_publisher, pose_echo (and posenet, posenet-eval, posenet-bench) are on PATH.
#
#   source scripts/ros_env.sh
#
# VENV overrides the virtual environment (default: <repo>/.venv).
_jpr_repo=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
_jpr_venv=${VENV:-$_jpr_repo/.venv}
_jpr_nounset=0
case $- in *u*) _jpr_nounset=1; set +u ;; esac

if [ ! -f "$_jpr_venv/bin/activate" ]; then
    echo "ros_env.sh: no virtual environment at $_jpr_venv; run: bash scripts/setup_ros.sh" >&2
elif [ ! -f "$_jpr_repo/install/setup.bash" ]; then
    echo "ros_env.sh: workspace not built ($_jpr_repo/install/setup.bash missing); run: bash scripts/setup_ros.sh" >&2
else
    # shellcheck disable=SC1091
    . "$_jpr_venv/bin/activate"
    # the venv is the ROS prefix of the PyPI wheels ($VIRTUAL_ENV/share/<pkg>, $VIRTUAL_ENV/lib)
    case ":${AMENT_PREFIX_PATH:-}:" in
        *":$_jpr_venv:"*) ;;
        *) export AMENT_PREFIX_PATH="$_jpr_venv${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}" ;;
    esac
    # shellcheck disable=SC1091
    . "$_jpr_repo/install/setup.bash"
    # the model directory filled by scripts/setup.sh, and the shared mirror beside the repository
    export JETSON_POSE_MODELS="${JETSON_POSE_MODELS:-$_jpr_repo/.models}"
    if [ -z "${MODEL_MIRROR:-}" ] && [ -d "$_jpr_repo/../shared/models" ]; then
        MODEL_MIRROR=$(cd "$_jpr_repo/../shared/models" && pwd); export MODEL_MIRROR
    fi
    # colcon puts ament_python executables in lib/<package> (for `ros2 run`); put them on PATH too
    case ":$PATH:" in
        *":$_jpr_repo/install/jetson_pose_ros/lib/jetson_pose_ros:"*) ;;
        *) export PATH="$_jpr_repo/install/jetson_pose_ros/lib/jetson_pose_ros:$PATH" ;;
    esac
    # (install/setup.bash also set FASTDDS_DEFAULT_PROFILES_FILE to the package's large-image Fast DDS
    # profile unless a profile was already chosen: jetson_pose_ros' environment hook, hook/*.dsv)
fi
[ "$_jpr_nounset" = 1 ] && set -u
unset _jpr_repo _jpr_venv _jpr_nounset
