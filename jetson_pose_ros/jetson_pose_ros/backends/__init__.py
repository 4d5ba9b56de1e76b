"""Inference backends behind one small interface.

``create_backend(path, name)`` returns an object with ``inputs`` / ``outputs``
(name -> shape), ``path`` and ``run(feeds) -> {output name: array}``.  ``BACKENDS`` maps a
backend name to a factory ``(path, num_threads) -> backend``; each backend lives in its own
module, imported only when chosen (so an optional runtime that is not installed costs nothing).
"""
from __future__ import annotations

from pathlib import Path

from ..errors import ModelError


def _onnxruntime(providers=None):
    def factory(path, threads):
        from .onnxruntime import OnnxRuntimeBackend, tensorrt_providers
        provs = tensorrt_providers(Path(path)) if providers == "tensorrt" else providers
        return OnnxRuntimeBackend(path, threads, provs)
    return factory


BACKENDS = {
    "onnxruntime": _onnxruntime(),
    "cpu": _onnxruntime(),
    "cuda": _onnxruntime(["CUDAExecutionProvider", "CPUExecutionProvider"]),
    "tensorrt": _onnxruntime("tensorrt"),
}


def create_backend(path: Path, name: str = "onnxruntime", num_threads: int | None = None):
    try:
        factory = BACKENDS[name.lower()]
    except KeyError:
        raise ModelError(f"unknown backend '{name}' (known: {', '.join(BACKENDS)})") from None
    return factory(path, num_threads)


def require_tensors(backend, network: str, inputs=(), outputs=(), option_hint: dict | None = None) -> None:
    """Raise a one-line ModelError if the model lacks an expected tensor."""
    hint = option_hint or {}
    for kind, wanted, have in (("input", inputs, backend.inputs), ("output", outputs, backend.outputs)):
        for name in wanted:
            if name not in have:
                opt = f"; pass {hint[name]} NAME" if name in hint else ""
                raise ModelError(f"network '{network}': model {backend.path.name} has no {kind} tensor "
                                 f"'{name}' (it has: {', '.join(have)}){opt}")
