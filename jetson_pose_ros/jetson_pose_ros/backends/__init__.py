"""Inference backends behind one small interface.

``create_backend(path, name)`` returns an object with ``inputs`` / ``outputs``
(name -> shape), ``path`` and ``run(feeds) -> {output name: array}``.  ``BACKENDS`` maps a
backend name to a factory ``(path, num_threads) -> backend``; each backend lives in its own
module, imported only when chosen (so an optional runtime that is not installed costs nothing).
"""
from __future__ import annotations

import logging
from pathlib import Path

from ..errors import ModelError


def _onnxruntime(providers=None):
    def factory(path, threads):
        from .onnxruntime import OnnxRuntimeBackend, tensorrt_providers
        provs = tensorrt_providers(Path(path)) if providers == "tensorrt" else providers
        return OnnxRuntimeBackend(path, threads, provs)
    return factory


def _opencv(path, threads):
    from .opencv_dnn import OpenCvDnnBackend
    return OpenCvDnnBackend(path, threads)


def _litert(path, threads):
    from .litert import LiteRtBackend
    return LiteRtBackend(path, threads)


BACKENDS = {
    "onnxruntime": _onnxruntime(),
    "cpu": _onnxruntime(),
    "cuda": _onnxruntime(["CUDAExecutionProvider", "CPUExecutionProvider"]),
    "tensorrt": _onnxruntime("tensorrt"),
    "opencv": _opencv,
    "litert": _litert,
}
# backends that run an original (non-ONNX) model format as is: name -> file suffix
NATIVE_FORMATS = {"opencv": ".pb", "litert": ".tflite"}


def create_backend(path: Path, name: str = "onnxruntime", num_threads: int | None = None):
    name = name.lower()
    if name not in BACKENDS:
        raise ModelError(f"unknown backend '{name}' (known: {', '.join(BACKENDS)})")
    suffix = Path(path).suffix.lower()
    native = next((b for b, s in NATIVE_FORMATS.items() if s == suffix), None)
    if native and name not in NATIVE_FORMATS:
        if name not in ("onnxruntime", "cpu"):
            logging.getLogger("jetson_pose_ros").warning(
                "%s is a %s file, which backend '%s' cannot run; running it in '%s'",
                Path(path).name, suffix, name, native)
        name = native          # only the original file is installed: run it in the backend made for it
    elif name in NATIVE_FORMATS and suffix != NATIVE_FORMATS[name]:
        raise ModelError(f"backend '{name}' runs {NATIVE_FORMATS[name]} files, not {Path(path).name}")
    return BACKENDS[name](path, num_threads)


def require_tensors(backend, network: str, inputs=(), outputs=(), option_hint: dict | None = None) -> None:
    """Raise a one-line ModelError if the model lacks an expected tensor."""
    hint = option_hint or {}
    for kind, wanted, have in (("input", inputs, backend.inputs), ("output", outputs, backend.outputs)):
        for name in wanted:
            if name not in have:
                opt = f"; pass {hint[name]} NAME" if name in hint else ""
                raise ModelError(f"network '{network}': model {backend.path.name} has no {kind} tensor "
                                 f"'{name}' (it has: {', '.join(have)}){opt}")
