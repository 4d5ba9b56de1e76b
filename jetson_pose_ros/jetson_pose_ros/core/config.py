"""Typed configuration of each stage, built once from the options table.

``Config.from_options(network, **options)`` checks every value once against the table
(``options.OPTIONS``: type, range, choices, the backend included, and whether a decoder option
applies to the network's family), fills in a preset, and splits the values into one frozen
dataclass per stage, named by the table's ``group``:

    NetworkConfig    network group:   which network and files, backend, precision, threads, input tensor
    DetectionConfig  detection group: threshold, pose_threshold (every family, changeable while running)
    DecoderConfig    decoder group:   the family's decoder knobs and test-time augmentation
    PipelineConfig   pipeline group:  tracking, smoothing, gestures
    OverlayConfig    overlay group:   overlay flags and sizes (changeable while running)

Each stage takes its dataclass (``PoseNet`` and the network families: network, detection, decoder,
overlay; ``Pipeline``: pipeline, overlay).  Nothing is installed or loaded here, so a bad value is a
one-line ``PoseNetError`` before any model file is touched.  A field is an option of the table with
the same name and group (``test_config.py`` checks that they agree).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterable

from .errors import PoseNetError
from .options import OPTIONS, check_family, check_options
from .parsing import parse_flags
from .presets import apply_preset
from .registry import get_network

STAGE_GROUPS = ("network", "detection", "decoder", "pipeline", "overlay")


@dataclass(frozen=True)
class NetworkConfig:
    """Which network, which files and which runtime: fixed once the network is loaded."""

    network: str = ""                   # the registry name (a preset's network, the default network)
    model: str = ""
    topology: str = ""
    colors: str = ""
    input_blob: str = ""
    output_cmap: str = ""
    output_paf: str = ""
    input_size: tuple[int, int] | None = None
    backend: str = "auto"
    precision: str = "auto"
    num_threads: int = 0                # 0: the backend's default
    preset: str | None = None           # applied: its values are in the fields above and in DecoderConfig


@dataclass(frozen=True)
class DetectionConfig:
    """What counts as found; the same meaning for every family."""

    threshold: float = 0.15
    pose_threshold: float | None = None     # None: the network's default


@dataclass(frozen=True)
class DecoderConfig:
    """Decoder knobs of one family (None: the registry's value) and test-time augmentation."""

    max_objects: int | None = None
    link_threshold: float | None = None
    min_keypoints: int | None = None
    window: int | None = None
    max_peaks: int | None = None
    samples: int | None = None
    upsample: int | None = None
    nms_threshold: float | None = None
    detector_threshold: float | None = None
    dedup_iou: float | None = None
    derive_keypoints: bool = True
    scales: tuple[float, ...] | None = None     # None: (1.0,)
    flip: bool = False
    interpolation: str | None = None

    def params(self, cls, registry: dict, defaults: dict | None = None):
        """A family's parameter dataclass ``cls``: its defaults < ``defaults`` < the registry's
        ``decoder`` entry < the options given here (the fields of ``cls`` named like a field of this
        class: ``max_objects``, ``nms_threshold`` ...)."""
        names = {f.name for f in fields(cls)}
        given = {f.name: getattr(self, f.name) for f in fields(self)
                 if f.name in names and getattr(self, f.name) is not None}
        return cls(**{**(defaults or {}), **{k: v for k, v in registry.items() if k in names}, **given})


@dataclass(frozen=True)
class PipelineConfig:
    """The stages after the network: tracking, smoothing, gestures."""

    track: bool = False
    track_max_lost: int = 30
    track_min_similarity: float = 0.1
    track_min_hits: int = 3
    smooth: bool = False
    smooth_min_cutoff: float = 1.0
    smooth_beta: float = 0.01
    gestures: bool = False
    gesture_debounce: int = 4

    def tracking(self, hands: bool) -> bool:
        """Whether the tracker runs: asked for, implied by smoothing, or by gestures of hands
        (hand motion needs tracked hands)."""
        return self.track or self.smooth or (self.gestures and hands)


@dataclass(frozen=True)
class OverlayConfig:
    overlay: str = "links,keypoints,ids"
    keypoint_scale: float = 0.0052
    link_scale: float = 0.0013

    @property
    def flags(self) -> frozenset[str]:
        return parse_flags(self.overlay)


STAGES = {"network": NetworkConfig, "detection": DetectionConfig, "decoder": DecoderConfig,
          "pipeline": PipelineConfig, "overlay": OverlayConfig}


def _stage(cls, values: dict):
    """``cls`` from the values of its fields (not given, ``None``, or ``""`` for a field whose
    default is None: the field's default)."""
    return cls(**{f.name: values[f.name] for f in fields(cls) if values.get(f.name) is not None
                  and not (values[f.name] == "" and f.default is None)})


def stage_options(values: dict, groups: Iterable[str] = STAGE_GROUPS) -> dict:
    """The options of ``groups`` among ``values`` (e.g. every ROS parameter of the node), unset
    ones (``None``, ``""``) left out."""
    groups = tuple(groups)
    return {k: v for k, v in values.items()
            if k in OPTIONS and OPTIONS[k].group in groups and v not in ("", None)}


@dataclass(frozen=True)
class Config:
    """The options of every stage, checked; ``given``: the names the caller set."""

    network: NetworkConfig = field(default_factory=NetworkConfig)
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)
    overlay: OverlayConfig = field(default_factory=OverlayConfig)
    given: frozenset = frozenset()

    @classmethod
    def from_options(cls, network: str | None = None, groups: Iterable[str] = STAGE_GROUPS,
                     **options: Any) -> "Config":
        """Every value of ``options`` (names of ``groups``) checked against the table, the preset
        applied, the network named (``None``: the default network, or the preset's) and every
        decoder option checked against its family: one-line ``PoseNetError``s, nothing loaded."""
        groups = tuple(groups)
        given = frozenset(options)
        values = check_options(options, groups)
        preset = values.pop("preset", None)
        network, filled = apply_preset(preset, network, values)         # presets.py
        values.update(check_options({k: v for k, v in filled.items() if k not in values}, groups))
        spec = get_network(network or None)
        check_family(values, spec.family)
        values.update(network=spec.name, preset=preset)
        return cls(**{group: _stage(STAGES[group], values) for group in STAGE_GROUPS}, given=given)

    def given_in(self, *groups: str) -> dict:
        """{name: checked value} of the options the caller set in ``groups``."""
        return {n: getattr(getattr(self, OPTIONS[n].group), n) for n in sorted(self.given)
                if OPTIONS[n].group in groups}

    def changed(self, name: str, value: Any) -> "Config":
        """This config with option ``name`` set to ``value`` (checked)."""
        opt = OPTIONS.get(name)
        if opt is None or opt.group not in STAGES:
            raise PoseNetError(f"unknown option '{name}'")
        stage = getattr(self, opt.group)
        return replace(self, **{opt.group: replace(stage, **{name: opt.check(value)})})
