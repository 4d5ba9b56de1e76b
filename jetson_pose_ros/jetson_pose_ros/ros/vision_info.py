"""``~/vision_info`` (vision_msgs/VisionInfo, transient local): what the node's results mean.

``method`` names the network, backend, precision and input size; ``database_location`` is the
installed ``config/pose_classes.json`` (``database()``: the class IDs used in ``detections``,
``person`` and ``hand``, and each network's class, keypoint names and skeleton), as
ros_deep_learning's detectnet points to its label file.  ``python -m jetson_pose_ros.ros.vision_info``
rewrites that file from the registry (a test checks that the committed file is current).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..core.registry import get_network, network_names

PACKAGE = "jetson_pose_ros"
DATABASE = "pose_classes.json"
SOURCE_FILE = Path(__file__).resolve().parents[2] / "config" / DATABASE   # in the source tree
DATABASE_VERSION = 1


def database() -> dict:
    """The class IDs of ``detections`` and every registry network's keypoints and skeleton."""
    networks = {}
    for name in network_names():
        topo = get_network(name).topology()
        networks[name] = {"class_id": "hand" if "hand" in name else "person",
                          "keypoints": list(topo.keypoints), "skeleton": [list(link) for link in topo.skeleton]}
    return {"version": DATABASE_VERSION,
            "classes": {"person": "a human body (Detection2DArray class_id 'person')",
                        "hand": "a human hand (Detection2DArray class_id 'hand')"},
            "networks": networks}


def database_location() -> str:
    """The installed file (the package's share directory), else the source tree's copy."""
    try:
        from ament_index_python.packages import get_package_share_directory

        installed = Path(get_package_share_directory(PACKAGE)) / "config" / DATABASE
        if installed.is_file():
            return str(installed)
    except (ImportError, LookupError, ValueError):
        pass
    return str(SOURCE_FILE)


def method(net) -> str:
    model = net.model
    spec = getattr(model, "input", None)
    size = getattr(spec, "size", None)
    size_text = f"{size[0]}x{size[1]}" if size else "per-stage"      # detector + landmark: two inputs
    backend, _, precision = (getattr(model, "backend_used", "") or "? ?").partition(" ")
    return f"network={net.network} backend={backend} precision={precision or '?'} input_size={size_text}"


def publish(node, net):
    """Create ``~/vision_info`` (transient local, depth 1) and publish it once; returns the
    publisher (None where vision_msgs is missing: the node then runs without it)."""
    try:
        from vision_msgs.msg import VisionInfo
    except ImportError:
        return None
    from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL,
                     reliability=ReliabilityPolicy.RELIABLE)
    pub = node.create_publisher(VisionInfo, "~/vision_info", qos)
    msg = VisionInfo(method=method(net), database_location=database_location(), database_version=DATABASE_VERSION)
    msg.header.stamp = node.get_clock().now().to_msg()
    pub.publish(msg)
    return pub


if __name__ == "__main__":
    SOURCE_FILE.write_text(json.dumps(database(), indent=1) + "\n")
    print(f"wrote {SOURCE_FILE}", file=sys.stderr)
