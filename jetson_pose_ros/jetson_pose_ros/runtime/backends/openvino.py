"""OpenVINO backend (CPU): reads the same ONNX files as ONNX Runtime.

Precision: ``f32``, ``bf16`` (OpenVINO's inference-precision hint; needs a CPU with BF16, e.g.
AVX512_BF16 or AMX) or ``int8`` (the int8 OpenVINO IR made by ``tools/quantize``; the layers it
leaves in float run in bf16 where the CPU has it, else f32).  Dynamic input sizes stay dynamic: OpenVINO's CPU plugin compiles
the model once and handles each new input shape itself.

Compiled models are cached on disk, like jetson-inference's TensorRT engines, under a name made
of the model's sha256, the device, the precision and the OpenVINO version
(``<stem>.<sha256[:16]>.CPU.BF16.ov<version>.blob`` in ``$JETSON_POSE_OV_CACHE``, default
``~/.cache/jetson_pose_ros/openvino``), so a second start imports the compiled model instead of
compiling it again.

Given the network's ``InputSpec`` (``fold_input``), the model also takes over the input's
conversion to float (``openvino_input``): it is then fed the resized 8-bit BGR image as it is,
and ``fed_input`` is the spec to feed.  The cache name then carries the folded steps' digest.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from ...core.errors import ModelError
from ...core.checksums import sha256sum
from ...core.user_dirs import user_dir
from . import openvino_input
from .openvino_keep_f32 import keep_f32
from ..variants import files_of

log = logging.getLogger("jetson_pose_ros")

DEVICE = "CPU"
HINTS = {"f32": "f32", "bf16": "bf16", "int8": "f32"}   # int8: the variant's float layers in f32, or bf16
CAPABILITY = {"f32": "FP32", "bf16": "BF16", "int8": "INT8"}   # OPTIMIZATION_CAPABILITIES names
# model file name -> layer-name patterns kept in f32 under bf16 (openvino_keep_f32); empty: none
KEEP_F32: dict[str, list[str]] = {}


def cache_dir() -> Path:
    return user_dir("JETSON_POSE_OV_CACHE", "openvino")


def cpu_capabilities() -> set[str]:
    import openvino as ov

    return {c.upper() for c in ov.Core().get_property(DEVICE, "OPTIMIZATION_CAPABILITIES")}


def check_precision(precision: str, capabilities: set[str] | None = None) -> None:
    """One-line ModelError for a precision this CPU cannot run."""
    if precision not in HINTS:
        raise ModelError(f"unknown precision '{precision}' for openvino (known: auto, {', '.join(HINTS)})")
    caps = cpu_capabilities() if capabilities is None else capabilities
    if CAPABILITY[precision] not in caps:
        raise ModelError(f"precision {precision}: this CPU does not support it (OpenVINO CPU capabilities: "
                         f"{', '.join(sorted(caps))})")


class OpenVinoBackend:
    """One compiled OpenVINO model and its infer request."""

    def __init__(self, path: Path, num_threads: int | None = None, precision: str = "f32",
                 use_cache: bool = True, fold_input=None):
        try:
            import openvino as ov
        except ImportError:
            raise ModelError("backend openvino: the openvino package is not installed "
                             "(pip install openvino)") from None

        caps = cpu_capabilities()
        check_precision(precision, caps)
        self.path = Path(path)
        self.precision = precision
        core = ov.Core()
        hint = "bf16" if precision == "int8" and "BF16" in caps else HINTS[precision]
        config = {"INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "LATENCY",
                  "NUM_STREAMS": 1}
        if num_threads:
            config["INFERENCE_NUM_THREADS"] = int(num_threads)
        version = ov.get_version().split("-")[0]
        sums = [sha256sum(f) for f in files_of(self.path)]          # an IR: its .xml and .bin
        digest = sums[0] if len(sums) == 1 else hashlib.sha256("".join(sums).encode()).hexdigest()
        wanted = openvino_input.wanted(fold_input, precision)
        folded = f".pp{openvino_input.key(fold_input)}" if wanted else ""
        keep = KEEP_F32.get(self.path.name) if precision == "bf16" else None
        if keep:
            folded += ".keep" + hashlib.sha256("|".join(keep).encode()).hexdigest()[:8]
        self.cache_file = (cache_dir() / f"{self.path.stem}.{digest[:16]}{folded}.{DEVICE}."
                           f"{precision.upper()}.ov{version}.blob") if use_cache else None
        self.cache_hit = False
        compiled = self._import(core, config)
        if compiled is None:
            try:
                model = core.read_model(str(self.path))
                if keep:
                    model = keep_f32(model, keep)
                if wanted and openvino_input.foldable(fold_input, model):
                    model = openvino_input.fold(model, fold_input)
                compiled = core.compile_model(model, DEVICE, config)
            except Exception as exc:  # openvino raises RuntimeError with multi-line text
                raise ModelError(f"cannot load model {path} with openvino: {_first_line(exc)}") from None
            self._export(compiled)
        self.compiled = compiled
        # folded (now, or when the cached model was compiled): the input takes 8-bit pixels
        self.fed_input = openvino_input.raw(fold_input) if wanted and openvino_input.takes_u8(
            compiled, fold_input.name) else None
        self.request = compiled.create_infer_request()
        self.inputs = {p.get_any_name(): _shape(p) for p in compiled.inputs}
        self.outputs = {p.get_any_name(): _shape(p) for p in compiled.outputs}
        # every name of each output (ONNX files may give an output several names)
        self._out_index = {n: i for i, p in enumerate(compiled.outputs) for n in p.get_names()}

    def _import(self, core, config):
        if self.cache_file is None or not self.cache_file.is_file():
            return None
        try:
            compiled = core.import_model(self.cache_file.read_bytes(), DEVICE, config)
        except Exception as exc:  # a stale or truncated blob: compile again and overwrite it
            log.warning("openvino cache %s unusable (%s); compiling again", self.cache_file,
                        _first_line(exc))
            return None
        self.cache_hit = True
        return compiled

    def _export(self, compiled) -> None:
        if self.cache_file is None:
            return
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache_file.parent, prefix=".part-")
            with os.fdopen(fd, "wb") as f:
                f.write(compiled.export_model().getvalue())
            os.replace(tmp, self.cache_file)
        except OSError as exc:  # a read-only cache is not an error: the next start compiles again
            log.warning("cannot write openvino cache %s: %s", self.cache_file, exc.strerror or exc)

    def run(self, feeds: dict[str, np.ndarray], outputs: list[str] | None = None) -> dict[str, np.ndarray]:
        self.request.infer(feeds, share_inputs=True)   # synchronous: no copy of the input needed
        names = outputs or list(self.outputs)
        # copies: the request's buffers are reused by the next call
        return {n: np.array(self.request.get_output_tensor(self._out_index[n]).data) for n in names}


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _shape(port) -> list:
    return [d.get_length() if d.is_static else None for d in port.get_partial_shape()]
