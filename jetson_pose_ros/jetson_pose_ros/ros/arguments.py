"""Checks of the node's command line before ``rclpy.init``: rcl reports a missing or broken
``--params-file`` as a multi-line traceback that does not name the file; here it is one line
naming it (``PoseNetError``), and the node exits non-zero."""
from __future__ import annotations

from pathlib import Path

from ..core.errors import PoseNetError


def params_files(argv: list[str]) -> list[str]:
    """The ``--params-file FILE`` arguments inside ``--ros-args`` sections of ``argv``."""
    files, in_ros = [], False
    it = iter(argv)
    for arg in it:
        if arg == "--ros-args":
            in_ros = True
        elif arg == "--":
            in_ros = False
        elif in_ros and arg == "--params-file":
            files.append(next(it, ""))
    return files


def _has_parameters(node) -> bool:
    if not isinstance(node, dict):
        return False
    if "ros__parameters" in node:
        return isinstance(node["ros__parameters"], dict)
    return any(_has_parameters(v) for v in node.values())


def check_params_file(path: str) -> None:
    """One-line PoseNetError naming ``path`` if it is missing, unreadable, not YAML, or has no
    ``<node>: ros__parameters:`` mapping."""
    import yaml  # PyYAML comes with the ROS 2 wheels

    if not path:
        raise PoseNetError("--params-file needs a file name")
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PoseNetError(f"params file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PoseNetError(f"params file {path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PoseNetError(f"params file {path}: invalid YAML{where}: {problem}") from None
    if not _has_parameters(body):
        raise PoseNetError(f"params file {path}: expected '<node name>: ros__parameters: {{name: value}}' "
                           "(see config/posenet.yaml)")


def check_arguments(argv: list[str]) -> None:
    for path in params_files(argv):
        check_params_file(path)
