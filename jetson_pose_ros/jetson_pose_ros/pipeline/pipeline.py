"""One frame pipeline, shared by the ``posenet`` CLI, the ROS node, ``posenet-eval`` and
``posenet-bench``:

    image -> PoseNet.infer (preprocess, backend, decoder) -> PoseFrame
          -> PoseTracker (track IDs) -> PoseSmoother (One-Euro)
          -> gestures (``gestures.FrameGestures``: labels into ``frame.attributes``) -> overlay
          -> sinks (``sinks.Sink``: JSON/CSV here; images, video, browser view, recordings in ``io/``)

configured by the options table (``options.OPTIONS``: the network, detection, decoder,
pipeline and overlay groups), checked once into one typed config per stage (``core.config``).
Runtime-changeable options change through ``set``.
"""
from __future__ import annotations

import time

import numpy as np

from ..core.capture import Capture
from ..core.config import STAGE_GROUPS, Config
from ..core.errors import PoseNetError
from ..core.options import OPTIONS
from ..core.pose import PoseFrame
from ..posenet import RUNTIME_GROUPS, PoseNet
from .smoothing import PoseSmoother
from .tracking import PoseTracker

GROUPS = STAGE_GROUPS


class Pipeline:
    """``Pipeline(network, **options)``, or ``Pipeline(net=PoseNet(...), **pipeline options)``.

    ``process(image, timestamp)`` -> ``PoseFrame`` (tracked/smoothed when enabled);
    ``draw(image, frame)`` draws the overlay flags; ``write(frame, capture)`` writes the frame to
    every sink (``sinks.Sink``); ``pipeline(image, ...)`` does all three.  Usable as a context
    manager (closes the sinks)."""

    def __init__(self, network: str | None = None, *, net: PoseNet | None = None, sinks=(),
                 config: Config | None = None, **options):
        """``config``: the checked options (``Config.from_options``) instead of ``network`` and
        ``**options``; with ``net`` only its pipeline and overlay stages are used (the network's are
        the net's own)."""
        if config is not None and (options or network):
            raise PoseNetError("Pipeline(config=...) takes no network and no other options")
        if config is None:
            fixed = sorted(n for n in options if n in OPTIONS and OPTIONS[n].group in ("network", "decoder"))
            if net is not None and fixed:
                raise PoseNetError(f"options {', '.join(fixed)} configure the network: pass them to PoseNet, "
                                   "not with net=")
            config = Config.from_options(net.network if net is not None else network, **options)
            if net is not None:     # the net holds the detection and overlay values in force
                net.update(**config.given_in(*RUNTIME_GROUPS))
        self.net = net if net is not None else PoseNet(config=config)
        self.config = config
        p = config.pipeline
        hands = self.net.topology.num_keypoints == 21
        tracking = p.tracking(hands)
        self.tracker = PoseTracker(max_lost=p.track_max_lost, min_similarity=p.track_min_similarity,
                                   min_hits=p.track_min_hits) if tracking else None
        self.smoother = PoseSmoother(p.smooth_min_cutoff, p.smooth_beta) if p.smooth else None
        self.gestures = None
        if p.gestures:   # lazy: the gestures modules are imported only when used
            from ..gestures import FrameGestures
            self.gestures = FrameGestures(debounce=p.gesture_debounce)
        self._gesture_tracks: set[int] = set()     # track IDs the gestures stage holds state for
        self.sinks = list(sinks)

    # --- configuration -----------------------------------------------------------
    @property
    def topology(self):
        return self.net.topology

    @property
    def overlay_flags(self) -> frozenset[str]:
        return self.config.overlay.flags

    def set(self, name: str, value) -> None:
        """Change a runtime-changeable option (validated): the overlay's here, the network's
        detection and overlay sizes on the net."""
        opt = OPTIONS.get(name)
        if opt is None or opt.group not in GROUPS:
            raise PoseNetError(f"unknown pipeline option '{name}'")
        if not opt.runtime:
            raise PoseNetError(f"option {name} cannot change while running")
        self.config = self.config.changed(name, value)
        if opt.group in RUNTIME_GROUPS:         # the net holds the values in force (PoseNet.update)
            self.net.update(**{name: getattr(getattr(self.config, opt.group), name)})

    # --- frames -------------------------------------------------------------------
    def process(self, image: np.ndarray, timestamp: float | None = None, color: str = "bgr") -> PoseFrame:
        frame = self.net.infer(image, color)
        if self.tracker is not None:
            t0 = time.perf_counter()
            frame = self.tracker.update(frame)
            if self.smoother is not None:
                frame = self.smoother.update(frame, timestamp)
            frame.timings["track"] = (time.perf_counter() - t0) * 1e3
        if self.gestures is not None:
            self._add_gestures(frame)
        return frame

    def live_track_ids(self) -> set[int]:
        """IDs of the confirmed tracks the tracker still holds (seen now or lost for at most
        ``track_max_lost`` frames); empty without tracking."""
        return {t.id for t in self.tracker.tracks if t.id >= 0} if self.tracker is not None else set()

    def _add_gestures(self, frame: PoseFrame) -> None:
        """Each pose's ``gesture`` (+ ``posture`` / ``motion``) into ``frame.attributes``; the
        state of tracks that ended is dropped."""
        t0 = time.perf_counter()
        for attrs, labels in zip(frame.attributes, self.gestures.update(frame)):
            attrs.update(labels)
        if self.tracker is not None:
            self._gesture_tracks.update(int(t) for t in frame.track_ids if t >= 0)
            ended = self._gesture_tracks - self.live_track_ids()
            if ended:
                self.gestures.forget(ended)
                self._gesture_tracks -= ended
        frame.timings["gestures"] = (time.perf_counter() - t0) * 1e3

    def draw(self, image: np.ndarray, frame: PoseFrame, color: str = "bgr") -> np.ndarray:
        if self.overlay_flags and len(frame):
            t0 = time.perf_counter()
            self.net.overlay(image, frame, self.overlay_flags, color=color)
            frame.timings["overlay"] = (time.perf_counter() - t0) * 1e3
        return image

    def write(self, frame: PoseFrame, capture: Capture) -> None:
        """``frame`` (found in ``capture``; its image drawn on) to every sink."""
        for sink in self.sinks:
            sink.write(frame, capture)

    def __call__(self, image: np.ndarray | Capture, timestamp: float | None = None, source: str | None = None,
                 index: int | None = None, color: str = "bgr") -> PoseFrame:
        """``pipe(capture)`` (a ``Capture``, as ``io.open_source`` yields them: all its metadata reaches
        the sinks) or ``pipe(image, timestamp, source=, index=)``: process, draw, write; the frame."""
        if isinstance(image, Capture):
            if (timestamp, source, index) != (None, None, None):
                raise PoseNetError("a Capture carries its own timestamp, source and index: pass it alone")
            capture = image
        else:
            capture = Capture(image, index, source, timestamp)
        frame = self.process(capture.image, capture.timestamp, color)
        self.draw(capture.image, frame, color)
        self.write(frame, capture)
        return frame

    def close(self) -> None:
        """Close every sink (all of them, even when one fails; the first error is raised)."""
        error = None
        for sink in self.sinks:
            try:
                sink.close()
            except BaseException as exc:     # noqa: BLE001 - the other sinks still finish their files
                error = error or exc
        if error is not None:
            raise error

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
