"""Readers for the labelled gesture data in ``shared/data/gestures`` (see its README) and the
block split used to validate on it: rows are consecutive video frames, so every check holds
out *blocks* of consecutive rows, never random rows.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..core.errors import InputError

# the mapping of the data's class names to our labels
HAND_MAP = {"Open": "open_palm", "Close": "closed_fist", "Pointer": "pointing_up", "OK": "ok"}
MOTION_MAP = {"Stop": "stop", "Clockwise": "clockwise", "Counter Clockwise": "counter_clockwise", "Move": "move"}
POSTURE_MAP = {"squats_up": "standing", "squats_down": "crouching", "pushups_up": "lying", "pushups_down": "lying"}
PHOTO_MAP = {"rock": "closed_fist", "paper": "open_palm", "scissors": "victory"}
# the trajectory set's frames (README: values are multiples of 1/960 and 1/540)
TRAJECTORY_FRAME = (960, 540)
# palm size (mean wrist-knuckle distance, pixels) of the same program's Pointer hands in
# hand_keypoints_dev.csv (median, recovered from each row's integer pixel grid): the hand size
# for the trajectories, which carry none themselves
TRAJECTORY_PALM_PX = 100.0
BLAZEPOSE_TO_COCO = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)


def read_labels(path: str | Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [line.strip() for line in f.read().splitlines()]


def _read_rows(path: str | Path) -> np.ndarray:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"gesture data file not found: {path}")
    return np.loadtxt(path, delimiter=",", ndmin=2)


def read_hand_keypoints(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """``(class_ids (N,), xy (N, 21, 2))`` of a Kazuhito00-format keypoint CSV (wrist-relative,
    max-normalised, image axes: x right, y down)."""
    a = _read_rows(path)
    if a.shape[1] != 43:
        raise InputError(f"{path}: expected 43 columns (class + 21 x,y), got {a.shape[1]}")
    return a[:, 0].astype(int), a[:, 1:].reshape(-1, 21, 2)


def read_trajectories(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """``(class_ids, points (N, 16, 2))`` in pixels of the 960x540 frames, relative to the oldest
    point, NaN where the source logged "no pointing hand" (its (0, 0), which the relative
    coordinates turn into minus the oldest point: a far jump up and left)."""
    a = _read_rows(path)
    p = a[:, 1:].reshape(len(a), -1, 2) * np.array(TRAJECTORY_FRAME, dtype=np.float64)
    med = np.median(p, axis=1, keepdims=True)
    missing = (np.linalg.norm(p - med, axis=2) > 200.0) & (p[..., 0] <= 0) & (p[..., 1] <= 0)
    p[missing] = np.nan
    return a[:, 0].astype(int), p


def read_body_poses(path: str | Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(class_names, coco_xy (N, 17, 2), blazepose_xyz (N, 33, 3))`` of the ML Kit pose CSV."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"gesture data file not found: {path}")
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    names = [r[1] for r in rows]
    v = np.array([[float(x) for x in r[2:101]] for r in rows]).reshape(-1, 33, 3)
    return names, v[:, list(BLAZEPOSE_TO_COCO), :2], v


def class_blocks(labels, rows_per_block: int = 50) -> np.ndarray:
    """Block id of every row: each class's rows, in file order, cut into consecutive blocks of
    about ``rows_per_block`` rows (as the data's own dev/held-out split does)."""
    labels = np.asarray(labels)
    block = np.empty(len(labels), dtype=np.int64)
    next_id = 0
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        nb = max(1, int(round(len(idx) / rows_per_block)))
        for part in np.array_split(idx, nb):
            block[part] = next_id
            next_id += 1
    return block


def block_folds(labels, k: int = 5, seed: int = 2025, rows_per_block: int = 50) -> np.ndarray:
    """Fold (0..k-1) of every row; whole blocks go to one fold, each class spread over the folds."""
    labels = np.asarray(labels)
    blocks = class_blocks(labels, rows_per_block)
    fold = np.empty(len(labels), dtype=np.int64)
    rng = np.random.default_rng(seed)
    for c in np.unique(labels):
        ids = np.unique(blocks[labels == c])
        order = rng.permutation(len(ids))
        for j, b in enumerate(ids[order]):
            fold[blocks == b] = j % k
    return fold
