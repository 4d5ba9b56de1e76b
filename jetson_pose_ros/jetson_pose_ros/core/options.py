"""The one options table: every option of the library, the CLI and the node, with its type,
default, allowed range, whether it can change while running, and its help text.

``PoseNet(**kw)``, ``Pipeline``, the ``posenet`` / ``posenet-eval`` / ``posenet-bench`` flags
(``add_arguments``) and the node's ROS parameters (``ros/parameters.py``) are all made from
``OPTIONS`` and checked by ``validate`` / ``check_options``: numbers must be finite and in range,
names must exist (an unknown name is an error listing the valid ones).  Decoder options apply to
the network families listed in ``families`` (``None``: every family).  ``core/config.py`` turns the
checked values into one typed dataclass per ``group`` (the stages take those, not this table).
"""
from __future__ import annotations

import argparse
import difflib
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .errors import ModelError, PoseNetError
from .parsing import parse_bool, parse_flags, parse_scales, parse_size

PAF, MEDIAPIPE, SINGLE = ("paf",), ("mediapipe",), ("movenet", "yolo-pose")

# the inference backends (the keys of ``runtime.backends.BACKENDS``, which test_config.py compares) and
# precisions: named here so that a value is checked before anything is installed or loaded
BACKEND_NAMES = ("onnxruntime", "cpu", "cuda", "tensorrt", "openvino", "opencv", "litert")
PRECISIONS = ("auto", "f32", "bf16", "int8")


@dataclass(frozen=True)
class Option:
    name: str
    type: type                  # bool, int, float, str; "size" options are str WIDTHxHEIGHT
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    choices: tuple | None = None
    runtime: bool = False        # may change while running (node: ros2 param set)
    group: str = "network"       # network | detection | decoder | pipeline | overlay | input | node | depth
    families: tuple | None = None
    cli: str | None = ""         # flag name; "" = --name-with-hyphens; None = not a CLI flag
    ros: bool = True             # a ROS parameter of the node
    nullable: bool = False       # None allowed (= "the network's default"); ROS: -1 / ""
    parse: Callable[[Any, str], Any] | None = None   # parser of a structured value (core/parsing.py)

    @property
    def flag(self) -> str:
        return self.cli or "--" + self.name.replace("_", "-")

    def check(self, value: Any) -> Any:
        """``value`` cast to the option's type, or a one-line ``PoseNetError``."""
        if value is None:                       # not given: the default (None: the network's)
            return self.default
        if self.nullable and value == "":       # ROS string parameters: "" = unset
            return None
        if (self.nullable and isinstance(value, (int, float)) and not isinstance(value, bool)
                and self.type in (int, float) and value == -1):
            return None
        if self.parse is not None:
            if self.nullable and value == "":
                return None
            return self.parse(value, self.name)
        if self.type is bool:
            return parse_bool(value, self.name)
        if self.type in (int, float):
            try:
                if isinstance(value, bool):
                    raise ValueError
                number = float(value)
                if self.type is int:
                    if not math.isfinite(number) or number != int(number):
                        raise ValueError
                    number = int(number)
            except (TypeError, ValueError, OverflowError):
                kind = "an integer" if self.type is int else "a number"
                raise PoseNetError(f"option {self.name} must be {kind}, got {value!r}") from None
            if not math.isfinite(number):
                raise PoseNetError(f"option {self.name} must be a finite number, got {value!r}")
            low_bad = self.min is not None and (number < self.min or (self.min_exclusive and number == self.min))
            high_bad = self.max is not None and number > self.max
            if low_bad or high_bad:
                raise PoseNetError(f"option {self.name} must be {self.range_text()}, got {value!r}")
            return number
        text = str(value)
        if self.choices is not None:
            key = text.strip().lower().replace("-", "_")
            for c in self.choices:
                if key == c.replace("-", "_"):
                    return c
            raise PoseNetError(f"option {self.name} must be one of {', '.join(self.choices)}, got {value!r}")
        return text

    def range_text(self) -> str:
        lo = "" if self.min is None else f"{'>' if self.min_exclusive else '>='} {self.min:g}"
        hi = "" if self.max is None else f"<= {self.max:g}"
        return " and ".join(t for t in (lo, hi) if t) or "finite"


def _scales_or_none(value: Any, name: str) -> tuple[float, ...] | None:
    return None if value == "" else parse_scales(value, name)


def _overlay_text(value: Any, name: str) -> str:
    parse_flags(str(value), name)          # a bad flag: one-line PoseNetError; the option keeps its text
    return str(value)


def _known(kind: str):
    """Parser of a name from the option's ``choices``; an unknown one is a ``ModelError`` (the
    runtime's ``create_backend`` checks its arguments with the same option)."""
    def parse(value: Any, name: str) -> str:
        key = str(value).strip().lower()
        choices = OPTIONS[name].choices
        if key not in choices:
            raise ModelError(f"option {name} must be one of {', '.join(choices)}: unknown {kind} '{key}'")
        return key
    return parse


def _o(*args, **kw) -> Option:
    return Option(*args, **kw)


OPTIONS: dict[str, Option] = {o.name: o for o in [
    # ---- which network, which files, which runtime (fixed once loaded)
    _o("network", str, "", "registry network name or alias (empty: the default network)", cli=None),
    _o("model", str, "", "path to a custom model file (ONNX) for the network; empty: the registry's"),
    _o("topology", str, "", "topology JSON (trt_pose format) overriding the network's keypoints/skeleton"),
    _o("colors", str, "", "colors.txt with one 'r g b [a]' line per keypoint"),
    _o("input_blob", str, "", "name of the input tensor"),
    _o("output_cmap", str, "", "name of the confidence-map output tensor (PAF networks)"),
    _o("output_paf", str, "", "name of the part-affinity-field output tensor (PAF networks)"),
    _o("input_size", str, "", "network input size WIDTHxHEIGHT where the network allows (empty: its default)",
       parse=parse_size),
    _o("backend", str, "auto", "inference backend: onnxruntime, openvino, auto (the accuracy-verified "
       "backend/precision pairs of models/candidates.json timed on this machine on first use, the fastest cached; "
       "posenet-models tune re-times), cuda, tensorrt (ONNX files); opencv (TensorFlow .pb, OpenCV 4), "
       "litert (.tflite): the original files, installed from their packages when missing",
       choices=("auto",) + BACKEND_NAMES, parse=_known("backend")),
    _o("precision", str, "auto", "inference precision: auto (with backend auto: the timed verified pair; with "
       "openvino: its fastest verified precision; else f32), f32, bf16 (openvino), int8 (shipped int8 variants, "
       "built on first use)",
       choices=PRECISIONS, parse=_known("precision")),
    _o("num_threads", int, 0, "inference threads; 0 = the backend's default", min=0, max=256, cli="--threads"),
    # ---- what counts as found (the same meaning for every family)
    _o("threshold", float, 0.15, "minimum keypoint confidence: PAF confidence-map peak, single-stage "
       "keypoint score, MediaPipe visibility/presence", min=0.0, max=1.0, runtime=True, group="detection"),
    _o("pose_threshold", float, None, "minimum pose score: PAF part+link score, single-stage person score, "
       "MediaPipe landmark presence; unset (-1 as a ROS parameter): the network's default",
       min=0.0, max=1.0, runtime=True, group="detection", nullable=True),
    # ---- decoder knobs of one family
    _o("max_objects", int, None, "at most this many poses per frame (unset: the network's default)",
       min=1, max=1000, group="decoder", nullable=True),
    _o("link_threshold", float, None, "minimum PAF link score to connect two keypoints", min=0.0, max=1.0,
       group="decoder", families=PAF, nullable=True),
    _o("min_keypoints", int, None, "PAF poses with fewer keypoints are dropped", min=1, max=1000,
       group="decoder", families=PAF, nullable=True),
    _o("window", int, None, "PAF peak window (pixels of the map, odd)", min=1, max=31, group="decoder",
       families=PAF, nullable=True, ros=False),
    _o("max_peaks", int, None, "PAF peaks per keypoint type", min=1, max=1000, group="decoder", families=PAF,
       nullable=True, ros=False),
    _o("samples", int, None, "PAF line-integral samples per link", min=2, max=100, group="decoder",
       families=PAF, nullable=True, ros=False),
    _o("upsample", int, None, "resize PAF maps by this factor before decoding (finer, slower)", min=1, max=8,
       group="decoder", families=PAF, nullable=True),
    _o("nms_threshold", float, None, "IoU above which a weaker detection is suppressed", min=0.0, max=1.0,
       group="decoder", families=SINGLE + MEDIAPIPE, nullable=True),
    _o("detector_threshold", float, None, "minimum detector score of a MediaPipe region", min=0.0, max=1.0,
       group="decoder", families=MEDIAPIPE, nullable=True),
    _o("dedup_iou", float, None, "MediaPipe poses overlapping a stronger one by more are dropped",
       min=0.0, max=1.0, group="decoder", families=MEDIAPIPE, nullable=True, ros=False),
    _o("derive_keypoints", bool, True, "publish derived keypoints (neck = shoulder midpoint)", group="decoder",
       cli=None, ros=False),
    # ---- test-time augmentation (decoders/tta.py, decoders/merge.py) and presets (presets.py)
    _o("preset", str, "", "fast, balanced or accurate: network + input size + scales chosen by measured AP and "
       "speed (README, Presets); options given explicitly win", choices=("fast", "balanced", "accurate"),
       nullable=True),
    _o("scales", str, "", "test scales, e.g. 0.5,1.0,1.5: the input size times each, averaged (PAF maps) or "
       "merged by OKS (other families); each in 0.25..4; unset: 1.0 (dynamic-size models only)",
       group="decoder", nullable=True, parse=_scales_or_none),
    _o("flip", bool, False, "flip test: also run on the mirrored image and average (about 2x inference)",
       group="decoder"),
    _o("interpolation", str, None, "input resize: linear (fast) or area (anti-aliased)", group="decoder",
       choices=("linear", "area"), nullable=True, ros=False),
    # ---- pipeline stages after the network
    _o("track", bool, False, "persistent track IDs across frames (OKS matching; only confirmed tracks get an ID)",
       group="pipeline"),
    _o("track_max_lost", int, 30, "frames a track is kept without a matching pose", min=0, max=100000,
       group="pipeline"),
    _o("track_min_similarity", float, 0.1, "least keypoint similarity (OKS, 0..1) to continue a track",
       min=0.0, max=1.0, group="pipeline"),
    _o("track_min_hits", int, 3, "frames a track must be matched before it is confirmed and gets an ID",
       min=1, max=1000, group="pipeline"),
    _o("smooth", bool, False, "One-Euro keypoint smoothing of tracked poses (implies track)", group="pipeline"),
    _o("smooth_min_cutoff", float, 1.0, "One-Euro minimum cutoff in Hz: lower = less jitter at rest",
       min=0.0, max=1000.0, min_exclusive=True, group="pipeline"),
    _o("smooth_beta", float, 0.01, "One-Euro speed coefficient: higher = less lag when moving",
       min=0.0, max=1000.0, group="pipeline"),
    # ---- gestures (gestures/: hand signs + fingertip motion for hands, body gestures + posture for bodies)
    _o("gestures", bool, False, "gesture and posture labels with scores per pose (JSON/CSV 'gesture', 'posture', "
       "'motion'; node: the gestures topic); implies track for hand networks (motion needs tracked hands); "
       "bodies need track for waving and debouncing", group="pipeline"),
    _o("gesture_debounce", int, 4, "a tracked pose's gesture/posture label changes after this many consistent "
       "frames (1: every frame's label)", min=1, max=1000, group="pipeline"),
    # ---- overlay
    _o("overlay", str, "links,keypoints,ids", "overlay flags: box, links, keypoints, ids (track IDs), gestures "
       "(gesture label + score), none; "
       "comma or | separated", runtime=True, group="overlay", parse=_overlay_text),
    _o("keypoint_scale", float, 0.0052, "keypoint radius as a fraction of the image's larger side",
       min=0.0, max=0.1, min_exclusive=True, runtime=True, group="overlay"),
    _o("link_scale", float, 0.0013, "link width as a fraction of the image's larger side",
       min=0.0, max=0.1, min_exclusive=True, runtime=True, group="overlay"),
    # ---- input images
    _o("max_image_pixels", int, 50_000_000, "largest image (width x height) decoded or processed; checked "
       "from the header before decoding (files, CompressedImage, raw Image), so a larger one is refused "
       "without allocating it", min=1, max=1_000_000_000, group="input"),
    # ---- ROS node only
    _o("qos_reliability", str, "best_effort", "input subscription reliability (depth 1)",
       choices=("best_effort", "reliable"), group="node", cli=None),
    _o("input_compressed", bool, False, "subscribe IMAGE/compressed (sensor_msgs/CompressedImage; IMAGE = the "
       "resolved image topic) instead of image",
       group="node", cli=None),
    _o("publish_overlay", bool, False, "render and publish the overlay even when nobody subscribes",
       runtime=True, group="node", cli=None),
    _o("publish_markers", bool, False, "publish the MarkerArray even when nobody subscribes",
       runtime=True, group="node", cli=None),
    _o("marker_scale", float, 0.001, "metres per image pixel of the rviz markers", min=0.0, max=1000.0,
       min_exclusive=True, runtime=True, group="node", cli=None),
    _o("output_reliability", str, "reliable", "QoS reliability of poses, detections and markers (depth 5)",
       choices=("reliable", "best_effort"), group="node", cli=None),
    _o("overlay_reliability", str, "reliable", "QoS reliability of the overlay image (reliable: depth 5, "
       "best_effort: depth 1)", choices=("reliable", "best_effort"), group="node", cli=None),
    _o("lazy", bool, True, "subscribe to the input only while a result topic (poses, detections, overlay, "
       "markers, ...) has a subscriber: no listener, no inference (false: always process)",
       group="node", cli=None),
    _o("autostart", bool, True, "lifecycle node: configure and activate at start (false: wait for "
       "`ros2 lifecycle set`)", group="node", cli=None),
    _o("stall_timeout", float, 5.0, "seconds without a processed frame, while frames arrive, after which "
       "/diagnostics reports ERROR", min=0.0, max=3600.0, min_exclusive=True, group="node", cli=None),
    _o("input_topics", str, "", "several cameras, one network: comma-separated image topics (ending in "
       "/compressed: CompressedImage); each camera's poses, detections, overlay and markers go to its topic's "
       "namespace (/front/image_raw -> /front/poses); empty: the one image topic", group="node", cli=None),
    # ---- depth input: people in 3D (jetson_pose_ros.depth; node: ros/depth3d.py; CLI: recordings)
    _o("depth_topic", str, "", "aligned depth image topic (sensor_msgs/Image 16UC1/mono16 mm or 32FC1 m, e.g. "
       "/camera/aligned_depth_to_color/image_raw): 3D keypoints, positions and TF frames; empty: no 3D "
       "(CLI: a topic of the input recording)", group="depth"),
    _o("camera_info_topic", str, "", "camera_info of the depth image; empty: the depth topic's sibling "
       "camera_info", group="depth"),
    _o("depth_window", int, 5, "odd side in depth pixels of the square whose median valid depth lifts a "
       "keypoint", min=1, max=31, group="depth"),
    _o("min_depth", float, 0.1, "nearest valid depth in metres (closer values are no return)", min=0.0,
       group="depth"),
    _o("max_depth", float, 10.0, "farthest valid depth in metres", min=0.0, min_exclusive=True, group="depth"),
    _o("sync_slop", float, 0.02, "largest stamp difference in seconds between a colour image and its depth "
       "image", min=0.0, max=1.0, group="depth"),
    _o("target_frame", str, "", "TF frame for poses_3d and markers_3d (needs tf2_ros from a ROS distribution); "
       "empty: the depth camera's optical frame, no TF lookup", group="depth", cli=None),
    _o("hri", bool, False, "REP-155 (ROS4HRI) output: tracking and gestures on, each confirmed track a body "
       "b<track_id> on /humans/bodies/tracked and /humans/bodies/<id>/{roi,cropped,skeleton2d,gesture,posture} "
       "(needs hri_msgs)", group="node", cli=None),
]}

MODEL_GROUPS = ("network", "detection", "decoder")      # what PoseNet(**kw) takes


def suggest(name: str, valid: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(valid), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def check_options(values: dict, groups: Iterable[str] | None = None, family: str | None = None) -> dict:
    """Validate ``values`` (name -> value); returns them cast.  Unknown names, options of
    another family and bad values are one-line ``PoseNetError``s."""
    groups = tuple(groups) if groups is not None else None
    valid = [n for n, o in OPTIONS.items() if groups is None or o.group in groups]
    out = {}
    for name, value in values.items():
        opt = OPTIONS.get(name)
        if opt is None or name not in valid:
            raise PoseNetError(f"unknown option '{name}'{suggest(name, valid)} (valid: {', '.join(valid)})")
        out[name] = opt.check(value)
    if family:
        check_family(out, family)
    return out


def check_family(values: dict, family: str) -> None:
    """A decoder option set (not None) for a network of another family is a one-line ``PoseNetError``."""
    for name, value in values.items():
        opt = OPTIONS[name]
        if opt.families and family not in opt.families and value is not None:
            raise PoseNetError(f"option {name} does not apply to {family} networks "
                               f"(only to: {', '.join(opt.families)})")


def validate(name: str, value: Any) -> Any:
    return check_options({name: value})[name]


# ------------------------------------------------------------------ argparse
def _arg_type(opt: Option):
    def convert(text: str):
        try:
            return opt.check(text)
        except PoseNetError as exc:
            raise argparse.ArgumentTypeError(str(exc).replace(f"option {opt.name} ", "", 1)) from None
    convert.__name__ = {int: "integer", float: "number"}.get(opt.type, "value")
    return convert


def add_arguments(parser: argparse.ArgumentParser, groups: Iterable[str], exclude: Iterable[str] = ()) -> None:
    """Add a flag for every CLI option of ``groups`` (``dest`` = the option name); a value
    not given stays ``None`` (= the option's default), so only given options are passed on."""
    exclude = set(exclude)
    for group in groups:
        g = parser.add_argument_group(f"{group} options")
        for opt in OPTIONS.values():
            if opt.group != group or opt.cli is None or opt.name in exclude:
                continue
            default = "" if opt.default in (None, "") else f" (default {opt.default})"
            rng = f"; {opt.range_text()}" if opt.type in (int, float) and (opt.min is not None or opt.max is not None) \
                else ""
            text = (opt.help + default + rng).replace("%", "%%")
            if opt.type is bool:
                g.add_argument(opt.flag, dest=opt.name, action="store_true", default=None, help=text)
            else:
                g.add_argument(opt.flag, dest=opt.name, type=_arg_type(opt), default=None, help=text,
                               metavar="WxH" if opt.name == "input_size" else None)


def given(args: argparse.Namespace, groups: Iterable[str]) -> dict:
    """The options of ``groups`` given on the command line (not None)."""
    groups = tuple(groups)
    return {n: getattr(args, n) for n, o in OPTIONS.items()
            if o.group in groups and o.cli is not None and getattr(args, n, None) is not None}


# ------------------------------------------------------------------ documentation
def markdown_table(groups: Iterable[str] | None = None) -> str:
    """The options as a Markdown table (README): name, CLI flag, ROS parameter, default, range, runtime."""
    rows = ["| option | CLI flag | ROS parameter | default | range / values | runtime | meaning |",
            "|---|---|---|---|---|---|---|"]
    for o in OPTIONS.values():
        if groups is not None and o.group not in groups:
            continue
        default = "network's" if o.default is None else f"`{o.default}`" if o.default != "" else '`""`'
        values = " \\| ".join(o.choices) if o.choices else o.range_text() if o.type in (int, float) else \
            ("true/false" if o.type is bool else "")
        fam = f" ({', '.join(o.families)} only)" if o.families else ""
        flag = f"`{o.flag}`" if o.cli is not None else "`--network`" if o.name == "network" else ""
        rows.append(f"| `{o.name}` | {flag} | "
                    f"{'yes' if o.ros else ''} | {default} | {values} | {'yes' if o.runtime else ''} | {o.help}{fam} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
