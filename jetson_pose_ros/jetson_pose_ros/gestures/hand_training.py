"""Training of the hand-sign model (``hand_model``) and its block-wise cross-validation.

Used by ``tools/train_hand_signs.py`` (writes ``hand_signs.json``), ``tools/gestures_eval.py`` and
the tests.  Deterministic: a fixed seed draws the synthetic hands and (again from the start) the initial
weights; the
fit is L-BFGS (scipy) on the mean cross-entropy plus an L2 penalty.

Training rows: the dev rows of ``hand_keypoints_dev.csv`` (Open, Close, Pointer, OK -> the four
data labels) and ``other``: hands that are none of those four, built from the same training rows
by moving fingers from one hand onto another (as the tests build the rule-only signs): a fist
with an open hand's thumb; an open hand with a fist's ring, pinky and thumb (victory); a pointing
hand with an open hand's middle finger (victory); an open hand with a fist's middle and ring
fingers (i_love_you).  They teach the model where its four signs end, so that it leaves those
hands to the rules.
"""
from __future__ import annotations

import numpy as np

from .hand import hand_features
from .hand_model import HandSignModel, model_features

CLASSES = ("open_palm", "closed_fist", "pointing_up", "ok", "other")
SEED = 0
HIDDEN = 16
L2 = 3e-3
SYNTHETIC_PER_KIND = 150


def features(xy: np.ndarray) -> np.ndarray:
    f = hand_features(xy)
    return model_features(xy, f["extension"], f["pinch"])


def _side(h):
    return np.sign((h[:, 5, 0] - h[:, 0, 0]) * (h[:, 17, 1] - h[:, 0, 1])
                   - (h[:, 5, 1] - h[:, 0, 1]) * (h[:, 17, 0] - h[:, 0, 0]))


def transplant(dst: np.ndarray, src: np.ndarray, joints) -> np.ndarray:
    """Copy ``joints`` of hands ``src`` (N, 21, 2) into hands ``dst``, moved/turned/scaled so that
    src's wrist and index knuckle land on dst's (mirrored first where the sides differ)."""
    c = lambda p: p[..., 0] + 1j * p[..., 1]   # noqa: E731
    s0, s1, d0, d1 = c(src[:, 0]), c(src[:, 5]), c(dst[:, 0]), c(dst[:, 5])
    pts = c(src[:, joints])
    flip = _side(src) != _side(dst)
    pts = np.where(flip[:, None], np.conj(pts), pts)
    s0, s1 = np.where(flip, np.conj(s0), s0), np.where(flip, np.conj(s1), s1)
    z = d0[:, None] + (pts - s0[:, None]) * ((d1 - d0) / (s1 - s0))[:, None]
    out = dst.copy()
    out[:, joints] = np.stack([z.real, z.imag], -1)
    return out


def synthetic_other(xy: np.ndarray, labels: np.ndarray, n: int, rng) -> np.ndarray:
    """4 * n hands that are none of the four data signs, built from the rows given."""
    op, fist, point = (xy[labels == k] for k in ("open_palm", "closed_fist", "pointing_up"))

    def pick(a):
        return a[rng.integers(0, len(a), n)]
    return np.concatenate([
        transplant(transplant(pick(op), pick(fist), [14, 15, 16, 18, 19, 20]), pick(fist), [2, 3, 4]),
        transplant(pick(point), pick(op), [10, 11, 12]),
        transplant(pick(op), pick(fist), [10, 11, 12, 14, 15, 16]),
        transplant(pick(fist), pick(op), [2, 3, 4]),
    ])


def _fit(x: np.ndarray, y: np.ndarray, k: int, hidden: int, l2: float, rng):
    from scipy.optimize import minimize   # heavy, for training only: lazy

    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = (x - mean) / scale
    n, d = z.shape
    target = np.eye(k)[y]
    shapes = [(d, hidden), (hidden,), (hidden, k), (k,)]
    sizes = [int(np.prod(s)) for s in shapes]

    def unpack(w):
        out, o = [], 0
        for s, q in zip(shapes, sizes):
            out.append(w[o:o + q].reshape(s))
            o += q
        return out

    def loss(w):
        w1, b1, w2, b2 = unpack(w)
        h = np.tanh(z @ w1 + b1)
        s = h @ w2 + b2
        s -= s.max(1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(1, keepdims=True)
        g = (p - target) / n
        gh = g @ w2.T * (1 - h ** 2)
        grad = np.r_[(z.T @ gh + 2 * l2 * w1).ravel(), gh.sum(0), (h.T @ g + 2 * l2 * w2).ravel(), g.sum(0)]
        value = -(target * np.log(p + 1e-12)).sum() / n + l2 * ((w1 ** 2).sum() + (w2 ** 2).sum())
        return value, grad

    w0 = np.r_[rng.normal(0, 1 / np.sqrt(d), d * hidden), np.zeros(hidden),
               rng.normal(0, 1 / np.sqrt(hidden), hidden * k), np.zeros(k)]
    w = minimize(loss, w0, jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    return (mean, scale, *unpack(w))


def train(xy: np.ndarray, labels, seed: int = SEED, hidden: int = HIDDEN, l2: float = L2,
          synthetic: int = SYNTHETIC_PER_KIND) -> HandSignModel:
    """Train on hands ``xy`` (N, 21, 2) with labels among the four data signs."""
    labels = np.asarray(labels)
    other = synthetic_other(xy, labels, synthetic, np.random.default_rng(seed))
    x = np.concatenate([features(xy), features(other)])
    y = np.r_[[CLASSES.index(t) for t in labels], np.full(len(other), CLASSES.index("other"))]
    mean, scale, w1, b1, w2, b2 = _fit(x, y, len(CLASSES), hidden, l2, np.random.default_rng(seed))
    info = {"trained_by": "tools/train_hand_signs.py", "seed": seed, "hidden": hidden, "l2": l2,
            "rows": int(len(xy)), "synthetic_other": int(len(other)), "features": int(x.shape[1])}
    return HandSignModel(CLASSES, mean, scale, w1, b1, w2, b2, info)


def cross_validate(xy: np.ndarray, labels, folds: np.ndarray, classify, **train_kw) -> np.ndarray:
    """Labels of every row from a model trained on the other folds: ``classify(xy, model)`` ->
    labels; ``folds`` from ``datasets.block_folds`` (whole blocks of consecutive rows)."""
    labels = np.asarray(labels)
    pred = np.empty(len(labels), dtype=object)
    for f in np.unique(folds):
        model = train(xy[folds != f], labels[folds != f], **train_kw)
        pred[folds == f] = classify(xy[folds == f], model)
    return pred.astype(str)
