"""The benchmark cases, one module each, run by ``benchmarks/run.py``.

Each case module declares:

* ``TITLE``: one line, what it measures;
* ``TARGET``: the product target it checks ("" where it only reports);
* ``NEEDS``: what it needs besides the package: ``"shared_data"`` (../shared/data), ``"ros"``
  (rclpy, the messages and ``posenet_node`` on PATH: ``source scripts/ros_env.sh``);
* ``PARAMS``: its parameters and their defaults (a full run); ``QUICK``: the overrides of ``--quick``;
* ``run(params) -> dict``: the measurements (JSON types only);
* ``plot(result, fig)``: draws the result on a matplotlib ``Figure``.

Imports at the top of a case module stay light (the standard library, numpy, ``suite``), so that
``run.py --list`` imports every case anywhere; a case imports the package, OpenCV or rclpy inside
``run``.
"""
from __future__ import annotations

import importlib
from types import ModuleType

# the order of --list and of a run of every case: cheap, ROS-free cases first
CASES = ("gestures_cost", "depth_lift", "tracking", "precision", "backends", "auto",
         "node_overhead", "node_soak", "node_idle", "multi_camera")
INTERFACE = ("TITLE", "TARGET", "NEEDS", "PARAMS", "QUICK", "run", "plot")
KNOWN_NEEDS = ("shared_data", "ros")


def load(name: str) -> ModuleType:
    if name not in CASES:
        raise KeyError(name)
    return importlib.import_module(f"cases.{name}")
