"""The small learned hand-sign model (numpy inference; trained by ``tools/train_hand_signs.py``).

A one-hidden-layer perceptron (tanh) on 56 features of a hand that do not depend on its position,
size, side (mirror) or in-plane rotation: the rules' five finger extensions and the thumb-index
pinch; the ten fingertip-fingertip and ten joint-wrist distances divided by the palm size; and
the cosine and sine of the 15 joint bends, measured in the hand's own frame (wrist at the origin,
wrist -> knuckle centre pointing up, index knuckle on the left, palm size 1).

It answers one of the data's four signs (``open_palm``, ``closed_fist``, ``pointing_up``, ``ok``)
or ``other``: hands it was shown as not one of those four (synthetic thumb-out fists, victory and
i_love_you hands built from the training rows); for ``other`` the rules decide.  The weights are
``hand_signs.json`` beside this module.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..core.errors import InputError

WEIGHTS = Path(__file__).with_name("hand_signs.json")
_TIPS = (4, 8, 12, 16, 20)
_PAIRS = np.array([(a, b) for i, a in enumerate(_TIPS) for b in _TIPS[i + 1:]])
_WRIST_TO = np.array(_TIPS + (6, 10, 14, 18, 3))
_CHAINS = ((0, 1, 2, 3, 4), (0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16), (0, 17, 18, 19, 20))
_JA = np.array([c[i] for c in _CHAINS for i in range(3)])
_JB = np.array([c[i + 1] for c in _CHAINS for i in range(3)])
_JC = np.array([c[i + 2] for c in _CHAINS for i in range(3)])


def canonical(xy: np.ndarray) -> np.ndarray:
    """(N, 21, 2) hands in their own frame: wrist at the origin, palm size 1 (mean wrist-knuckle
    distance), wrist -> knuckle centre along -y (up), index knuckle at smaller x than the pinky's."""
    rel = xy - xy[:, :1]
    knuckles = rel[:, [5, 9, 13, 17]]
    palm = np.sqrt((knuckles * knuckles).sum(-1)).mean(1)
    axis = knuckles.mean(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.sqrt((axis * axis).sum(-1))
        c = (-axis[:, 1] / r / palm)[:, None]           # turn the axis onto up, scale to palm size 1
        s = (axis[:, 0] / r / palm)[:, None]
    x, y = rel[..., 0], rel[..., 1]
    px = c * x + s * y
    px *= np.where(px[:, 5] < px[:, 17], 1.0, -1.0)[:, None]
    return np.stack([px, c * y - s * x], -1)


# one gather for all distances: tip-tip pairs, then joint-wrist
_DA = np.r_[_PAIRS[:, 0], _WRIST_TO]
_DB = np.r_[_PAIRS[:, 1], np.zeros(len(_WRIST_TO), dtype=int)]
_SEG_TO = np.r_[_DA, _JB, _JC]
_SEG_FROM = np.r_[_DB, _JA, _JB]


def model_features(xy: np.ndarray, extension: np.ndarray, pinch: np.ndarray) -> np.ndarray:
    """(N, 56) features of complete (N, 21, 2) hands; ``extension`` (N, 5) and ``pinch`` (N) are the
    rules' (``hand.hand_features``)."""
    p = canonical(xy)
    # one gather, one subtraction: the distance vectors, then the bends' first and second segments
    seg = p[:, _SEG_TO] - p[:, _SEG_FROM]
    n1, n2 = len(_DA), len(_DA) + len(_JA)
    u, v = seg[:, n1:n2], seg[:, n2:]
    sq = (seg * seg).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt(sq[:, :n1])
        norm = np.sqrt(sq[:, n1:n2] * sq[:, n2:]) + 1e-9
        cos = (u * v).sum(-1) / norm
        sin = (u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]) / norm
    bends = np.stack([cos, sin], -1).reshape(len(p), -1)        # cos, sin per joint
    return np.nan_to_num(np.concatenate([extension, pinch[:, None], dist, bends], 1), copy=False)


class HandSignModel:
    """The perceptron's weights; ``probabilities(features)`` -> (N, len(classes))."""

    def __init__(self, classes, mean, scale, w1, b1, w2, b2, info=None):
        self.classes = tuple(classes)
        self.mean, self.scale = np.asarray(mean, float), np.asarray(scale, float)
        self.w1, self.b1 = np.asarray(w1, float), np.asarray(b1, float)
        self.w2, self.b2 = np.asarray(w2, float), np.asarray(b2, float)
        self.info = dict(info or {})
        # the standardisation folded into the first layer (fewer operations per call)
        self._w1 = self.w1 / self.scale[:, None]
        self._b1 = self.b1 - (self.mean / self.scale) @ self.w1
        d, h = self.w1.shape
        if self.mean.shape != (d,) or self.scale.shape != (d,) or self.b1.shape != (h,) \
                or self.w2.shape != (h, len(self.classes)) or self.b2.shape != (len(self.classes),):
            raise InputError("hand-sign model: weight shapes do not fit together")

    def index(self, name: str) -> int:
        """Position of class ``name`` (-1 if the model has no such class)."""
        return self.classes.index(name) if name in self.classes else -1

    @property
    def size(self) -> int:
        """Number of stored numbers (weights, biases, feature mean and scale)."""
        return sum(a.size for a in (self.mean, self.scale, self.w1, self.b1, self.w2, self.b2))

    def logits(self, x: np.ndarray) -> np.ndarray:
        return np.tanh(x @ self._w1 + self._b1) @ self.w2 + self.b2

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        s = self.logits(x)
        s = np.exp(s - s.max(1, keepdims=True))
        return s / s.sum(1, keepdims=True)

    def to_dict(self) -> dict:
        r = lambda a: np.round(a, 6).tolist()   # noqa: E731
        return {"classes": list(self.classes), "mean": r(self.mean), "scale": r(self.scale),
                "w1": r(self.w1), "b1": r(self.b1), "w2": r(self.w2), "b2": r(self.b2), "info": self.info}

    def save(self, path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), separators=(",", ":")) + "\n")

    @classmethod
    def load(cls, path=WEIGHTS) -> "HandSignModel":
        path = Path(path)
        if not path.is_file():
            raise InputError(f"hand-sign model not found: {path} (python tools/train_hand_signs.py writes it)")
        d = json.loads(path.read_text())
        return cls(d["classes"], d["mean"], d["scale"], d["w1"], d["b1"], d["w2"], d["b2"], d.get("info"))


_DEFAULT: list = []


def default_model() -> HandSignModel:
    """The shipped model (``hand_signs.json``), loaded once."""
    if not _DEFAULT:
        _DEFAULT.append(HandSignModel.load())
    return _DEFAULT[0]
