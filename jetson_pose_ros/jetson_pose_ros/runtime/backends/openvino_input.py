"""Input normalisation folded into an OpenVINO model (its PrePostProcessor).

A network's ``InputSpec`` says how an 8-bit BGR image becomes its float tensor: colour order,
``scale``, ``mean``, ``std`` and layout.  ``fold`` adds exactly these steps to the model's
input, so the compiled model takes the resized 8-bit BGR image as it is ([1,H,W,3] uint8) and
runs the conversion in its own (vectorised, threaded) kernels instead of numpy's passes in
``preprocess.to_tensor``.  It returns the spec the caller must feed from then on (``raw``):
resizing, letterboxing, padding and crops stay in ``preprocess`` on the 8-bit image, where
they were (padding is in pixel values in both cases, so the tensor is the same).
"""
from __future__ import annotations

import hashlib
from dataclasses import replace

from ...preprocess import InputSpec


def raw(spec: InputSpec) -> InputSpec:
    """The spec of the 8-bit BGR NHWC image that a folded model takes."""
    return replace(spec, dtype="uint8", color="BGR", layout="NHWC", scale=1.0,
                   mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))


def wanted(spec: InputSpec | None, precision: str) -> bool:
    """A float32 NCHW/NHWC input that folding can take over without losing accuracy: in bf16
    (and int8, whose float layers run in bf16) only without a mean.  Measured with
    the ``precision`` case of ``benchmarks/run.py`` in bf16: folded, BlazePose's ``x / 127.5 - 1`` lost 0.015 AP
    (blazepose-body-lite) on coco_val2017_dev, while the scale-only inputs (yolo11n, MediaPipe
    Hands) kept their AP exactly.  Neither marking the added nodes to stay in f32 (OpenVINO's
    ``disable_fp16_compression``) nor subtracting the mean in pixel units before scaling changed
    that, so the cause is not known; OpenVINO may merge the steps into the first layer in bf16."""
    return (spec is not None and spec.dtype == "float32" and spec.layout in ("NCHW", "NHWC")
            and (precision == "f32" or not any(spec.mean)))


def foldable(spec: InputSpec, model) -> bool:
    """The model has that input, of rank 4 with 3 channels (or a dynamic channel count)."""
    port = next((p for p in model.inputs if spec.name in p.get_names()), None)
    if port is None or port.get_partial_shape().rank.get_length() != 4:
        return False
    c = port.get_partial_shape()[1 if spec.layout == "NCHW" else 3]
    return c.is_dynamic or c.get_length() == 3


def takes_u8(compiled, name: str) -> bool:
    """Whether the compiled model's input ``name`` is 8-bit (i.e. was folded)."""
    import openvino as ov

    port = next((p for p in compiled.inputs if name in p.get_names()), None)
    return port is not None and port.get_element_type() == ov.Type.u8


def key(spec: InputSpec) -> str:
    """A short digest of the folded steps, part of the compiled-model cache name."""
    text = f"{spec.name}|{spec.layout}|{spec.color}|{spec.scale!r}|{tuple(spec.mean)!r}|{tuple(spec.std)!r}"
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def fold(model, spec: InputSpec):
    """The model with ``spec``'s colour conversion, scale, mean, std and layout change in front
    of its input ``spec.name``; it then takes uint8 [1,H,W,3] BGR."""
    import openvino as ov
    from openvino.preprocess import ColorFormat, PrePostProcessor

    ppp = PrePostProcessor(model)
    port = ppp.input(spec.name)
    port.tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC")).set_color_format(ColorFormat.BGR)
    port.model().set_layout(ov.Layout(spec.layout))
    steps = port.preprocess().convert_element_type(ov.Type.f32)
    if spec.color.upper() == "RGB":
        steps.convert_color(ColorFormat.RGB)
    if spec.scale != 1.0:
        steps.scale(1.0 / spec.scale)          # x * scale, as preprocess.to_tensor does
    if any(spec.mean):
        steps.mean([float(m) for m in spec.mean])
    if any(s != 1.0 for s in spec.std):
        steps.scale([float(s) for s in spec.std])
    return ppp.build()
