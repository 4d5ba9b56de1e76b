"""Presets: a network with its input size and test-time augmentation, chosen by measured
speed and accuracy (README, "Presets"), for users who do not want to know the knobs.

A preset fills in ``network``, ``input_size``, ``scales`` and ``flip``; options the user
gives explicitly win.  A preset belongs to its network: naming another network with it
is an error rather than a silent mix.  Only Apache-2.0 weights (never the AGPL
``yolo11n-body``).
"""
from __future__ import annotations

from .errors import PoseNetError
from .registry import get_network

PRESETS: dict[str, dict] = {
    # chosen on coco_val2017_dev and the mmpose coco / crowdpose / aic sets (README, "Presets")
    "fast": {"network": "movenet-body"},
    "balanced": {"network": "movenet-body", "scales": (1.0, 1.5)},
    "accurate": {"network": "mobilenet-body", "input_size": (656, 368), "scales": (0.5, 1.0, 1.5)},
}


def apply_preset(preset: str | None, network: str | None, options: dict) -> tuple[str | None, dict]:
    """(network, options) with the preset's values filled in where the caller gave none."""
    if not preset:
        return network, options
    key = str(preset).strip().lower()
    if key not in PRESETS:
        raise PoseNetError(f"unknown preset '{preset}' (known: {', '.join(PRESETS)})")
    values = dict(PRESETS[key])
    own = values.pop("network")
    if network and get_network(network).name != own:
        raise PoseNetError(f"preset '{key}' is for network '{own}', not '{network}': give one or the other")
    merged = dict(options)
    for k, v in values.items():
        if merged.get(k) is None:
            merged[k] = v
    return own, merged
