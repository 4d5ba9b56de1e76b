"""Synthetic depth scenes for the depth tests: known 3D keypoints, rendered as planar patches
into a depth image of any size of the same view (aligned depth)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jetson_pose_ros.depth import Intrinsics

COLOUR = (640, 480)
K = Intrinsics.from_values(600.0, 610.0, 322.3, 236.8, *COLOUR)
BACKGROUND_M = 12.0          # a far wall beyond max_depth: invalid depth


@dataclass
class Scene:
    xy: np.ndarray           # (N, K, 2) colour pixels, NaN = not found
    xyz: np.ndarray          # (N, K, 3) true points, metres (NaN where not found)
    normals: np.ndarray      # (N, K, 3) patch plane normals
    holes: np.ndarray        # (N, K) bool: the patch has no depth at all (no return)
    half: int = 9            # patch half-size in colour pixels


def make_scene(seed: int = 0, people: int = 3, keypoints: int = 17, tilted: float = 0.3,
               holes: float = 0.1, missing: float = 0.1, intrinsics: Intrinsics = K) -> Scene:
    """Keypoints on a jittered grid (patches never overlap) at depths 0.8..6 m; a share ``tilted``
    of the patches tilted by 5 degrees (those within 2.5 m), ``holes`` without any depth, ``missing``
    not found by the "network"."""
    rng = np.random.default_rng(seed)
    n = people * keypoints
    cols, rows = 14, 10
    cells = rng.choice(cols * rows, n, replace=False)
    cw, ch = COLOUR[0] / cols, COLOUR[1] / rows
    u = (cells % cols + 0.5) * cw + rng.uniform(-0.15, 0.15, n) * cw
    v = (cells // cols + 0.5) * ch + rng.uniform(-0.15, 0.15, n) * ch
    z = rng.uniform(0.8, 6.0, n)
    # the pinhole model, written out (independent of the library's Intrinsics.normalized)
    xyz = np.column_stack(((u - intrinsics.cx) / intrinsics.fx * z, (v - intrinsics.cy) / intrinsics.fy * z, z))
    normals = np.tile([0.0, 0.0, -1.0], (n, 1))
    tilt = (rng.random(n) < tilted) & (z < 2.5)
    angle = np.deg2rad(5.0)
    normals[tilt] = [np.sin(angle), 0.0, -np.cos(angle)]
    hole = rng.random(n) < holes
    found = rng.random(n) >= missing
    xy = np.column_stack((u, v))
    xy[~found] = np.nan
    xyz[~found] = np.nan
    shape = (people, keypoints)
    return Scene(xy.reshape(*shape, 2), xyz.reshape(*shape, 3), normals.reshape(*shape, 3),
                 (hole & found).reshape(shape))


def render(scene: Scene, size=COLOUR, intrinsics: Intrinsics = K, noise_m: float = 0.0005,
           zero_share: float = 0.1, seed: int = 1) -> np.ndarray:
    """Float64 depth (metres, z) of the scene at ``size`` (the same view as the colour image):
    patches are squares of the colour image around each keypoint, each the plane through its 3D
    point; Gaussian noise; a share ``zero_share`` of pixels with no return (0)."""
    w, h = size
    sx, sy = COLOUR[0] / w, COLOUR[1] / h
    depth = np.full((h, w), BACKGROUND_M)
    uu, vv = np.meshgrid(np.arange(w), np.arange(h))
    # colour-image coordinates of each pixel centre of this image
    cu, cv = (uu + 0.5) * sx - 0.5, (vv + 0.5) * sy - 0.5
    xyz = scene.xyz
    centres = scene.xy.reshape(-1, 2)
    for (u, v), p, nrm, hole in zip(centres, xyz.reshape(-1, 3), scene.normals.reshape(-1, 3),
                                   scene.holes.reshape(-1)):
        if not np.isfinite(u):
            continue
        box = (np.abs(cu - u) <= scene.half) & (np.abs(cv - v) <= scene.half)
        if hole:
            depth[box] = 0.0
            continue
        # plane n.X = n.p through the keypoint, X = z * (rx, ry, 1) on the pinhole ray of each pixel
        rx, ry = (cu[box] - intrinsics.cx) / intrinsics.fx, (cv[box] - intrinsics.cy) / intrinsics.fy
        depth[box] = (nrm @ p) / (rx * nrm[0] + ry * nrm[1] + nrm[2])
    rng = np.random.default_rng(seed)
    depth = depth + rng.normal(0.0, noise_m, depth.shape) * (depth > 0)
    depth[rng.random(depth.shape) < zero_share] = 0.0
    return depth


def encode(depth_m: np.ndarray, encoding: str) -> np.ndarray:
    """A metres depth image as the camera driver would publish it (16UC1 mm with 0 for no return /
    out of range of uint16, 32FC1 metres with NaN for no return)."""
    if encoding in ("16UC1", "mono16"):
        mm = np.round(depth_m * 1000.0)
        return np.where((mm > 0) & (mm < 65536), mm, 0).astype(np.uint16)
    out = depth_m.astype(np.float32)
    out[depth_m <= 0] = np.nan
    return out
