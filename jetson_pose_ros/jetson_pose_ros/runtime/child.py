"""Jobs of an upper layer run in a child process, by module name: timing a candidate (``optimize.timing``)
and building an int8 variant (``optimize.int8_build``) load a whole network, which the runtime layer
does not import.  The child imports this same copy of the package."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])      # the folder holding this copy of the package


def child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = PACKAGE_ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def run_module(module: str, *args: str, stderr: bool = True, timeout: float | None = None):
    """``python -m module args``; returns the ``CompletedProcess`` (text, stdout captured; stderr too,
    unless ``stderr`` is false: then it goes where this process's goes, progress bars included)."""
    return subprocess.run([sys.executable, "-m", module, *args], env=child_env(), text=True, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE if stderr else None)
