"""Keypoints in 3D: the median of the valid depths around each keypoint, back-projected.

For every found keypoint (colour-image pixel ``(u, v)``):
  1. its pixel in the depth image (aligned depth, any resolution of the same view: ``u_d =
     (u + 0.5) * W_d / W_c - 0.5``), rounded to the nearest pixel;
  2. the ``window`` x ``window`` depths around it (pixels outside the image do not count, a centre
     outside it has none);
     valid = finite, > 0 and inside ``[min_depth, max_depth]``;
  3. z = the median of the valid depths (mean of the middle two for an even count); NaN when none is
     valid: a hole, a keypoint off the depth image or outside the range is NaN, never a point at the
     origin;
  4. ``(x, y) = z * ray(u, v)``: the keypoint's exact colour pixel through the camera model
     (``Intrinsics.normalized``, distortion removed), intrinsics scaled to the colour size.

Depth values are z (distance along the optical axis, REP-118), not the range along the ray.  The
result is (N, K, 3) metres in the depth camera's optical frame (REP-103: x right, y down, z
forward).  Everything is vectorised over all keypoints of a frame (one gather, one sort).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core.errors import InputError
from ..core.pose import PoseFrame
from .encoding import DepthImage
from .intrinsics import Intrinsics, check_same_view
from .settings import DepthSettings

_OFFSETS: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
_TINY = float(np.nextafter(np.float32(0), np.float32(1)))


def _offsets(window: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets along one axis (window,) and into the flattened image (window * window,)."""
    key = (window, width)
    if key not in _OFFSETS:
        r = np.arange(window) - (window - 1) // 2
        _OFFSETS[key] = r, (r[:, None] * width + r[None, :]).reshape(-1)
    return _OFFSETS[key]


def window_median(depth: np.ndarray | DepthImage, uv: np.ndarray, window: int = 5, min_depth: float = 0.0,
                  max_depth: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """Median of the valid depths in a ``window`` x ``window`` square around each depth-image pixel
    ``uv`` (M, 2) (rounded; a centre off the image has none).  ``depth``: (H, W) metres or a
    ``DepthImage``.  Returns (z (M,) metres, NaN where no depth is valid; the number of valid depths
    (M,))."""
    raw, scale = (depth.raw, depth.scale) if isinstance(depth, DepthImage) else (np.asarray(depth), 1.0)
    uv = np.asarray(uv, np.float64).reshape(-1, 2)
    h, w = raw.shape
    r, flat = _offsets(int(window), w)
    c = np.floor(uv + 0.5).astype(np.int64)
    cu, cv = c[:, 0], c[:, 1]
    centre = (cv >= 0) & (cv < h) & (cu >= 0) & (cu < w)                   # a centre off the image: none
    rows, cols = cv[:, None] + r, cu[:, None] + r                          # (M, window) each
    rows_in = (rows >= 0) & (rows < h) & centre[:, None]
    cols_in = (cols >= 0) & (cols < w)
    inside = (rows_in[:, :, None] & cols_in[:, None, :]).reshape(len(uv), -1)
    # one flat gather; indices outside the image are clipped and then masked by `inside`
    values = np.take(raw.reshape(-1), (cv * w + cu)[:, None] + flat, mode="clip").astype(np.float32)
    if scale != 1.0:
        values *= np.float32(scale)
    # NaN fails every comparison: finite, > 0 and in range in one expression
    valid = inside & (values >= max(min_depth, _TINY)) & (values <= max_depth)
    values = np.where(valid, values, np.float32(np.inf))
    values.sort(axis=1)
    count = np.count_nonzero(valid, axis=1)
    m = np.arange(len(uv))
    lo, hi = values[m, np.maximum(count - 1, 0) // 2], values[m, count // 2]
    z = np.where(count > 0, (lo.astype(np.float64) + hi) * 0.5, np.nan)
    return z, count


def lift_keypoints(xy: np.ndarray, depth: np.ndarray | DepthImage, intrinsics: Intrinsics,
                   image_size: tuple[int, int], settings: DepthSettings | None = None) -> np.ndarray:
    """(N, K, 2) colour-image keypoints (NaN = not found) of an image ``image_size`` (width, height)
    -> (N, K, 3) metres in the optical frame, NaN where the keypoint or its depth is unknown.
    ``depth``: a ``DepthImage`` (``encoding.decode_depth`` / ``depth_from_message``) or (H, W)
    metres, aligned to the colour image; ``intrinsics``: of the colour or the depth image (scaled
    to the colour size here)."""
    s = settings or DepthSettings()
    xy = np.asarray(xy, np.float64)
    if not isinstance(depth, DepthImage):
        depth = np.asarray(depth)
    if len(depth.shape) != 2:
        raise InputError(f"depth image must be (H, W), got shape {depth.shape}")
    out = np.full(xy.shape[:-1] + (3,), np.nan)
    found = np.isfinite(xy).all(axis=-1)
    if not found.any():
        return out
    colour = (int(image_size[0]), int(image_size[1]))
    sx, sy = check_same_view(colour, (depth.shape[1], depth.shape[0]))
    uv = xy[found]
    uv_depth = (uv + 0.5) * (sx, sy) - 0.5
    z, _ = window_median(depth, uv_depth, s.window, s.min_depth, s.max_depth)
    rays = intrinsics.scaled(*colour).normalized(uv)
    out[found] = np.column_stack((rays * z[:, None], z))
    return out


def with_xyz(frame: PoseFrame, depth: np.ndarray | DepthImage, intrinsics: Intrinsics,
             settings: DepthSettings | None = None) -> PoseFrame:
    """A new frame with ``xyz`` filled from an aligned depth image (``frame`` is not changed)."""
    if frame.image_size[0] <= 0 or frame.image_size[1] <= 0:
        raise InputError("the pose frame has no image size: cannot match it to the depth image")
    return replace(frame, xyz=lift_keypoints(frame.xy, depth, intrinsics, frame.image_size, settings))
