"""Pinhole intrinsics from ``camera_info``, scaled to another image size, and pixel -> ray.

``Intrinsics.from_camera_info(info)`` reads a ``sensor_msgs/CameraInfo`` or a dict with the same
fields (``k``/``K`` 3x3 row-major, ``d``/``D``, ``distortion_model``, ``width``, ``height``; a
``camera_calibration`` YAML dict with ``camera_matrix.data`` / ``distortion_coefficients.data``
works too).  With ``rectified=True`` the projection matrix ``P`` is used and no distortion (for
``image_rect*`` topics, whose pixels are already undistorted).

Distortion models (ROS ``distortion_model`` names; the pixel -> ray step inverts them):
  * ``plumb_bob`` (k1, k2, p1, p2[, k3]) and ``rational_polynomial`` (k1, k2, p1, p2, k3, k4, k5,
    k6): ``cv2.undistortPoints`` (iterated to 1e-9, OpenCV's Brown-Conrady model, the same
    coefficient order as ROS);
  * ``equidistant`` (k1..k4, the Kannala-Brandt fisheye model of ROS and OpenCV):
    ``cv2.fisheye.undistortPoints``;
  * any model (or none) whose coefficients are all zero: plain pinhole;
  * anything else with non-zero coefficients is one ``InputError`` (lifting with the wrong model
    would place people centimetres to decimetres off at the image borders without a warning).

Sizes: keypoints are in colour-image pixels and the depth image is *aligned* to the colour image
(``aligned_depth_to_color``, ZED's depth, OAK-D's depth aligned to RGB): the same optical frame and
field of view, possibly another resolution.  ``scaled(width, height)`` rescales the intrinsics to
another size of that same view, keeping pixel centres aligned (``u' = (u + 0.5) * s - 0.5``);
sizes whose aspect ratios differ by more than 1 % are not a rescale (a crop or another camera) and
raise ``InputError``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..core.errors import InputError

BROWN_CONRADY = ("plumb_bob", "rational_polynomial")
EQUIDISTANT = ("equidistant",)
SUPPORTED_MODELS = BROWN_CONRADY + EQUIDISTANT
_COEFFICIENTS = {"plumb_bob": (4, 5, 8), "rational_polynomial": (8,), "equidistant": (4,)}
_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 50, 1e-9)   # iterate the inverse to 1e-9


def _field(info, *names, default=None):
    for name in names:
        value = info.get(name) if isinstance(info, dict) else getattr(info, name, None)
        if isinstance(value, dict) and "data" in value:        # camera_calibration YAML
            value = value["data"]
        if value is not None:
            return value
    return default


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics of an image ``width`` x ``height``; ``d`` and ``distortion_model`` as in
    ``sensor_msgs/CameraInfo``."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int
    distortion_model: str = ""
    d: tuple = ()

    def __post_init__(self):
        values = (self.fx, self.fy, self.cx, self.cy)
        if not all(math.isfinite(float(v)) for v in values) or self.fx <= 0 or self.fy <= 0:
            raise InputError(f"camera intrinsics must be finite with fx, fy > 0, got fx={self.fx}, fy={self.fy}, "
                             f"cx={self.cx}, cy={self.cy} (an all-zero K means an uncalibrated camera)")
        if int(self.width) <= 0 or int(self.height) <= 0:
            raise InputError(f"camera intrinsics need the image size, got {self.width}x{self.height}")
        d = tuple(float(v) for v in self.d)
        if not all(math.isfinite(v) for v in d):
            raise InputError(f"distortion coefficients must be finite, got {list(d)}")
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "width", int(self.width))
        object.__setattr__(self, "height", int(self.height))
        if self.distorted:
            model = self.distortion_model
            if model not in SUPPORTED_MODELS:
                raise InputError(f"distortion model {model!r} with non-zero coefficients is not supported: "
                                 f"use {', '.join(SUPPORTED_MODELS)}, or the rectified image and rectified=True")
            if len(d) not in _COEFFICIENTS[model]:
                raise InputError(f"distortion model {model} takes {' or '.join(map(str, _COEFFICIENTS[model]))} "
                                 f"coefficients, got {len(d)}")

    # --- construction ------------------------------------------------------------------
    @classmethod
    def from_values(cls, fx: float, fy: float, cx: float, cy: float, width: int, height: int) -> "Intrinsics":
        """Distortion-free intrinsics (e.g. from ``--intrinsics fx,fy,cx,cy`` and the image size)."""
        return cls(float(fx), float(fy), float(cx), float(cy), int(width), int(height))

    @classmethod
    def from_camera_info(cls, info, rectified: bool = False, size: tuple[int, int] | None = None) -> "Intrinsics":
        """From a ``sensor_msgs/CameraInfo`` or a dict of its fields (see the module docstring).
        ``size`` (width, height): the image size to assume where the message's is 0 (some drivers
        leave it unset; pass the depth image's)."""
        width = _field(info, "width", "image_width", default=0)
        height = _field(info, "height", "image_height", default=0)
        if (not width or not height) and size is not None:
            width, height = size
        try:
            if rectified:
                p = np.asarray(_field(info, "p", "P", "projection_matrix", default=()), np.float64).reshape(3, 4)
                fx, fy, cx, cy = p[0, 0], p[1, 1], p[0, 2], p[1, 2]
                model, d = "", ()
            else:
                k = np.asarray(_field(info, "k", "K", "camera_matrix", default=()), np.float64).reshape(3, 3)
                fx, fy, cx, cy = k[0, 0], k[1, 1], k[0, 2], k[1, 2]
                model = str(_field(info, "distortion_model", default="") or "")
                d = tuple(np.asarray(_field(info, "d", "D", "distortion_coefficients", default=()),
                                     np.float64).reshape(-1))
        except (TypeError, ValueError) as exc:
            raise InputError(f"camera_info has no usable {'P (3x4)' if rectified else 'K (3x3)'}: {exc}") from None
        return cls(float(fx), float(fy), float(cx), float(cy), int(width), int(height), model, d)

    # --- queries -----------------------------------------------------------------------
    @property
    def distorted(self) -> bool:
        return any(v != 0.0 for v in self.d)

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def scaled(self, width: int, height: int) -> "Intrinsics":
        """These intrinsics for the same view at ``width`` x ``height`` (pixel centres aligned)."""
        width, height = int(width), int(height)
        if (width, height) == self.size:
            return self
        sx, sy = check_same_view(self.size, (width, height))
        return Intrinsics(self.fx * sx, self.fy * sy, (self.cx + 0.5) * sx - 0.5, (self.cy + 0.5) * sy - 0.5,
                          width, height, self.distortion_model, self.d)

    def normalized(self, uv: np.ndarray) -> np.ndarray:
        """(M, 2) pixels -> (M, 2) normalised image coordinates (X/Z, Y/Z), distortion removed."""
        uv = np.asarray(uv, np.float64).reshape(-1, 2)
        if not self.distorted or not len(uv):
            return np.stack(((uv[:, 0] - self.cx) / self.fx, (uv[:, 1] - self.cy) / self.fy), axis=1)
        pts, d = uv.reshape(-1, 1, 2), np.asarray(self.d, np.float64)
        if self.distortion_model in EQUIDISTANT:
            out = cv2.fisheye.undistortPoints(pts, self.matrix, d, criteria=_CRITERIA)
        else:
            out = _undistort_iterated(pts, self.matrix, d)
        return out.reshape(-1, 2)


def _undistort_iterated(pts: np.ndarray, matrix: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``cv2.undistortPoints`` iterated to ``_CRITERIA``: OpenCV 4 names it ``undistortPointsIter``,
    OpenCV 5 takes the criteria as ``undistortPoints``' 7th argument (the same values on both)."""
    if hasattr(cv2, "undistortPointsIter"):
        return cv2.undistortPointsIter(pts, matrix, d, None, None, _CRITERIA)
    return cv2.undistortPoints(pts, matrix, d, None, None, None, _CRITERIA)


def check_same_view(size: tuple[int, int], other: tuple[int, int], tolerance: float = 0.01) -> tuple[float, float]:
    """Scale factors (x, y) from ``size`` to ``other``, two sizes of one view (aligned images), or
    an ``InputError`` when their aspect ratios differ by more than ``tolerance``."""
    (w, h), (w2, h2) = size, other
    if min(w, h, w2, h2) <= 0:
        raise InputError(f"image sizes must be positive, got {w}x{h} and {w2}x{h2}")
    sx, sy = w2 / w, h2 / h
    if abs(sx / sy - 1.0) > tolerance:
        raise InputError(f"image sizes {w}x{h} and {w2}x{h2} have different aspect ratios: the depth image "
                         f"must be aligned to the colour image (same view, any resolution)")
    return sx, sy
