"""Inference backends behind one small interface.

``create_backend(path, name)`` returns an object with ``inputs`` / ``outputs``
(name -> shape), ``path``, ``run(feeds) -> {output name: array}`` and ``fed_input``: given the
network's ``InputSpec``, a backend may take over its conversion to float (OpenVINO folds it into
the compiled model); ``fed_input`` is then the spec of what to feed it instead, else None.  ``BACKENDS`` maps a
backend name to a factory ``(path, num_threads, precision) -> backend``; each backend lives in
its own module, imported only when chosen (so an optional runtime that is not installed costs
nothing).  ``runtime/loading.py`` picks the backend for a model file (its format, ``auto``: ``choice.py``,
``int8``: ``variants.py``) and creates it; ``precision`` is ``auto``, ``f32``, ``bf16`` or ``int8``.
"""
from __future__ import annotations

from pathlib import Path

from ...core.errors import ModelError


def _onnxruntime(providers=None):
    def factory(path, threads, precision="f32", input_spec=None):
        # optional runtime, imported lazily: only when this backend is chosen
        from .onnxruntime import OnnxRuntimeBackend, tensorrt_providers
        if precision not in ("f32", "int8"):
            raise ModelError(f"precision {precision}: not available with the onnxruntime backend "
                             "(f32 or int8; bf16 needs --backend openvino)")
        provs = tensorrt_providers(Path(path)) if providers == "tensorrt" else providers
        return OnnxRuntimeBackend(path, threads, provs)
    return factory


def _openvino(path, threads, precision="f32", input_spec=None):
    from .openvino import OpenVinoBackend   # optional runtime, imported lazily: only when chosen
    return OpenVinoBackend(path, threads, precision, fold_input=input_spec)


def _native(module: str, cls: str):
    """A backend that runs an original (non-ONNX) file as is, in f32."""
    def factory(path, threads, precision="f32", input_spec=None):
        import importlib   # optional runtime, imported lazily: only when chosen
        if precision != "f32":
            raise ModelError(f"precision {precision}: the {module.split('_')[0]} backend runs the original file "
                             "in f32 only")
        return getattr(importlib.import_module(f".{module}", __name__), cls)(path, threads)
    return factory


BACKENDS = {     # the same names as core.options.BACKEND_NAMES (the options table checks them)
    "onnxruntime": _onnxruntime(),
    "cpu": _onnxruntime(),
    "cuda": _onnxruntime(["CUDAExecutionProvider", "CPUExecutionProvider"]),
    "tensorrt": _onnxruntime("tensorrt"),
    "openvino": _openvino,
    "opencv": _native("opencv_dnn", "OpenCvDnnBackend"),
    "litert": _native("litert", "LiteRtBackend"),
}
def require_tensors(backend, network: str, inputs=(), outputs=(), option_hint: dict | None = None) -> None:
    """Raise a one-line ModelError if the model lacks an expected tensor."""
    hint = option_hint or {}
    for kind, wanted, have in (("input", inputs, backend.inputs), ("output", outputs, backend.outputs)):
        for name in wanted:
            if name not in have:
                opt = f"; pass {hint[name]} NAME" if name in hint else ""
                raise ModelError(f"network '{network}': model {backend.path.name} has no {kind} tensor "
                                 f"'{name}' (it has: {', '.join(have)}){opt}")
