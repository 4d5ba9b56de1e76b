# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled loops of the PAF decoder: peak finding with sub-pixel refinement (``find_peaks``),
link scoring (``link_scores``) and grouping connections into people (``group_objects``).

They give the numbers of the numpy code in ``paf.py`` (``find_peaks``, ``link_scores``, ``connect``:
the reference, which ``test_paf_decoder.py`` compares them with), in the same float32 operations
and order: the same peaks, scores, link scores and groups bit for bit, and the refined peak
coordinates to a float32 rounding step (numpy sums a window's moments in a BLAS matrix product,
in its own order).  Why compiled: right after an inference the CPU's caches are cold and each numpy
call costs 5-15 us; these steps took about 0.85 ms a frame for mobilenet-body in numpy, 0.35 ms as
loops (docs/backends.md).  setup.py builds the module where Cython and a C compiler are present;
without it ``paf`` runs the numpy code.
"""
import numpy as np
from libc.stdlib cimport free, malloc, qsort


cdef struct Cand:
    Py_ssize_t i, j
    float score
    bint keep


cdef int _stronger_first(const void* x, const void* y) noexcept nogil:
    """qsort order: higher score first, then raster order (row, column): a total order, so the
    result is that of numpy's stable sort of the raster-ordered maxima."""
    cdef const Cand* a = <const Cand*>x
    cdef const Cand* b = <const Cand*>y
    if a.score != b.score:
        return -1 if a.score > b.score else 1
    if a.i != b.i:
        return -1 if a.i < b.i else 1
    return -1 if a.j < b.j else (1 if a.j > b.j else 0)


cdef inline bint _window_max(const float[:, :, ::1] cmap, Py_ssize_t c, Py_ssize_t i, Py_ssize_t j,
                             Py_ssize_t lo, Py_ssize_t hi, float v) noexcept nogil:
    """No value of the window rows i+lo..i+hi, columns j+lo..j+hi (clipped to the map) exceeds v."""
    cdef Py_ssize_t ii, jj
    for ii in range(max(i + lo, 0), min(i + hi + 1, cmap.shape[1])):
        for jj in range(max(j + lo, 0), min(j + hi + 1, cmap.shape[2])):
            if cmap[c, ii, jj] > v:
                return False
    return True


cdef inline bint _marked_before(const long long* mark, long long run_id, Py_ssize_t i, Py_ssize_t j,
                                Py_ssize_t r, Py_ssize_t h, Py_ssize_t w) noexcept nogil:
    """A cell of the raster-earlier half of (i, j)'s window (rows i-r..i, and on row i only the
    columns before j) carries ``run_id`` on the ``mark`` map (h x w, row-major)."""
    cdef Py_ssize_t ii, jj
    for ii in range(max(i - r, 0), i + 1):
        for jj in range(max(j - r, 0), min(j + r + 1, w) if ii < i else j):
            if mark[ii * w + jj] == run_id:
                return True
    return False


cdef extern from "math.h" nogil:
    float _sqrtf "sqrtf"(float)
    float _hypotf "hypotf"(float, float)


cdef float _pairwise_sum(const float* a, Py_ssize_t n) noexcept nogil:
    """numpy's float32 sum of a contiguous run (``pairwise_sum`` in its umath loops: eight
    running sums from 8 values on), so that means equal ``ndarray.mean(axis=...)``'s."""
    cdef Py_ssize_t i, j, n2
    cdef float res = 0.0
    cdef float r[8]
    if n < 8:
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        for j in range(8):
            r[j] = a[j]
        i = 8
        while i < n - (n % 8):
            for j in range(8):
                r[j] += a[i + j]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += a[i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise_sum(a, n2) + _pairwise_sum(a + n2, n - n2)


def find_peaks(const float[:, :, ::1] cmap, float threshold, int window, int max_peaks):
    """``cmap`` [C,H,W] maps -> (peaks float32 [n,3] = (x, y, score), grouped by part, strongest
    first within a part, equal scores in raster order; bounds int64 [C+1]: part c's peaks are
    peaks[bounds[c]:bounds[c+1]])."""
    cdef Py_ssize_t nc = cmap.shape[0], h = cmap.shape[1], w = cmap.shape[2]
    cdef Py_ssize_t lo = -(window // 2), hi = window - 1 - window // 2, r = window // 2
    cdef Py_ssize_t i, j, c, ii, jj, a, b, start, n, m = 0, per
    cdef float v, q
    cdef double s0, sx, sy
    cdef Cand* cand = <Cand*>malloc(max(h * w, 1) * sizeof(Cand))    # one part's maxima
    cdef long long* mark = <long long*>malloc(max(h * w, 1) * sizeof(long long))   # plateau run ids
    cdef long long run_id = 0
    if cand == NULL or mark == NULL:
        free(cand)
        free(mark)
        raise MemoryError()
    for i in range(h * w):
        mark[i] = -1
    peaks = np.empty((min(nc * h * w, nc * max(max_peaks, 0)), 3), np.float32)
    bounds = np.zeros(nc + 1, np.int64)
    cdef float[:, ::1] pk = peaks
    cdef long long[::1] bd = bounds
    try:
        for c in range(nc):
            # 1. this part's local maxima above the threshold, in raster order
            n = 0
            for i in range(h):
                for j in range(w):
                    v = cmap[c, i, j]
                    # NaN is no peak
                    if v > threshold and _window_max(cmap, c, i, j, lo, hi, v):
                        cand[n].i = i
                        cand[n].j = j
                        cand[n].score = v
                        cand[n].keep = 1
                        n += 1
            # 2. strongest first, equal scores in raster order
            qsort(cand, n, sizeof(Cand), _stronger_first)
            # 3. plateaus: a peak with an earlier equal peak (its run, in raster order) within the
            #    window is dropped; the run is marked on the map, each peak looks at the raster-earlier
            #    half of its window (linear in the run, even on a saturated map)
            start = 0
            for a in range(1, n + 1):
                if a < n and cand[a].score == cand[start].score:
                    continue
                if a - start > 1:
                    for b in range(start, a):
                        mark[cand[b].i * w + cand[b].j] = run_id
                    for b in range(start + 1, a):
                        cand[b].keep = not _marked_before(mark, run_id, cand[b].i, cand[b].j, r, h, w)
                    run_id += 1
                start = a
            # 4. at most max_peaks, each refined to the weighted centroid of its window
            per = 0
            for a in range(n):
                if not cand[a].keep or per >= max_peaks:
                    continue
                per += 1
                i = cand[a].i
                j = cand[a].j
                s0 = 0.0
                sx = 0.0
                sy = 0.0
                for ii in range(max(i + lo, 0), min(i + hi + 1, h)):
                    for jj in range(max(j + lo, 0), min(j + hi + 1, w)):
                        q = cmap[c, ii, jj]
                        if q > 0:
                            s0 += q
                            sx += q * (jj - j)
                            sy += q * (ii - i)
                pk[m, 0] = <float>(sx / s0 + j + 0.5)
                pk[m, 1] = <float>(sy / s0 + i + 0.5)
                pk[m, 2] = cand[a].score
                m += 1
            bd[c + 1] = m
    finally:
        free(cand)
        free(mark)
    return peaks[:m], bounds


def link_scores(const float[:, ::1] peaks, const long long[::1] bounds, const long long[:, ::1] links,
                const float[:, :, :, ::1] paf, int samples):
    """Per link k = (part a, part b) of ``links`` [L,2], the score of every candidate pair, a-major:
    the mean over ``samples`` points of the segment of paf[k] . unit(a->b) (for parts less than a
    map pixel apart, the magnitude of the mean field).  ``peaks``/``bounds`` as ``find_peaks``
    returns them; ``paf`` [L,2,H,W].  Returns the links' [Na*Nb] scores concatenated (float32)."""
    cdef Py_ssize_t h = paf.shape[2], w = paf.shape[3], nl = links.shape[0]
    cdef Py_ssize_t kk, a0, a1, b0, b1, ia, ib, t, xi, yi, total = 0, pos = 0
    for kk in range(nl):
        total += (bounds[links[kk, 0] + 1] - bounds[links[kk, 0]]) * (bounds[links[kk, 1] + 1] - bounds[links[kk, 1]])
    out = np.empty(total, np.float32)
    cdef float[::1] o = out
    # the sample positions as np.linspace(0, 1, samples, dtype=float32) gives them
    tvals = np.linspace(0.0, 1.0, samples, dtype=np.float32)
    cdef float[::1] tv = tvals
    cdef float ax, ay, dx, dy, norm, ux, uy, px, py, vx, vy
    buffers = np.empty((3, samples), np.float32)       # per sample: x, y components, dot product
    cdef float[:, ::1] buf = buffers
    for kk in range(nl):
        a0 = bounds[links[kk, 0]]
        a1 = bounds[links[kk, 0] + 1]
        b0 = bounds[links[kk, 1]]
        b1 = bounds[links[kk, 1] + 1]
        for ia in range(a0, a1):
            ax = peaks[ia, 0]
            ay = peaks[ia, 1]
            for ib in range(b0, b1):
                dx = peaks[ib, 0] - ax
                dy = peaks[ib, 1] - ay
                norm = _sqrtf(dx * dx + dy * dy)
                if norm <= <float>1e-6:
                    ux = 0.0
                    uy = 0.0
                else:
                    ux = dx / norm
                    uy = dy / norm
                for t in range(samples):
                    px = ax + tv[t] * dx
                    py = ay + tv[t] * dy
                    xi = <Py_ssize_t>px         # truncation toward zero, as astype(int32)
                    yi = <Py_ssize_t>py
                    xi = 0 if xi < 0 else (w - 1 if xi > w - 1 else xi)
                    yi = 0 if yi < 0 else (h - 1 if yi > h - 1 else yi)
                    vx = paf[kk, 0, yi, xi]
                    vy = paf[kk, 1, yi, xi]
                    buf[0, t] = vx
                    buf[1, t] = vy
                    buf[2, t] = vx * ux + vy * uy
                if norm < 1.0:
                    o[pos] = _hypotf(_pairwise_sum(&buf[0, 0], samples) / samples,
                                     _pairwise_sum(&buf[1, 0], samples) / samples)
                else:
                    o[pos] = _pairwise_sum(&buf[2, 0], samples) / samples
                pos += 1
    return out


def group_objects(const long long[::1] bounds, const long long[::1] edge_a, const long long[::1] edge_b,
                  const double[::1] edge_score, int min_keypoints):
    """``paf.connect`` on flat peak indices (part c's peaks are bounds[c]..bounds[c+1]-1): the edges
    (a, b, score), already strongest first, merge two groups unless they share a part; the group
    of ``a`` absorbs that of ``b``.  Returns the groups of at least ``min_keypoints`` peaks, in the
    order of their first peak: (members int64 [G,C], the flat peak index per part or -1; sums of
    their link scores float64 [G])."""
    cdef Py_ssize_t nc = bounds.shape[0] - 1, nodes = bounds[nc], ne = edge_a.shape[0]
    cdef Py_ssize_t c, n, e, ra, rb, g = 0, count
    cdef bint shared
    parent_arr = np.arange(nodes, dtype=np.int64)
    members_arr = np.full((nodes, nc), -1, np.int64)
    sums_arr = np.zeros(nodes, np.float64)
    cdef long long[::1] parent = parent_arr
    cdef long long[:, ::1] members = members_arr
    cdef double[::1] sums = sums_arr
    for c in range(nc):
        for n in range(bounds[c], bounds[c + 1]):
            members[n, c] = n
    for e in range(ne):
        ra = _root(parent, edge_a[e])
        rb = _root(parent, edge_b[e])
        if ra == rb:
            continue
        shared = False
        for c in range(nc):
            if members[ra, c] >= 0 and members[rb, c] >= 0:
                shared = True
                break
        if shared:
            continue
        parent[rb] = ra
        for c in range(nc):
            if members[rb, c] >= 0:
                members[ra, c] = members[rb, c]
        sums[ra] += sums[rb] + edge_score[e]
    keep = np.zeros(nodes, np.bool_)
    cdef unsigned char[::1] k = keep.view(np.uint8)
    for n in range(nodes):
        if parent[n] != n:
            continue
        count = 0
        for c in range(nc):
            if members[n, c] >= 0:
                count += 1
        k[n] = count >= min_keypoints
    return members_arr[keep], sums_arr[keep]


cdef inline Py_ssize_t _root(long long[::1] parent, Py_ssize_t n) noexcept:
    while parent[n] != n:
        parent[n] = parent[parent[n]]
        n = parent[n]
    return n
