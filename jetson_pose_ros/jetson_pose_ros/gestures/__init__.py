"""Gestures and posture from keypoints (issue 23), ROS-free, numpy only.

* ``hand``: static hand signs of 21-keypoint hands (``classify_hand_gesture(s)``);
* ``motion``: fingertip-trajectory gestures (``classify_motion(s)``);
* ``body``: body gestures + pointing direction and posture (``classify_body_gestures``,
  ``classify_postures``); ``waving``: the temporal waving detector;
* ``debounce``: per-track label debouncing and point histories;
* ``frame``: all of it for one ``PoseFrame`` per call, in the JSON shape of issue 23.
"""
from .body import BODY_GESTURES, POSTURES, classify_body_gestures, classify_postures
from .debounce import Debouncer, TrackHistory
from .frame import FrameGestures
from .hand import HAND_LABELS, classify_hand_gesture, classify_hand_gestures
from .motion import MOTION_LABELS, classify_motion, classify_motions
from .waving import WaveDetector

__all__ = ["HAND_LABELS", "MOTION_LABELS", "BODY_GESTURES", "POSTURES", "classify_hand_gesture",
           "classify_hand_gestures", "classify_motion", "classify_motions", "classify_body_gestures",
           "classify_postures", "Debouncer", "TrackHistory", "WaveDetector", "FrameGestures"]
