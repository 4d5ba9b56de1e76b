"""One frame pipeline, shared by the ``posenet`` CLI, the ROS node, ``posenet-eval`` and
``posenet-bench``:

    image -> PoseNet.infer (preprocess, backend, decoder) -> PoseFrame
          -> PoseTracker (track IDs) -> PoseSmoother (One-Euro) -> overlay -> sinks

configured by the options table (``options.OPTIONS``: the network, detection, decoder,
pipeline and overlay groups).  Runtime-changeable options change through ``set``.
"""
from __future__ import annotations

import time

import numpy as np

from .errors import PoseNetError
from .options import MODEL_GROUPS, OPTIONS, check_options, defaults, validate
from .overlay import parse_flags
from .pose import PoseFrame
from .posenet import PoseNet

GROUPS = MODEL_GROUPS + ("pipeline", "overlay")
_NET_ATTRS = ("threshold", "pose_threshold", "keypoint_scale", "link_scale")


class Pipeline:
    """``Pipeline(network, **options)``, or ``Pipeline(net=PoseNet(...), **pipeline options)``.

    ``process(image, timestamp)`` -> ``PoseFrame`` (tracked/smoothed when enabled);
    ``draw(image, frame)`` draws the overlay flags; ``pipeline(image, ...)`` does both and writes
    the frame to every sink.  Usable as a context manager (closes the sinks)."""

    def __init__(self, network: str | None = None, *, net: PoseNet | None = None, sinks=(), **options):
        opts = check_options(options, GROUPS)
        model_opts = {k: v for k, v in opts.items() if OPTIONS[k].group in MODEL_GROUPS or k in _NET_ATTRS}
        if net is not None and model_opts.keys() - set(_NET_ATTRS):
            raise PoseNetError(f"options {', '.join(sorted(model_opts.keys() - set(_NET_ATTRS)))} "
                               "configure the network: pass them to PoseNet, not with net=")
        self.net = net if net is not None else PoseNet(network, **model_opts)
        for name in _NET_ATTRS:
            if name in opts and net is not None:
                setattr(self.net, name, opts[name])
        p = {**defaults(("pipeline", "overlay")), **{k: v for k, v in opts.items() if k in OPTIONS
                                                    and OPTIONS[k].group in ("pipeline", "overlay")}}
        self.options = p
        tracking = p["track"] or p["smooth"]
        if tracking:        # imported only when used: scipy.optimize alone costs ~35 MB of RSS
            from .smoothing import PoseSmoother
            from .tracking import PoseTracker
        self.tracker = PoseTracker(max_lost=p["track_max_lost"], min_similarity=p["track_min_similarity"],
                                   min_hits=p["track_min_hits"]) if tracking else None
        self.smoother = PoseSmoother(p["smooth_min_cutoff"], p["smooth_beta"]) if p["smooth"] else None
        self.overlay_flags = parse_flags(p["overlay"])
        self.sinks = list(sinks)

    # --- configuration -----------------------------------------------------------
    @property
    def topology(self):
        return self.net.topology

    def set(self, name: str, value) -> None:
        """Change a runtime-changeable option (validated)."""
        opt = OPTIONS.get(name)
        if opt is None or opt.group not in GROUPS:
            raise PoseNetError(f"unknown pipeline option '{name}'")
        if not opt.runtime:
            raise PoseNetError(f"option {name} cannot change while running")
        value = validate(name, value)
        if name in _NET_ATTRS:
            setattr(self.net, name, value)
        elif name == "overlay":
            self.overlay_flags = parse_flags(value)
        self.options[name] = value

    # --- frames -------------------------------------------------------------------
    def process(self, image: np.ndarray, timestamp: float | None = None, color: str = "bgr") -> PoseFrame:
        frame = self.net.infer(image, color)
        if self.tracker is not None:
            t0 = time.perf_counter()
            frame = self.tracker.update(frame)
            if self.smoother is not None:
                frame = self.smoother.update(frame, timestamp)
            frame.timings["track"] = (time.perf_counter() - t0) * 1e3
        return frame

    def draw(self, image: np.ndarray, frame: PoseFrame, color: str = "bgr") -> np.ndarray:
        if self.overlay_flags and len(frame):
            t0 = time.perf_counter()
            self.net.overlay(image, frame, self.overlay_flags, color=color)
            frame.timings["overlay"] = (time.perf_counter() - t0) * 1e3
        return image

    def __call__(self, image: np.ndarray, timestamp: float | None = None, source: str | None = None,
                 index: int | None = None, color: str = "bgr") -> PoseFrame:
        frame = self.process(image, timestamp, color)
        self.draw(image, frame, color)
        for sink in self.sinks:
            sink.write(frame, source=source, index=index, timestamp=timestamp)
        return frame

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
