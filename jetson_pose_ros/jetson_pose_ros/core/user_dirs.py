"""Where the project keeps files per user: an environment variable, else a folder of the
user cache (``$XDG_CACHE_HOME``, default ``~/.cache``) under ``jetson_pose_ros/``."""
from __future__ import annotations

import os
from pathlib import Path


def user_dir(env_var: str, *parts: str) -> Path:
    """``$env_var`` if set, else ``<user cache>/jetson_pose_ros/<parts>``."""
    env = os.environ.get(env_var)
    if env:
        return Path(env).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache.joinpath("jetson_pose_ros", *parts)
