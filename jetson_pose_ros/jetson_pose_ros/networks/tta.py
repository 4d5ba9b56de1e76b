"""Test-time augmentation shared by the families: which passes to run (input scales x
mirrored or not), the left/right keypoint permutation of a mirrored image, and, for
bottom-up PAF networks, how maps computed on a mirrored image or at another scale are
brought back onto one grid before they are averaged.

Mirroring swaps the *roles* of keypoints: on the mirrored image the network's
``left_wrist`` channel fires where the person's right wrist is.  So a map of the
mirrored image is flipped back horizontally and read with keypoints swapped by name
(``left_*`` <-> ``right_*``); a part-affinity field is read from the mirrored link
(``left_elbow -> left_wrist`` for ``right_elbow -> right_wrist``) with its x component
negated (and both components negated when the mirrored link is stored the other way
round).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from ..core.errors import ModelError
from ..preprocess import Affine

@dataclass(frozen=True)
class Pass:
    scale: float
    flip: bool


def passes(scales: Sequence[float] | None = None, flip: bool = False) -> list[Pass]:
    """The passes asked for by the ``scales`` (None: 1.0) and ``flip`` options (``DecoderConfig``,
    checked by the options table); the unflipped pass at the largest scale first (its grid is the
    common one)."""
    flips = (False, True) if flip else (False,)
    return [Pass(s, f) for s in sorted(set(scales or (1.0,)), reverse=True) for f in flips]


def mirror_name(name: str) -> str:
    for a, b in (("left", "right"), ("Left", "Right"), ("LEFT", "RIGHT")):
        if a in name:
            return name.replace(a, b)
        if b in name:
            return name.replace(b, a)
    return name


def flip_permutation(names: Sequence[str]) -> np.ndarray:
    """perm[i] = index of the keypoint that ``names[i]`` becomes in a mirror image
    (``left_eye`` <-> ``right_eye``; a name without a partner maps to itself)."""
    index = {n: i for i, n in enumerate(names)}
    return np.array([index.get(mirror_name(n), i) for i, n in enumerate(names)])


def flip_links(links: Sequence[tuple[int, int]], perm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each link (a, b): the index of the link joining (perm[a], perm[b]) and +1 if it
    is stored in that direction, -1 if stored as (perm[b], perm[a]); -1 index when the
    topology has no mirrored link."""
    where = {(int(a), int(b)): k for k, (a, b) in enumerate(links)}
    index, sign = np.full(len(links), -1), np.ones(len(links))
    for k, (a, b) in enumerate(links):
        fa, fb = int(perm[a]), int(perm[b])
        if (fa, fb) in where:
            index[k] = where[(fa, fb)]
        elif (fb, fa) in where:
            index[k], sign[k] = where[(fb, fa)], -1.0
    return index, sign


def unflip_maps(cmap: np.ndarray, paf: np.ndarray, perm: np.ndarray, link_index: np.ndarray,
                link_sign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maps of the mirrored image (cmap [C,H,W], paf [L,2,H,W] = (x, y)) -> maps of the
    original image.  A link without a mirrored partner gets a zero field."""
    cm = cmap[perm, :, ::-1]
    src = np.where(link_index >= 0, link_index, 0)
    pf = paf[src, :, :, ::-1] * link_sign[:, None, None, None]
    pf[:, 0] *= -1.0
    pf[link_index < 0] = 0.0
    return np.ascontiguousarray(cm, np.float32), np.ascontiguousarray(pf, np.float32)


def mirror_points(points: np.ndarray, width: int, perm: np.ndarray | None = None) -> np.ndarray:
    """Image points [..., K, 2] found on a mirrored image of ``width`` pixels -> points of
    the original image (x -> width - x, corner-origin pixels), keypoints permuted by ``perm``."""
    out = np.array(points, dtype=np.float64, copy=True)
    out[..., 0] = width - out[..., 0]
    return out[..., perm, :] if perm is not None else out


def grid_affine(affine: Affine, stride: np.ndarray) -> np.ndarray:
    """3x3 map from image pixels to map-grid pixels (continuous, corner-origin)."""
    m = np.vstack([affine.matrix, [0.0, 0.0, 1.0]])
    return np.diag([1.0 / stride[0], 1.0 / stride[1], 1.0]) @ m


def resample(maps: np.ndarray, src_from_image: np.ndarray, dst_from_image: np.ndarray,
             size: tuple[int, int]) -> np.ndarray:
    """Maps [C,h,w] on the grid ``src_from_image`` -> the grid ``dst_from_image`` of
    ``size`` (w, h), bicubic (cv2.warpAffine on pixel centres, in chunks of channels)."""
    m = src_from_image @ np.linalg.inv(dst_from_image)       # dst grid -> src grid (continuous)
    shift = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    m_cv = (np.linalg.inv(shift) @ m @ shift)[:2]             # pixel-centre convention
    w, h = size
    hwc = np.ascontiguousarray(maps.transpose(1, 2, 0))
    parts = [cv2.warpAffine(np.ascontiguousarray(hwc[:, :, i:i + 4]), m_cv, (w, h),
                            flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
             .reshape(h, w, -1) for i in range(0, hwc.shape[2], 4)]
    return np.ascontiguousarray(np.concatenate(parts, axis=2).transpose(2, 0, 1))


def require_dynamic_input(backend, spec, network: str) -> None:
    """Scales other than 1 need a model whose input height and width are not fixed."""
    shape = backend.inputs.get(spec.name, [])
    hw = shape[1:3] if spec.layout == "NHWC" else shape[2:4]
    if len(hw) == 2 and all(isinstance(v, int) and v > 0 for v in hw):
        raise ModelError(f"network '{network}' has a fixed input size {hw[1]}x{hw[0]}: --scales other than 1.0 "
                         "need a model with a dynamic input size")
