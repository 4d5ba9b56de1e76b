"""Creating the backend that runs one model file: ``create_backend(path, name, ...)``.

An original file (``.pb``, ``.tflite``) runs in the backend made for its format (``formats.py``);
``auto`` (or ``auto`` precision) is the measured choice of ``choice.py``; ``int8`` runs the
file's int8 variant (``variants.py``).  The backends themselves are in ``backends/``."""
from __future__ import annotations

import logging
from pathlib import Path

from ..core.errors import ModelError
from ..core.options import OPTIONS
from .backends import BACKENDS
from .choice import has_openvino, resolve
from .formats import NATIVE_FORMATS, ORIGINAL_FORMATS
from .variants import int8_file


def create_backend(path: Path, name: str = "onnxruntime", num_threads: int | None = None,
                   precision: str | None = None, network: str | None = None, input_spec=None):
    """Backend ``name`` (or ``auto``) running ``path`` at ``precision``; ``int8`` runs the
    file's int8 variant (``variants.py``) when the registry has one.  An original file (``.pb``,
    ``.tflite``: only it is installed) runs in the backend made for its format."""
    name = OPTIONS["backend"].check(name or "onnxruntime")      # the options table's check (ModelError)
    precision = OPTIONS["precision"].check(precision or "auto")
    suffix = Path(path).suffix.lower()
    runners = ORIGINAL_FORMATS.get(suffix)
    if runners:
        name = _original_runner(Path(path), name, runners)
        if name != "openvino":
            precision = "f32"
    elif name in NATIVE_FORMATS:
        raise ModelError(f"backend '{name}' runs {NATIVE_FORMATS[name]} files, not {Path(path).name}")
    if not runners or name == "openvino":
        name, precision = resolve(name, precision, network, Path(path), num_threads, input_spec)
    if precision == "int8":
        path = int8_file(Path(path), "onnxruntime" if name in ("cpu", "cuda", "tensorrt") else name)
    backend = BACKENDS[name](path, num_threads, precision, input_spec)
    backend.backend_name, backend.precision = name, precision
    backend.fed_input = getattr(backend, "fed_input", None)
    return backend


def _original_runner(path: Path, name: str, runners: tuple[str, ...]) -> str:
    """The backend that runs an original-format file: ``name`` if it can, else the first of
    ``runners`` installed here (a warning says so when another backend was asked for)."""
    if name in runners:
        return name
    if name in NATIVE_FORMATS:
        raise ModelError(f"backend '{name}' runs {NATIVE_FORMATS[name]} files, not {path.name}")
    chosen = next((b for b in runners if b != "openvino" or has_openvino()), runners[-1])
    if name not in ("auto", "onnxruntime", "cpu"):
        logging.getLogger("jetson_pose_ros").warning(
            "%s is a %s file, which backend '%s' cannot run; running it in '%s'", path.name, path.suffix, name, chosen)
    return chosen
