"""People in 3D from an aligned depth image and ``camera_info`` (ROS-free: numpy, cv2 for the
distortion models).

  * ``encoding``: ``decode_depth`` / ``depth_from_message`` -> ``DepthImage`` (16UC1/mono16 mm, 32FC1 m);
  * ``intrinsics``: ``Intrinsics`` from camera_info, scaled between sizes, pixel -> ray;
  * ``lifting``: ``lift_keypoints`` / ``with_xyz`` (median of valid depths in a window);
  * ``position``: ``person_positions`` (robust torso centre);
  * ``velocity``: ``VelocityEstimator`` per track; ``identity``: ``person_id`` (``b12``), ``body_frame``;
  * ``sync``: ``ApproximateTimeSync`` of colour, depth and camera_info by stamp;
  * ``diagnostics``: ``DepthDiagnostics``, ``sync_status``;
  * ``settings``: ``DEPTH_OPTIONS``, ``DepthSettings`` (checked window / range), ``camera_info_topic``;
  * ``lifter``: ``DepthLifter``: colour results + depth + camera_info streams -> 3D frames in order
    (what the node and the CLI run).
"""
from .diagnostics import DepthDiagnostics, DepthStatus, sync_status
from .encoding import (DEPTH_ENCODINGS, DepthImage, decode_depth, depth_from_buffer, depth_from_message,
                       depth_to_metres)
from .identity import body_frame, person_id
from .intrinsics import SUPPORTED_MODELS, Intrinsics
from .lifting import lift_keypoints, window_median, with_xyz
from .lifter import DepthLifter, Lifted
from .position import TORSO_KEYPOINTS, person_positions
from .settings import DEPTH_OPTIONS, DepthSettings, camera_info_topic
from .sync import ApproximateTimeSync, SyncedFrames, SyncStats, stamp_ns
from .velocity import VelocityEstimator

__all__ = ["ApproximateTimeSync", "DEPTH_ENCODINGS", "DEPTH_OPTIONS", "DepthDiagnostics", "DepthImage",
           "DepthLifter", "Lifted",
           "DepthSettings", "DepthStatus", "Intrinsics", "SUPPORTED_MODELS", "SyncStats", "SyncedFrames",
           "TORSO_KEYPOINTS", "VelocityEstimator", "body_frame", "camera_info_topic", "decode_depth",
           "depth_from_buffer", "depth_from_message", "depth_to_metres", "lift_keypoints", "person_id",
           "person_positions", "stamp_ns", "sync_status", "window_median", "with_xyz"]
