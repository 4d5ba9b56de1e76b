"""Backend and precision for ``auto``: the fastest *accuracy-verified* pair, measured here.

The candidates of a network are the pairs ``tools/accuracy_guard.py`` verified against ONNX
Runtime f32 on the shared data (``models/candidates.json``); a pair that is not there is never
chosen.  Of those that can run on this machine (OpenVINO installed, the CPU's precisions, the int8
variant installed), ``tuning.decide`` times each alone on first use and caches the decision; with
one candidate left there is nothing to time.  ``auto`` in one of backend/precision only
(``--backend openvino``, ``--precision f32``) narrows the candidates to those that match.
Decided per network: the first model file's call decides, the other files of a detector +
landmark network reuse that decision.  A network the table does not know (or a model file other
than the registry's) runs the reference, ONNX Runtime f32.
"""
from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

from ..core.errors import ModelError
from ..core.registry import MODELS_DIR, get_network
from .tuning import decide
from .variants import int8_available, int8_entry

log = logging.getLogger("jetson_pose_ros")

CAPABILITY = {"f32": "FP32", "bf16": "BF16", "int8": "INT8"}   # OpenVINO's capability names
REFERENCE = ("onnxruntime", "f32")
TUNABLE = ("onnxruntime", "cpu", "openvino")     # backends whose precision auto may pick
decisions: dict = {}      # network -> last decision (tuning.decide's dict + "backend", "precision")
_memo: dict = {}          # (network, backend, precision, threads) -> (backend, precision)


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
    from .backends.openvino import cpu_capabilities as caps   # optional runtime: imported lazily
    return frozenset(caps())


@lru_cache(maxsize=None)
def _table() -> dict:
    try:
        return json.loads((MODELS_DIR / "candidates.json").read_text())
    except (OSError, ValueError):
        return {}


def candidates(network: str | None) -> list[tuple[str, str]]:
    """The verified pairs of a network, reference first (``candidates.json``)."""
    entry = _table().get("networks", {}).get(network or "")
    pairs = [tuple(p) for p in entry["candidates"]] if entry else [REFERENCE]
    return pairs if REFERENCE in pairs else [REFERENCE, *pairs]


def _registry_file(network: str | None, path: Path) -> tuple[bool, bool]:
    """(path is one of the network's registry files, it is the first of them)."""
    try:
        names = [f["filename"] for f in get_network(network).files.values()]
    except Exception:  # noqa: BLE001 - an unknown network: not a registry file
        return False, False
    return path.name in names, bool(names) and path.name == names[0]


def _runnable(backend: str, precision: str, path: Path) -> bool:
    if backend == "openvino" and not has_openvino():
        return False
    if backend == "openvino" and CAPABILITY[precision] not in cpu_capabilities():
        return False
    if precision == "int8":
        return int8_entry(path.name, backend) is not None and int8_available(path, backend)
    return True


def resolve(backend: str, precision: str, network: str | None, path: Path, num_threads=None,
            input_spec=None) -> tuple[str, str]:
    """(backend, precision) to run; ``auto`` in either is decided here."""
    if backend != "auto" and precision != "auto":
        return backend, precision
    if backend != "auto" and backend not in TUNABLE:
        return backend, "f32"
    known, first = _registry_file(network, path)
    pool = [c for c in (candidates(network) if known else [REFERENCE])
            if backend in ("auto", c[0]) or (backend == "cpu" and c[0] == "onnxruntime")]
    pool = [c for c in pool if precision in ("auto", c[1]) and _runnable(*c, path)]
    if not pool:   # nothing verified runs here: the plain choice, whose own errors then say why
        if backend != "auto":
            return backend, "f32"
        pick = ("openvino" if precision == "bf16" else "onnxruntime", precision if precision != "auto" else "f32")
        _log_choice(network, path.name, *pick, "no verified candidate runs here")
        return pick
    memo = (network, backend, precision, int(num_threads or 0))
    if not first and memo in _memo and _memo[memo] in pool:   # a detector + landmark network's second file
        return _memo[memo]
    if len(pool) == 1:
        pick = pool[0]
        _log_choice(network, path.name, *pick, "the only verified candidate that runs here")
        decisions[network] = {"choice": list(pick), "table": [], "cached": False, "only": True}
    else:
        size = getattr(input_spec, "size", None)
        try:
            doc = decide(network, pool, num_threads, tuple(size) if size else None)
        except ModelError as exc:     # no candidate could be timed: the first one runs, its own errors say why
            log.warning("%s; running %s %s untimed", exc, *pool[0])
            doc = {"choice": list(pool[0]), "table": [], "cached": False, "untimed": True}
        pick = tuple(doc["choice"])
        decisions[network] = doc
    _memo[memo] = pick
    return pick


@lru_cache(maxsize=None)
def _log_choice(network, filename, backend, precision, why) -> None:
    log.info("backend auto: %s %s for %s (%s) [%s]", backend, precision, network or "model", filename, why)


def describe(network: str | None) -> str:
    """One line on the last auto decision for a network (for logs and /diagnostics)."""
    doc = decisions.get(network)
    if doc is None:
        return ""
    pick = " ".join(doc["choice"])
    if doc.get("only") or doc.get("untimed"):
        return f"{pick} ({'only verified candidate' if doc.get('only') else 'no candidate could be timed'})"
    timed = ", ".join(f"{r['backend']} {r['precision']} {r['ms']:.1f} ms" for r in doc["table"] if "ms" in r)
    return f"{pick} ({'cached' if doc.get('cached') else 'measured'}: {timed})"
