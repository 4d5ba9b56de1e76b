"""jetson_pose_ros: multi-person human / hand pose estimation (jetson-inference poseNet
re-created on ONNX Runtime), usable as a library, a CLI and a ROS 2 node."""
from .errors import InputError, ModelError, PoseNetError
from .pose import Keypoint, ObjectPose
from .posenet import PoseNet, poseNet
from .registry import get_network, network_names
from .topology import Topology, load_topology

__all__ = ["PoseNet", "poseNet", "ObjectPose", "Keypoint", "Topology", "load_topology", "get_network",
           "network_names", "PoseNetError", "ModelError", "InputError", "classify_hand_gesture"]
__version__ = "0.1.0"


def __getattr__(name):  # PEP 562: the gesture rules load on first use, not with the package
    if name == "classify_hand_gesture":
        from .gestures.hand import classify_hand_gesture
        return classify_hand_gesture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
