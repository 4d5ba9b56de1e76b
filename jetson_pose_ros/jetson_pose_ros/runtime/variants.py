"""Reduced-precision variants of the registry's model files (``models/variants.json``).

int8 variants are made from the fp32 ONNX files on first use (``optimize/int8_build.py``, in a child process: NNCF,
calibrated on images outside every evaluation set; or ahead with ``posenet-models install --int8``),
one per backend: an OpenVINO IR (``.int8.xml`` + ``.bin``) for ``openvino`` and a QDQ ONNX file
(``.int8.onnx``) for ``onnxruntime``.  They are cached beside the model files in the model directory
with a ``.sha256`` file and a ``.provenance.json``.  ``variants.json`` lists each variant (whether its
accuracy held, with the figures, and the sha256 of the reference build); which pairs ``auto`` may
choose is ``candidates.json`` (``tools/accuracy_guard.py``).
"""
from __future__ import annotations

import json
from importlib.util import find_spec
from functools import lru_cache
from pathlib import Path

from ..core.errors import ModelError
from ..core.checksums import sha256sum
from .child import run_module
from .model_files import model_dir
from ..core.registry import MODELS_DIR

VARIANTS_FILE = MODELS_DIR / "variants.json"
TOOL = "tools/quantize/quantize_int8.py"
INSTALL_CMD = "posenet-models install --int8"
INSTALL_HINT = "pip install 'jetson_pose_ros[int8]' (or: pip install -r tools/quantize/requirements.txt)"
SUFFIX = {"openvino": ".int8.xml", "onnxruntime": ".int8.onnx"}


@lru_cache(maxsize=None)
def _variants() -> dict:
    return json.loads(VARIANTS_FILE.read_text())


def int8_entry(source_name: str, backend: str) -> dict | None:
    """The int8 variant of a registry file for a backend (``filename``, ``shipped``, ...)."""
    e = _variants()["int8"].get(source_name)
    if e is None or backend not in SUFFIX:
        return None
    stem = source_name.rsplit(".", 1)[0]
    return {"dir": e.get("dir", ""), "network": e.get("network"), "filename": stem + SUFFIX[backend],
            **e.get(backend, {"shipped": False, "why": "not made"})}


def int8_target(source_name: str, backend: str) -> Path:
    """Where the int8 variant of a registry file is installed."""
    e = int8_entry(source_name, backend)
    return model_dir() / e["dir"] / e["filename"]


def files_of(path: Path) -> list[Path]:
    """The files of a model (an OpenVINO IR is an ``.xml`` and its ``.bin``)."""
    return [path, path.with_suffix(".bin")] if path.suffix == ".xml" else [path]


def installed(source: Path, backend: str) -> Path | None:
    """The int8 variant's file where it is installed (beside ``source`` or in the model directory), else None."""
    e = int8_entry(source.name, backend)
    for p in (source.parent / e["filename"], int8_target(source.name, backend)):
        if all(f.is_file() for f in files_of(p)):
            return p
    return None


def int8_available(source: Path, backend: str) -> bool:
    e = int8_entry(source.name, backend)
    return bool(e and e.get("shipped") and installed(source, backend))


def require_nncf(what: str) -> None:
    """One line where NNCF, which builds the int8 variants, is not installed (checked here, before a
    child process is started for the build)."""
    if find_spec("nncf") is None:
        raise ModelError(f"{what} is not installed, and NNCF, which builds it on first use, is not: "
                         f"{INSTALL_HINT}")


def _build(source: Path, backend: str) -> None:
    """Build the int8 variants of ``source``'s network in a child process (``optimize/int8_build.py``
    records its calibration inputs by running the network, which this layer does not import);
    its progress and warnings pass through (stderr), its one-line error (stdout) becomes this
    ``ModelError``."""
    require_nncf(f"the int8 variant of {source.name} for {backend}")
    r = run_module("jetson_pose_ros.optimize.int8_build", str(source), backend, stderr=False)
    if r.returncode != 0:
        lines = r.stdout.strip().splitlines()
        raise ModelError(lines[-1] if lines else
                         f"building the int8 variant of {source.name} for {backend} failed (exit {r.returncode})")


def int8_file(source: Path, backend: str, build: bool = True) -> Path:
    """The installed, verified int8 variant of ``source`` for ``backend``; ``build``: made on first use
    where it is not installed yet."""
    e = int8_entry(source.name, backend)
    if e is None:
        raise ModelError(f"no int8 variant of {source.name} for {backend} in the registry (a model quantized "
                         "elsewhere runs as it is with --model FILE --precision f32)")
    if not e.get("shipped"):
        raise ModelError(f"the int8 variant of {source.name} for {backend} is not shipped: "
                         f"{e.get('why', 'its accuracy did not hold')}")
    path = installed(source, backend)
    if path is None and build:
        _build(source, backend)     # first use: build it (NNCF), cache it in the model directory
        path = installed(source, backend)
    if path is None:
        raise ModelError(f"the int8 variant of {source.name} for {backend} is not installed; make it with "
                         f"'{INSTALL_CMD} NETWORK' (looked in {source.parent} and "
                         f"{int8_target(source.name, backend).parent})")
    sidecar = path.with_name(path.name + ".sha256")
    expected = dict(reversed(line.split()) for line in sidecar.read_text().splitlines() if line.strip()) \
        if sidecar.is_file() else {}
    for f in files_of(path):
        want = expected.get(f.name)
        if want and sha256sum(f) != want:
            raise ModelError(f"{f} is corrupt (sha256 does not match {want[:12]}...); delete it and it is "
                             f"built again on next use")
    return path
