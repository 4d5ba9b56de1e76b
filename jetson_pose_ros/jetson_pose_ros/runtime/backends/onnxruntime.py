"""ONNX Runtime backend: CPU, CUDA or TensorRT execution providers (TensorRT caches its engine
next to the model, or in ``$JETSON_POSE_TRT_CACHE``)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from ...core.errors import ModelError


class OnnxRuntimeBackend:
    """ONNX Runtime session; ``providers`` picks CPU, CUDA or TensorRT."""

    def __init__(self, path: Path, num_threads: int | None = None, providers: list | None = None):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if num_threads:
            opts.intra_op_num_threads = int(num_threads)
            opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        available = ort.get_available_providers()
        wanted = [p for p in (providers or ["CPUExecutionProvider"])
                  if (p[0] if isinstance(p, tuple) else p) in available]
        if not wanted:
            raise ModelError(f"none of the execution providers {providers} is available "
                             f"(onnxruntime has {available})")
        first = providers[0][0] if providers and isinstance(providers[0], tuple) else (providers or [None])[0]
        if first and first not in available:
            logging.getLogger("jetson_pose_ros").warning(
                "%s is not available in this onnxruntime build (it has %s); running %s on %s",
                first, ", ".join(available), Path(path).name, wanted[0] if isinstance(wanted[0], str) else wanted[0][0])
        self.providers = wanted
        try:
            self.session = ort.InferenceSession(str(path), sess_options=opts, providers=wanted)
        except Exception as exc:  # onnxruntime raises several exception types
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load model {path}: {first}") from None
        self.path = Path(path)
        self.inputs = {i.name: list(i.shape) for i in self.session.get_inputs()}
        self.outputs = {o.name: list(o.shape) for o in self.session.get_outputs()}
        self.input_types = {i.name: i.type for i in self.session.get_inputs()}

    def run(self, feeds: dict[str, np.ndarray], outputs: list[str] | None = None) -> dict[str, np.ndarray]:
        names = outputs or list(self.outputs)
        values = self.session.run(names, feeds)
        return dict(zip(names, values))


def tensorrt_providers(path: Path) -> list:
    cache = Path(os.environ.get("JETSON_POSE_TRT_CACHE", path.parent))
    return [("TensorrtExecutionProvider", {"trt_engine_cache_enable": True,
                                           "trt_engine_cache_path": str(cache),
                                           "trt_fp16_enable": True}),
            "CUDAExecutionProvider", "CPUExecutionProvider"]
