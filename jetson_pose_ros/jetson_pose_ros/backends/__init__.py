"""Inference backends behind one small interface.

``create_backend(path, name)`` returns an object with ``inputs`` / ``outputs``
(name -> shape), ``path``, ``run(feeds) -> {output name: array}`` and ``fed_input``: given the
network's ``InputSpec``, a backend may take over its conversion to float (OpenVINO folds it into
the compiled model); ``fed_input`` is then the spec of what to feed it instead, else None.  ``BACKENDS`` maps a
backend name to a factory ``(path, num_threads, precision) -> backend``; each backend lives in
its own module, imported only when chosen (so an optional runtime that is not installed costs
nothing).  ``auto`` picks the fastest of the network's accuracy-verified backend/precision pairs,
timed on this machine on first use (``choice.py``, ``tuning.py``); ``precision`` is ``auto``,
``f32``, ``bf16`` or ``int8``.
"""
from __future__ import annotations

import logging
from pathlib import Path

from ..errors import ModelError

PRECISIONS = ("auto", "f32", "bf16", "int8")


def _onnxruntime(providers=None):
    def factory(path, threads, precision="f32", input_spec=None):
        from .onnxruntime import OnnxRuntimeBackend, tensorrt_providers
        if precision not in ("f32", "int8"):
            raise ModelError(f"precision {precision}: not available with the onnxruntime backend "
                             "(f32 or int8; bf16 needs --backend openvino)")
        provs = tensorrt_providers(Path(path)) if providers == "tensorrt" else providers
        return OnnxRuntimeBackend(path, threads, provs)
    return factory


def _openvino(path, threads, precision="f32", input_spec=None):
    from .openvino import OpenVinoBackend
    return OpenVinoBackend(path, threads, precision, fold_input=input_spec)


def _native(module: str, cls: str):
    """A backend that runs an original (non-ONNX) file as is, in f32."""
    def factory(path, threads, precision="f32", input_spec=None):
        import importlib
        if precision != "f32":
            raise ModelError(f"precision {precision}: the {module.split('_')[0]} backend runs the original file "
                             "in f32 only")
        return getattr(importlib.import_module(f".{module}", __name__), cls)(path, threads)
    return factory


BACKENDS = {
    "onnxruntime": _onnxruntime(),
    "cpu": _onnxruntime(),
    "cuda": _onnxruntime(["CUDAExecutionProvider", "CPUExecutionProvider"]),
    "tensorrt": _onnxruntime("tensorrt"),
    "openvino": _openvino,
    "opencv": _native("opencv_dnn", "OpenCvDnnBackend"),
    "litert": _native("litert", "LiteRtBackend"),
}
# backends that run only an original (non-ONNX) model format: name -> file suffix
NATIVE_FORMATS = {"opencv": ".pb", "litert": ".tflite"}
# original formats: file suffix -> the backends that run such a file as is, preferred first.  A
# TensorFlow frozen graph runs in OpenVINO's TensorFlow frontend (any OpenCV) or in OpenCV 4's
# cv2.dnn importer (gone in OpenCV 5)
ORIGINAL_FORMATS = {".pb": ("openvino", "opencv"), ".tflite": ("litert",)}


def create_backend(path: Path, name: str = "onnxruntime", num_threads: int | None = None,
                   precision: str | None = None, network: str | None = None, input_spec=None):
    """Backend ``name`` (or ``auto``) running ``path`` at ``precision``; ``int8`` runs the
    file's int8 variant (``variants.py``) when the registry has one.  An original file (``.pb``,
    ``.tflite``: only it is installed) runs in the backend made for its format."""
    from .choice import resolve

    name = (name or "onnxruntime").lower()
    if name != "auto" and name not in BACKENDS:
        raise ModelError(f"unknown backend '{name}' (known: auto, {', '.join(BACKENDS)})")
    precision = (precision or "auto").lower()
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision '{precision}' (known: {', '.join(PRECISIONS)})")
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
        from ..variants import int8_file
        path = int8_file(Path(path), "onnxruntime" if name in ("cpu", "cuda", "tensorrt") else name)
    backend = BACKENDS[name](path, num_threads, precision, input_spec)
    backend.backend_name, backend.precision = name, precision
    backend.fed_input = getattr(backend, "fed_input", None)
    return backend


def _original_runner(path: Path, name: str, runners: tuple[str, ...]) -> str:
    """The backend that runs an original-format file: ``name`` if it can, else the first of
    ``runners`` installed here (a warning says so when another backend was asked for)."""
    from .choice import has_openvino

    if name in runners:
        return name
    if name in NATIVE_FORMATS:
        raise ModelError(f"backend '{name}' runs {NATIVE_FORMATS[name]} files, not {path.name}")
    chosen = next((b for b in runners if b != "openvino" or has_openvino()), runners[-1])
    if name not in ("auto", "onnxruntime", "cpu"):
        logging.getLogger("jetson_pose_ros").warning(
            "%s is a %s file, which backend '%s' cannot run; running it in '%s'", path.name, path.suffix, name, chosen)
    return chosen


def require_tensors(backend, network: str, inputs=(), outputs=(), option_hint: dict | None = None) -> None:
    """Raise a one-line ModelError if the model lacks an expected tensor."""
    hint = option_hint or {}
    for kind, wanted, have in (("input", inputs, backend.inputs), ("output", outputs, backend.outputs)):
        for name in wanted:
            if name not in have:
                opt = f"; pass {hint[name]} NAME" if name in hint else ""
                raise ModelError(f"network '{network}': model {backend.path.name} has no {kind} tensor "
                                 f"'{name}' (it has: {', '.join(have)}){opt}")
