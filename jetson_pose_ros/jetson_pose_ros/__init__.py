"""jetson_pose_ros: multi-person human / hand pose estimation (jetson-inference poseNet
re-created on ONNX Runtime / OpenVINO), usable as a library, a CLI and a ROS 2 node.

The names below load on first use (PEP 562), so that importing a submodule (the launch files'
``ros.launch_support``, the node) does not pay for numpy, OpenCV and the models' code first.
"""
from importlib import import_module

_EXPORTS = {
    "PoseNet": ".posenet", "poseNet": ".posenet",
    "ObjectPose": ".core.pose", "Keypoint": ".core.pose",
    "Topology": ".core.topology", "load_topology": ".core.topology",
    "get_network": ".core.registry", "network_names": ".core.registry",
    "PoseNetError": ".core.errors", "ModelError": ".core.errors", "InputError": ".core.errors",
    "classify_hand_gesture": ".gestures.hand",
}
__all__ = list(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
