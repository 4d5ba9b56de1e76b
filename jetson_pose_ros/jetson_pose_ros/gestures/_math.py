"""Small numeric helpers shared by the gesture rules (numpy only)."""
import numpy as np


def sigmoid(x):
    """Logistic function, written with tanh so that it never overflows."""
    return 0.5 + 0.5 * np.tanh(0.5 * np.asarray(x, dtype=np.float64))


def nanmean(a, axis):
    """Mean over ``axis`` ignoring NaN; NaN (no warning) where every value is NaN."""
    a = np.asarray(a, dtype=np.float64)
    ok = ~np.isnan(a)
    n = ok.sum(axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, a, 0.0).sum(axis) / np.where(n > 0, n, np.nan)
