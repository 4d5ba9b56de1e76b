"""Image -> input tensor, per the network's input spec, with the affine transform
that maps tensor pixels back to image pixels."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np


@dataclass
class InputSpec:
    name: str
    size: tuple[int, int]          # (width, height) of the tensor (or the bound, for "fit")
    resize: str = "stretch"         # stretch | letterbox | fit (keep aspect, dynamic size)
    multiple: int = 1               # "fit": round both sides to this multiple
    layout: str = "NCHW"
    color: str = "RGB"
    dtype: str = "float32"
    scale: float = 1.0              # applied before mean/std
    mean: tuple[float, ...] = (0.0, 0.0, 0.0)
    std: tuple[float, ...] = (1.0, 1.0, 1.0)
    pad_value: float = 0.0
    interpolation: str = "linear"   # linear (fast) | area (anti-aliased, ~10x slower)
    subpixel: bool = False          # letterbox at exact (fractional) offsets, as MediaPipe does,
                                    # instead of whole-pixel padding (as Ultralytics does; faster)

    @classmethod
    def from_dict(cls, d: dict, size: tuple[int, int] | None = None) -> "InputSpec":
        kw = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        kw["size"] = tuple(size or d["size"])
        for k in ("mean", "std"):
            if k in kw:
                kw[k] = tuple(kw[k])
        return cls(**kw)


class Affine:
    """2x3 affine map from image pixels to tensor pixels (corner-origin coordinates)."""

    def __init__(self, matrix: np.ndarray):
        self.matrix = np.asarray(matrix, dtype=np.float64).reshape(2, 3)
        self.inverse = cv2.invertAffineTransform(self.matrix)

    @classmethod
    def scale_offset(cls, sx: float, sy: float, ox: float = 0.0, oy: float = 0.0) -> "Affine":
        return cls(np.array([[sx, 0.0, ox], [0.0, sy, oy]]))

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Tensor-pixel points [..., 2] (x, y) -> image pixels."""
        pts = np.asarray(points, dtype=np.float64)
        return pts @ self.inverse[:, :2].T + self.inverse[:, 2]

    def to_tensor(self, points: np.ndarray) -> np.ndarray:
        pts = np.asarray(points, dtype=np.float64)
        return pts @ self.matrix[:, :2].T + self.matrix[:, 2]


def target_size(spec: InputSpec, width: int, height: int) -> tuple[int, int]:
    """Tensor (width, height): the spec's size rounded up to its ``multiple`` (a network with
    a stride needs it), or for ``fit`` the image scaled into that size, rounded."""
    m = max(1, spec.multiple)
    bw, bh = spec.size
    if spec.resize != "fit":
        return -(-bw // m) * m, -(-bh // m) * m
    s = min(bw / width, bh / height)
    low = fit_min_side(spec)
    return (max(low, int(round(width * s / m)) * m), max(low, int(round(height * s / m)) * m))


def fit_min_side(spec: InputSpec) -> int:
    """The least tensor side of a ``fit`` input: a quarter of the bound's smaller side (rounded up to
    the multiple).  A thinner image (1x4000) is padded up to it instead: a tensor a few pixels
    high is mostly the network's border, where it finds phantom people in an all-black image."""
    m = max(1, spec.multiple)
    return max(m, -(-min(spec.size) // 4 // m) * m)


def resize_transform(spec: InputSpec, width: int, height: int) -> tuple[Affine, tuple[int, int]]:
    tw, th = target_size(spec, width, height)
    if spec.resize == "fit":
        s = min(spec.size[0] / width, spec.size[1] / height)
        if min(width, height) * s < fit_min_side(spec):    # degenerate aspect: pad the thin side
            rw, rh = min(tw, max(1, round(width * s))), min(th, max(1, round(height * s)))
            return Affine.scale_offset(rw / width, rh / height, (tw - rw) // 2, (th - rh) // 2), (tw, th)
    if spec.resize == "letterbox":
        s = min(tw / width, th / height)
        if spec.subpixel:
            return Affine.scale_offset(s, s, (tw - width * s) / 2.0, (th - height * s) / 2.0), (tw, th)
        rw, rh = max(1, round(width * s)), max(1, round(height * s))
        ox, oy = (tw - rw) // 2, (th - rh) // 2
        return Affine.scale_offset(rw / width, rh / height, ox, oy), (tw, th)
    return Affine.scale_offset(tw / width, th / height), (tw, th)


@lru_cache(maxsize=32)
def _value_table(scale: float, mean: tuple, std: tuple) -> np.ndarray:
    """(x * scale - mean) / std for every 8-bit value x, per channel: [1, 256, channels] float32,
    computed with the same float32 operations in the same order as the array path below."""
    values = np.arange(256, dtype=np.float32)[:, None] * np.float32(scale)
    values = (values - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(values[None], dtype=np.float32)


def to_tensor(pixels: np.ndarray, spec: InputSpec) -> np.ndarray:
    """HxWx3 image already in the spec's colour order -> batched tensor.  An 8-bit image with a
    per-channel mean or std goes through a 256-entry table per channel (``cv2.LUT``: one pass, the
    same float32 values as multiplying, subtracting and dividing the array; 0.06 vs 0.31 ms for
    BlazePose's 224x224 detector input).  A scale alone stays two numpy passes, which are faster
    than the table (0.47 vs 0.58 ms at 640x640)."""
    normalised = any(spec.mean) or any(s != 1.0 for s in spec.std)
    if spec.dtype == "uint8":
        arr = pixels.astype(np.uint8, copy=False)
    elif normalised and pixels.dtype == np.uint8 and pixels.ndim == 3 \
            and pixels.shape[2] == len(spec.mean) == len(spec.std):
        arr = cv2.LUT(np.ascontiguousarray(pixels), _value_table(float(spec.scale), tuple(spec.mean), tuple(spec.std)))
    else:
        arr = pixels.astype(np.float32)
        if spec.scale != 1.0:
            arr *= np.float32(spec.scale)
        if normalised:
            arr -= np.asarray(spec.mean, np.float32)
            arr /= np.asarray(spec.std, np.float32)
    if spec.layout == "NCHW":
        arr = arr.transpose(2, 0, 1)
    return np.ascontiguousarray(arr[None])


def convert_color(image_bgr: np.ndarray, color: str) -> np.ndarray:
    return image_bgr if color.upper() == "BGR" else cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)


def prepare(image_bgr: np.ndarray, spec: InputSpec) -> tuple[np.ndarray, Affine]:
    """Resize/letterbox, colour-convert, normalise and lay out one BGR image."""
    h, w = image_bgr.shape[:2]
    affine, (tw, th) = resize_transform(spec, w, h)
    interp = cv2.INTER_AREA if spec.interpolation == "area" and tw < w else cv2.INTER_LINEAR
    if spec.resize == "letterbox" and spec.subpixel:
        padded = cv2.warpAffine(image_bgr, affine.matrix, (tw, th), flags=interp,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=(spec.pad_value,) * 3)
        return to_tensor(convert_color(padded, spec.color), spec), affine
    sx, _, ox = affine.matrix[0]
    sy, oy = affine.matrix[1, 1:]
    rw, rh = round(w * sx), round(h * sy)
    resized = cv2.resize(image_bgr, (rw, rh), interpolation=interp)
    if (rw, rh) != (tw, th):        # letterbox: pad to the tensor size (cheaper than warpAffine)
        ox, oy = int(ox), int(oy)
        resized = cv2.copyMakeBorder(resized, oy, th - rh - oy, ox, tw - rw - ox, cv2.BORDER_CONSTANT,
                                     value=(spec.pad_value,) * 3)
    return to_tensor(convert_color(resized, spec.color), spec), affine


def crop_rotated(image_bgr: np.ndarray, center: tuple[float, float], size: float, angle_rad: float,
                 out_size: tuple[int, int], spec: InputSpec) -> tuple[np.ndarray, Affine]:
    """Square region of side ``size`` centred at ``center``, rotated by ``angle_rad``
    (counter-clockwise in image coords), warped to ``out_size`` (for landmark models)."""
    ow, oh = out_size
    cos, sin = np.cos(angle_rad), np.sin(angle_rad)
    s = ow / size
    # tensor = s * R(-angle) * (img - center) + (ow/2, oh/2)
    m = np.array([[s * cos, s * sin, 0.0], [-s * sin, s * cos, 0.0]])
    m[:, 2] = np.array([ow / 2.0, oh / 2.0]) - m[:, :2] @ np.asarray(center, np.float64)
    affine = Affine(m)
    warped = cv2.warpAffine(image_bgr, affine.matrix, (ow, oh), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=(spec.pad_value,) * 3)
    return to_tensor(convert_color(warped, spec.color), spec), affine
