"""``PoseNet``: the jetson-inference ``poseNet`` API; one network, one image at a time."""
from __future__ import annotations

import argparse
import time
from typing import Sequence

import cv2
import numpy as np

from . import overlay as _overlay
from .networks import model_class
from .core.config import Config, DetectionConfig
from .core.errors import InputError, ModelError, PoseNetError
from .core.parsing import parse_flags
from .runtime.model_files import resolve_files
from .core.options import MODEL_GROUPS, OPTIONS
from .core.pose import ObjectPose, PoseFrame
from .core.registry import get_network

# what a PoseNet takes: its network's options and the overlay's (drawn by ``overlay``); the
# detection and overlay options may change while it runs (``update``)
POSENET_GROUPS = MODEL_GROUPS + ("overlay",)
RUNTIME_GROUPS = ("detection", "overlay")


class PoseNet:
    """Multi-person pose estimation with a registry network.

    >>> net = PoseNet("mobilenet-body", threshold=0.15)
    >>> poses = net.process(cv2.imread("humans_1.jpg"), overlay="links,keypoints")

    Images are HxWx3 uint8 arrays in BGR order (OpenCV's), or RGB with ``color="rgb"``;
    grey (HxW) and BGRA images are converted.  Keypoints are returned in input-image pixels.
    Keyword options are those of the options table (``jetson_pose_ros.core.options``) for the
    network, detection and decoder groups plus ``keypoint_scale`` / ``link_scale``; an unknown
    name or a bad value is a one-line ``PoseNetError``, raised before any model file is installed
    or loaded.  They are checked once into ``self.config`` (``core.config.Config``: one typed
    dataclass per stage; or pass ``config=`` instead of options); ``infer`` returns the whole frame
    (``PoseFrame``); ``process`` returns jetson-inference ``ObjectPose`` views of it.
    """

    def __init__(self, network: str | None = None, threshold: float = 0.15, *, model_files: dict | None = None,
                 config: Config | None = None, **options):
        # every option checked (and a preset applied) before any model file is installed or loaded
        if config is None:
            config = Config.from_options(network, POSENET_GROUPS, threshold=threshold, **options)
        elif options or threshold != DetectionConfig.threshold:
            raise PoseNetError("PoseNet(config=...) takes no other options (the threshold is config.detection's)")
        self.config = config
        net = config.network
        self.spec = get_network(net.network)
        self.topology = self.spec.topology(net.topology or None, net.colors or None)
        if net.topology:
            check_topology(self.topology, self.spec.topology(), net.topology, self.spec.name)
        files = resolve_files(self.spec, {"model": net.model or None, **(model_files or {})}, backend=net.backend)
        self.model = model_class(self.spec.family)(self.spec, self.topology, files, net, config.decoder)
        self.timings: dict[str, float] = {}
        self.last_frame: PoseFrame | None = None

    # --- runtime options (validated like every option) ----------------------------------
    @property
    def network(self) -> str:
        return self.spec.name

    @property
    def detection(self) -> DetectionConfig:
        return self.config.detection

    def update(self, **values) -> None:
        """Change detection options (``threshold``, ``pose_threshold``) and overlay options
        (``keypoint_scale``, ``link_scale``, ``overlay``), each checked by the options table; the
        network's own options are fixed once it is loaded."""
        for name, value in values.items():
            opt = OPTIONS.get(name)
            if opt is None or opt.group not in RUNTIME_GROUPS:
                raise PoseNetError(f"option '{name}' is not a detection or overlay option of PoseNet")
            self.config = self.config.changed(name, value)

    threshold = property(lambda self: self.config.detection.threshold, lambda self, v: self.update(threshold=v))
    pose_threshold = property(lambda self: self.config.detection.pose_threshold,
                              lambda self, v: self.update(pose_threshold=v))
    keypoint_scale = property(lambda self: self.config.overlay.keypoint_scale,
                              lambda self, v: self.update(keypoint_scale=v))
    link_scale = property(lambda self: self.config.overlay.link_scale, lambda self, v: self.update(link_scale=v))

    # --- processing ------------------------------------------------------------
    def infer(self, image: np.ndarray, color: str = "bgr") -> PoseFrame:
        """The poses of one image as a ``PoseFrame`` (nothing drawn)."""
        frame = self.model.infer(as_bgr(image, color), self.detection.threshold, self.detection.pose_threshold)
        self.timings = frame.timings
        self.last_frame = frame
        return frame

    def process(self, image: np.ndarray, overlay: str | None = "links,keypoints",
                color: str = "bgr") -> list[ObjectPose]:
        """Estimate poses; ``overlay`` flags are drawn on ``image`` in place."""
        frame = self.infer(image, color)
        if parse_flags(overlay):
            t0 = time.perf_counter()
            self.overlay(image, frame, overlay, color=color)
            frame.timings["overlay"] = (time.perf_counter() - t0) * 1e3
        return frame.poses()

    def overlay(self, image: np.ndarray, poses: PoseFrame | Sequence[ObjectPose], flags="links,keypoints",
                color: str = "bgr") -> np.ndarray:
        """Draw a frame (or jetson-inference's ``ObjectPose`` list) on ``image`` in place (BGR, or RGB
        with ``color="rgb"``)."""
        topo = self.topology
        if not isinstance(poses, PoseFrame):      # the jetson-inference surface: converted here, once
            poses = PoseFrame.from_poses(poses, topo.keypoints, topo.skeleton)
        if color.lower() == "rgb":
            topo = type(topo)(topo.name, topo.keypoints, topo.skeleton,
                              [(b, g, r, a) for r, g, b, a in topo.colors])
        return _overlay.draw(image, poses, topo, flags, self.keypoint_scale, self.link_scale)

    # --- jetson-inference-style queries -----------------------------------------
    def get_num_keypoints(self) -> int:
        return self.topology.num_keypoints

    def get_keypoint_name(self, index: int) -> str:
        return self.topology.keypoints[index]

    def get_keypoint_color(self, index: int) -> tuple[int, int, int, int]:
        return self.topology.colors[index]

    def set_keypoint_color(self, index: int, color: Sequence[int]) -> None:
        c = tuple(int(v) for v in color)
        self.topology.colors[index] = c if len(c) == 4 else (*c[:3], 255)

    def get_threshold(self) -> float:
        return self.threshold

    def set_threshold(self, value: float) -> None:
        self.threshold = value

    def get_keypoint_scale(self) -> float:
        return self.keypoint_scale

    def set_keypoint_scale(self, value: float) -> None:
        self.keypoint_scale = value

    def get_link_scale(self) -> float:
        return self.link_scale

    def set_link_scale(self, value: float) -> None:
        self.link_scale = value

    # jetson-inference spellings
    Process = process
    Overlay = overlay
    GetNumKeypoints = get_num_keypoints
    GetKeypointName = get_keypoint_name
    GetKeypointColor = get_keypoint_color
    SetKeypointColor = set_keypoint_color
    GetThreshold = get_threshold
    SetThreshold = set_threshold
    GetKeypointScale = get_keypoint_scale
    SetKeypointScale = set_keypoint_scale
    GetLinkScale = get_link_scale
    SetLinkScale = set_link_scale


class poseNet(PoseNet):  # noqa: N801 - jetson-inference's class name
    """``poseNet(network, argv, threshold)`` as in jetson-inference; ``argv`` may carry
    ``--model``, ``--topology``, ``--colors``, ``--input-blob``, ``--output-cmap``,
    ``--output-paf``, ``--threshold`` (hyphens or underscores)."""

    def __init__(self, network: str = "resnet18-body", argv: Sequence[str] | None = None,
                 threshold: float = 0.15, **kw):
        p = argparse.ArgumentParser(add_help=False)
        for opt in ("network", "model", "topology", "colors", "input_blob", "output_cmap", "output_paf"):
            p.add_argument(f"--{opt.replace('_', '-')}", f"--{opt}", dest=opt)
        p.add_argument("--threshold", type=float)
        known, _ = p.parse_known_args(list(argv or [])[1:] if argv else [])
        extra = {k: v for k, v in vars(known).items() if v is not None and k not in ("network", "threshold")}
        super().__init__(known.network or network,
                         known.threshold if known.threshold is not None else threshold, **{**extra, **kw})


def check_topology(topology, network_topology, path: str, network: str) -> None:
    """A user topology must describe the network's outputs: as many keypoints and links (PAF
    networks have a field per link) as the network's own topology, else a one-line ModelError
    at load instead of every frame failing."""
    for what, mine, theirs in (("keypoints", topology.num_keypoints, network_topology.num_keypoints),
                               ("links", len(topology.skeleton), len(network_topology.skeleton))):
        if mine != theirs:
            raise ModelError(f"topology {path} has {mine} {what}; network '{network}' has {theirs}")


def as_bgr(image: np.ndarray, color: str = "bgr") -> np.ndarray:
    """Validate an image and return a contiguous HxWx3 uint8 BGR view/copy."""
    if not isinstance(image, np.ndarray):
        raise InputError(f"expected a numpy image, got {type(image).__name__}")
    if image.size == 0 or image.ndim not in (2, 3) or min(image.shape[:2]) < 1:
        raise InputError(f"empty or malformed image of shape {image.shape}")
    if image.dtype != np.uint8:
        if image.dtype == np.uint16:
            image = (image >> 8).astype(np.uint8)
        elif np.issubdtype(image.dtype, np.floating):
            image = np.clip(image * (255.0 if image.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
        else:
            raise InputError(f"unsupported image dtype {image.dtype}")
    if image.ndim == 2 or image.shape[2] == 1:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    channels = image.shape[2]
    rgb = color.lower() == "rgb"
    if channels == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2BGR if rgb else cv2.COLOR_BGRA2BGR)
    if channels != 3:
        raise InputError(f"unsupported number of channels: {channels}")
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if rgb else image
