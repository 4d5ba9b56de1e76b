"""The machine, the date, the command and the package versions of a result."""
from __future__ import annotations

import datetime
import os
import platform
import shlex
import subprocess
import sys
from importlib import metadata

PACKAGES = ("jetson_pose_ros", "numpy", "opencv-python-headless", "onnxruntime", "openvino", "scipy",
            "matplotlib", "ros-kilted-rclpy")


def cpu_model() -> str:
    """``lscpu``'s 'Model name' (else /proc/cpuinfo's 'model name', else the platform's)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10,
                             env={**os.environ, "LC_ALL": "C"}).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def describe(argv: list[str] | None = None) -> dict:
    """What a result file records beside its figures."""
    argv = sys.argv if argv is None else argv
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": "python " + shlex.join(["benchmarks/run.py", *argv[1:]]),
            "cpu": cpu_model(), "logical_cpus": os.cpu_count(),
            "load_average_1_5_15": [round(v, 2) for v in load], "versions": versions()}
