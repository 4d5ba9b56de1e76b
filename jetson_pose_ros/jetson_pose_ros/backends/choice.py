"""Backend and precision for ``auto``: the fastest pair verified for the network on this
CPU (``variants.json``: measured speed order, accuracy held) that can run here.  Decided per
model file; the verified orders hold no int8 pair (int8 was not faster than bf16 here), so
both files of a detector + landmark network always get the same pair."""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("jetson_pose_ros")

CAPABILITY = {"f32": "FP32", "bf16": "BF16", "int8": "INT8"}   # OpenVINO's capability names
DEFAULT_ORDER = (("openvino", "bf16"), ("openvino", "f32"), ("onnxruntime", "f32"))


@lru_cache(maxsize=None)
def has_openvino() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=None)
def cpu_capabilities() -> frozenset:
    if not has_openvino():
        return frozenset({"FP32"})
    from .openvino import cpu_capabilities as caps
    return frozenset(caps())


def _order(network: str | None) -> list[tuple[str, str]]:
    from ..variants import network_entry

    order = network_entry(network).get("auto")
    return [tuple(p) for p in order] if order else list(DEFAULT_ORDER)


def _runnable(backend: str, precision: str, path: Path) -> bool:
    from ..variants import int8_available, int8_entry

    if backend == "openvino" and not has_openvino():
        return False
    if backend == "openvino" and CAPABILITY[precision] not in cpu_capabilities():
        return False
    if precision == "int8":
        return int8_entry(path.name, backend) is not None and int8_available(path, backend)
    return True


def resolve(backend: str, precision: str, network: str | None, path: Path) -> tuple[str, str]:
    """(backend, precision) to run; ``auto`` in either is decided here."""
    if backend != "auto" and precision != "auto":
        return backend, precision
    if backend == "openvino":      # auto precision: bf16 where the CPU has it and it was verified
        pairs = [p for p in _order(network) if p[0] == "openvino" and p[1] != "int8"] or [("openvino", "f32")]
        for b, p in pairs + [("openvino", "f32")]:
            if _runnable(b, p, path):
                return b, p
    if backend != "auto":
        return backend, "f32"
    pairs = [p for p in _order(network) if precision == "auto" or p[1] == precision]
    for b, p in pairs:
        if _runnable(b, p, path):
            _log_choice(network, path.name, b, p)
            return b, p
    # nothing verified runs here: the plain choice, whose own errors then say why
    fallback = {"auto": ("onnxruntime", "f32"), "bf16": ("openvino", "bf16")}.get(precision, ("onnxruntime", precision))
    _log_choice(network, path.name, *fallback)
    return fallback


@lru_cache(maxsize=None)
def _log_choice(network, filename, backend, precision) -> None:
    why = "openvino not installed; " if not has_openvino() else ""
    log.info("backend auto: %s %s for %s (%s) [%sfastest verified pair that runs here]",
             backend, precision, network or "model", filename, why)
