"""LiteRT backend (``ai-edge-litert``, the TensorFlow Lite interpreter that MediaPipe itself
uses): runs the original ``.tflite`` files (MoveNet, MediaPipe hand and pose) as is, with the
same tensor names as the ONNX files converted from them.  Inputs with dynamic dimensions
(MoveNet's ``[1, -1, -1, 3]``) are resized to each feed's shape."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.errors import ModelError


class LiteRtBackend:
    """``ai_edge_litert.interpreter.Interpreter`` over a ``.tflite`` file."""

    def __init__(self, path: Path, num_threads: int | None = None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise ModelError("backend 'litert' needs the ai-edge-litert package: pip install ai-edge-litert") from None
        self.path = Path(path)
        try:
            self.interpreter = Interpreter(model_path=str(self.path),
                                           num_threads=int(num_threads) if num_threads else None)
            self.interpreter.allocate_tensors()
        except Exception as exc:  # ValueError / RuntimeError from the interpreter
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load model {path} in LiteRT: {first[:200]}") from None
        self._in = {d["name"]: d for d in self.interpreter.get_input_details()}
        self._out = {d["name"]: d["index"] for d in self.interpreter.get_output_details()}
        self.inputs = {n: [int(s) if s >= 0 else None for s in d["shape_signature"]] for n, d in self._in.items()}
        self.outputs = {d["name"]: list(map(int, d["shape"])) for d in self.interpreter.get_output_details()}
        self.providers = ["litert"]

    def run(self, feeds: dict[str, np.ndarray], outputs: list[str] | None = None) -> dict[str, np.ndarray]:
        it = self.interpreter
        resized = False
        for name, value in feeds.items():
            d = self._in[name]
            if tuple(d["shape"]) != value.shape:
                it.resize_tensor_input(d["index"], list(value.shape))
                resized = True
        if resized:
            it.allocate_tensors()
            self._in = {d["name"]: d for d in it.get_input_details()}
        for name, value in feeds.items():
            d = self._in[name]
            it.set_tensor(d["index"], np.ascontiguousarray(value, dtype=d["dtype"]))
        it.invoke()
        names = outputs or list(self._out)
        return {n: it.get_tensor(self._out[n]).copy() for n in names}
