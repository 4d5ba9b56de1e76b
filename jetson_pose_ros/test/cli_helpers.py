"""Running the package's commands from tests (a subprocess importing this checkout) and checking
that a failure is one clear line."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import PKG_DIR

HUMAN_POSE = PKG_DIR / "jetson_pose_ros" / "models" / "human_pose.json"
POSENET = "jetson_pose_ros.cli.posenet"


def child_env(env: dict | None = None, drop: tuple[str, ...] = ()) -> dict:
    e = dict(os.environ, PYTHONPATH=str(PKG_DIR) + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {}))
    for name in drop:
        e.pop(name, None)
    return e


def run_module(module: str, *args, env: dict | None = None, drop: tuple[str, ...] = (), timeout=300):
    """``python -m module args`` with this checkout first on the path (text output captured)."""
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          env=child_env(env, drop), timeout=timeout)


def posenet(*args, env: dict | None = None, timeout=300):
    """The ``posenet`` command, without its progress bar."""
    return run_module(POSENET, "--no-progress", *args, env=env, timeout=timeout)


def run_cli(module: str, *args, timeout=300):
    """``module`` run as ``__main__`` in a child that reports its peak memory (``MAXRSS_KB`` on stderr)."""
    return subprocess.run([sys.executable, "-c", "import resource, runpy, sys; sys.argv[0] = 'x';"
                           f"code = 0\ntry:\n    runpy.run_module('{module}', run_name='__main__')\n"
                           "except SystemExit as e:\n    code = e.code or 0\n"
                           # VmHWM, not ru_maxrss: that one keeps the peak of the pytest process it came from
                           "hwm = [ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM:')]\n"
                           "print('MAXRSS_KB', hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
                           " file=sys.stderr)\n"
                           "sys.exit(code)", *args], capture_output=True, text=True, env=child_env(), timeout=timeout)


def max_rss_mb(res) -> float:
    line = [ln for ln in res.stderr.splitlines() if ln.startswith("MAXRSS_KB")][-1]
    return int(line.split()[1]) / 1024


def one_line_error(res, *words, code=None):
    """Failed (with ``code`` when given), no traceback, an error line, and every word in stderr."""
    assert "Traceback" not in res.stderr, res.stderr
    assert res.returncode != 0 if code is None else res.returncode == code, (res.returncode, res.stderr)
    lines = [ln for ln in res.stderr.splitlines() if "error" in ln.lower()]
    assert lines, res.stderr
    for w in words:
        assert w in res.stderr, res.stderr
