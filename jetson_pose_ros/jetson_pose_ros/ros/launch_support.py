"""What the launch files (``launch/*.launch.py``) share: the launch arguments that set node
parameters, the rviz configuration for a namespace, and where the sample photos are.

Kept free of ``launch`` imports so that it can be unit-tested without the launch packages.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from ..core.errors import PoseNetError
from ..core.options import OPTIONS
from ..core.parsing import parse_bool

PACKAGE = "jetson_pose_ros"
NODE_NAME = "posenet"

# the node parameters that a launch argument of the same name sets.  An empty value (the default)
# keeps the parameters file's value; anything else overrides it.  Types come from the options table;
# the launch tests check every row against the live parameters of the started node.
LAUNCH_PARAMETERS = ("network", "lazy", "threshold", "pose_threshold", "overlay", "input_compressed",
                     "qos_reliability", "output_reliability", "overlay_reliability", "track", "smooth",
                     "gestures", "gesture_debounce", "hri", "autostart",
                     # people in 3D (ros/depth3d.py)
                     "depth_topic", "camera_info_topic", "depth_window", "min_depth", "max_depth",
                     "sync_slop", "target_frame")
# launch argument -> (node parameter, type name)
PARAMETER_ARGUMENTS: dict[str, tuple[str, str]] = {
    name: (name, OPTIONS[name].type.__name__) for name in LAUNCH_PARAMETERS}


def cast(value: str, kind: str):
    """A launch argument's text as the parameter's type (ValueError with the reason if it is not)."""
    if kind == "str":
        return value
    if kind == "bool":
        try:
            if value.strip():
                return parse_bool(value, "value")
        except PoseNetError:
            pass
        raise ValueError(f"expected true or false, got {value!r}")
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    raise ValueError(f"unknown kind {kind}")


def parameter_overrides(values: dict[str, str]) -> dict:
    """Node parameters from launch argument values (name -> text); empty values are left out."""
    out = {}
    for argument, (parameter, kind) in PARAMETER_ARGUMENTS.items():
        text = values.get(argument, "")
        if text != "":
            try:
                out[parameter] = cast(text, kind)
            except ValueError as err:
                raise ValueError(f"launch argument {argument}:={text}: {err}") from None
    return out


def resolve_topic(namespace: str, name: str) -> str:
    """The absolute name of relative topic ``name`` of a node in ``namespace``."""
    ns = "/" + namespace.strip("/") if namespace.strip("/") else ""
    return f"{ns}/{name}"


def rviz_config_text(template: str, namespace: str) -> str:
    """The rviz config ``template`` with its ``/overlay`` and ``/markers`` topics moved into
    ``namespace`` (the node's topics are relative, so they follow the namespace)."""
    def repl(m: re.Match) -> str:
        return f"{m.group(1)}{resolve_topic(namespace, m.group(2))}"

    return re.sub(r"^(\s*Value: )/(overlay|markers)\s*$", repl, template, flags=re.MULTILINE)


def write_rviz_config(template_path: str | os.PathLike, namespace: str) -> str:
    """Write the namespaced rviz config to a temporary file and return its path."""
    text = rviz_config_text(Path(template_path).read_text(), namespace)
    fd, path = tempfile.mkstemp(prefix="posenet_", suffix=".rviz")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def rviz2_available() -> bool:
    """True when the rviz2 package is installed (ament index) or an ``rviz2`` executable is on PATH."""
    if shutil.which("rviz2"):
        return True
    try:
        from ament_index_python.packages import PackageNotFoundError, get_package_prefix
    except ImportError:
        return False
    try:
        get_package_prefix("rviz2")
        return True
    except PackageNotFoundError:
        return False


RVIZ_MISSING = ("rviz:=true, but rviz2 is not installed (on a ROS 2 distribution: apt install "
                "ros-$ROS_DISTRO-rviz2); posenet runs without it")


def sample_images() -> str:
    """The jetson-inference sample photos for the demo: $JETSON_POSE_SHARED/data/jetson_inference/images,
    or shared/ beside the source checkout this module runs from; "" when not found."""
    here = Path(os.path.realpath(__file__))
    candidates = [os.environ.get("JETSON_POSE_SHARED")]
    candidates += [str(p / "shared") for p in list(here.parents)[:5]]
    for cand in candidates:
        if cand and (Path(cand) / "data" / "jetson_inference" / "images").is_dir():
            return str(Path(cand) / "data" / "jetson_inference" / "images")
    return ""
