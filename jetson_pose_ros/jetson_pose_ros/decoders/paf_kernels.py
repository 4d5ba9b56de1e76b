"""The two inner loops of PAF decoding, compiled by numba (``paf.find_peaks`` / ``paf.link_scores``
are their numpy-facing wrappers).

Why compiled: right after an inference the CPU caches are cold, and each numpy call then costs
5-15 us; the vectorised numpy version of these two steps made some 60 calls per frame and took
0.65 ms on the default body network, 5% of its inference time (``docs/backends.md``).  Each
loop here is one call.  Compiled code is cached on disk by numba (``cache=True``: next to this
file, or numba's user cache directory when that is read-only), so only the first start pays
the compile time (about 2 s).
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def peaks(cmap, threshold, window, max_peaks):
    """Local maxima of each part's map above ``threshold`` (the maximum of their clipped
    ``window`` x ``window`` neighbourhood; of equal maxima within one window only the first in
    raster order), at most ``max_peaks`` per part, strongest first, refined to the weighted centroid
    of the window (negative values weigh 0).  Returns (peaks [M,3] = x, y, score in continuous
    map coordinates, part by part; counts [C])."""
    num_parts, h, w = cmap.shape
    r = window // 2
    rows = np.empty(h * w, np.int64)
    cols = np.empty(h * w, np.int64)
    values = np.empty(h * w, np.float32)
    kept = np.empty(h * w, np.bool_)
    out = np.empty((num_parts * max(max_peaks, 0), 3), np.float32)
    counts = np.zeros(num_parts, np.int64)
    filled = 0
    for c in range(num_parts):
        n = 0
        for i in range(h):
            for j in range(w):
                v = cmap[c, i, j]
                if not v > threshold:
                    continue
                is_max = True
                for y in range(max(0, i - r), min(h, i + r + 1)):
                    for x in range(max(0, j - r), min(w, j + r + 1)):
                        if cmap[c, y, x] > v:
                            is_max = False
                if not is_max:
                    continue
                first = True
                for m in range(n):
                    if values[m] == v and abs(rows[m] - i) <= r and abs(cols[m] - j) <= r:
                        first = False
                        break
                rows[n], cols[n], values[n], kept[n] = i, j, v, first
                n += 1
        k = 0
        for m in np.argsort(-values[:n], kind="mergesort"):
            if k >= max_peaks:
                break
            if not kept[m]:
                continue
            i, j = rows[m], cols[m]
            total, sx, sy = 0.0, 0.0, 0.0
            for y in range(max(0, i - r), min(h, i + r + 1)):
                for x in range(max(0, j - r), min(w, j + r + 1)):
                    wv = cmap[c, y, x]
                    if wv > 0:
                        total += wv
                        sx += wv * x
                        sy += wv * y
            out[filled, 0] = sx / total + 0.5
            out[filled, 1] = sy / total + 0.5
            out[filled, 2] = values[m]
            filled += 1
            k += 1
        counts[c] = k
    return out[:filled], counts


@njit(cache=True, nogil=True)
def pair_scores(xy, a_first, a_count, b_first, b_count, paf, samples):
    """For each link k and each pair (a, b) of its candidate peaks (``xy`` rows ``a_first[k]`` ...
    and ``b_first[k]`` ..., a-major): the mean dot product of the field ``paf[k]`` ([L,2,H,W],
    x then y) with the unit vector a->b at ``samples`` points of the segment; for a segment shorter
    than a map pixel, whose direction is noise, the magnitude of the mean field."""
    _, _, h, w = paf.shape
    total = 0
    for k in range(len(a_count)):
        total += a_count[k] * b_count[k]
    out = np.empty(total, np.float32)
    step = np.float32(1.0 / (samples - 1)) if samples > 1 else np.float32(0.0)
    p = 0
    for k in range(len(a_count)):
        for ia in range(a_count[k]):
            ax, ay = xy[a_first[k] + ia, 0], xy[a_first[k] + ia, 1]
            for ib in range(b_count[k]):
                dx, dy = xy[b_first[k] + ib, 0] - ax, xy[b_first[k] + ib, 1] - ay
                norm = np.sqrt(dx * dx + dy * dy)
                ux, uy = (dx / norm, dy / norm) if norm > 1e-6 else (np.float32(0.0), np.float32(0.0))
                dot, sx, sy = 0.0, 0.0, 0.0
                for s in range(samples):
                    t = np.float32(s) * step
                    xi = min(max(int(ax + t * dx), 0), w - 1)
                    yi = min(max(int(ay + t * dy), 0), h - 1)
                    vx, vy = paf[k, 0, yi, xi], paf[k, 1, yi, xi]
                    dot += vx * ux + vy * uy
                    sx += vx
                    sy += vy
                out[p] = np.hypot(sx / samples, sy / samples) if norm < 1.0 else dot / samples
                p += 1
    return out


def warm_up() -> None:
    """Compile (or load from numba's cache) both loops now, at model load, not on the first frame."""
    cmap = np.zeros((1, 4, 4), np.float32)
    cmap[0, 1, 1] = 1.0
    found, _ = peaks(cmap, np.float32(0.5), 3, 2)
    pair_scores(np.ascontiguousarray(found[:, :2]), np.zeros(1, np.int64), np.ones(1, np.int64),
                np.zeros(1, np.int64), np.ones(1, np.int64), np.zeros((1, 2, 4, 4), np.float32), 3)
