"""Inference backends behind one small interface.

``create_backend(path, name)`` returns an object with ``inputs`` / ``outputs``
(name -> shape), ``path`` and ``run(feeds) -> {output name: array}``.  ``BACKENDS`` maps a
backend name to a factory ``(path, num_threads, precision) -> backend``; each backend lives in
its own module, imported only when chosen (so an optional runtime that is not installed costs
nothing).  ``auto`` picks the fastest backend and precision verified for the network on this
CPU (``choice.py``); ``precision`` is ``auto``, ``f32``, ``bf16`` or ``int8``.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ModelError

PRECISIONS = ("auto", "f32", "bf16", "int8")


def _onnxruntime(providers=None):
    def factory(path, threads, precision="f32"):
        from .onnxruntime import OnnxRuntimeBackend, tensorrt_providers
        if precision not in ("f32", "int8"):
            raise ModelError(f"precision {precision}: not available with the onnxruntime backend "
                             "(f32 or int8; bf16 needs --backend openvino)")
        provs = tensorrt_providers(Path(path)) if providers == "tensorrt" else providers
        return OnnxRuntimeBackend(path, threads, provs)
    return factory


def _openvino(path, threads, precision="f32"):
    from .openvino import OpenVinoBackend
    return OpenVinoBackend(path, threads, precision)


BACKENDS = {
    "onnxruntime": _onnxruntime(),
    "cpu": _onnxruntime(),
    "cuda": _onnxruntime(["CUDAExecutionProvider", "CPUExecutionProvider"]),
    "tensorrt": _onnxruntime("tensorrt"),
    "openvino": _openvino,
}


def create_backend(path: Path, name: str = "onnxruntime", num_threads: int | None = None,
                   precision: str | None = None, network: str | None = None):
    """Backend ``name`` (or ``auto``) running ``path`` at ``precision``; ``int8`` runs the
    file's int8 variant (``variants.py``) when the registry has one."""
    from .choice import resolve

    name = (name or "onnxruntime").lower()
    if name != "auto" and name not in BACKENDS:
        raise ModelError(f"unknown backend '{name}' (known: auto, {', '.join(BACKENDS)})")
    precision = (precision or "auto").lower()
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision '{precision}' (known: {', '.join(PRECISIONS)})")
    name, precision = resolve(name, precision, network, Path(path))
    if precision == "int8":
        from ..variants import int8_file
        path = int8_file(Path(path), "onnxruntime" if name in ("cpu", "cuda", "tensorrt") else name)
    backend = BACKENDS[name](path, num_threads, precision)
    backend.backend_name, backend.precision = name, precision
    return backend


def require_tensors(backend, network: str, inputs=(), outputs=(), option_hint: dict | None = None) -> None:
    """Raise a one-line ModelError if the model lacks an expected tensor."""
    hint = option_hint or {}
    for kind, wanted, have in (("input", inputs, backend.inputs), ("output", outputs, backend.outputs)):
        for name in wanted:
            if name not in have:
                opt = f"; pass {hint[name]} NAME" if name in hint else ""
                raise ModelError(f"network '{network}': model {backend.path.name} has no {kind} tensor "
                                 f"'{name}' (it has: {', '.join(have)}){opt}")
