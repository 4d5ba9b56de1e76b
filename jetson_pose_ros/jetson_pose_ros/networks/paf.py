"""Bottom-up PAF decoding (the trt_pose / jetson-inference poseNet algorithm).

1. peaks: confidence-map values above ``threshold`` (the minimum keypoint confidence) that are the maximum of
   their ``window`` x ``window`` neighbourhood, at most ``max_peaks`` per part;
2. sub-pixel refinement: weighted centroid of the map in that window;
3. link scores: the part-affinity field integrated along each candidate segment
   (``samples`` points, dot product with the segment's unit vector; for parts less
   than a map pixel apart, whose direction is undefined, the field's magnitude);
4. optimal one-to-one assignment per link (Hungarian, scipy) keeping pairs above
   ``link_threshold``;
5. objects: connections merged strongest first (union-find that never joins two
   groups holding the same part), at most ``max_objects``.

Steps 1, 2, 3 and 5 also exist as compiled loops (``_paf_native.pyx``, Cython), which ``decode``
uses where the package was built with them; the numpy functions here are their reference.

The algorithm works on a layout-free view: ``cmap`` [C,H,W] in public keypoint
order and ``paf`` [L,2,H,W] with the (x, y) components of each link.  ``PafLayout`` turns the raw outputs of a
trt_pose-style model (NCHW ``cmap`` + ``paf``, channel 2k = y, 2k+1 = x) or an
OpenPose-style model (one NHWC tensor: heatmaps, background, PAF) into that view.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from ..core import keypoints
from ..runtime.backends import require_tensors
from ..preprocess import prepare
from . import tta
from .base import PoseModel

try:    # the compiled loops (setup.py builds them where Cython and a C compiler are present)
    from . import _paf_native
except ImportError:
    _paf_native = None


@dataclass
class PafParams:
    link_threshold: float = 0.05
    window: int = 5
    max_peaks: int = 100
    samples: int = 7
    max_objects: int = 100
    min_keypoints: int = 2
    upsample: int = 1       # resize maps by this factor before decoding (finer peaks, slower)


@dataclass
class Link:
    a: int          # public keypoint ids
    b: int
    paf_x: int      # PAF channel holding the x component
    paf_y: int


# ------------------------------------------------------------------ algorithm
def find_peaks(cmap: np.ndarray, threshold: float, window: int, max_peaks: int) -> list[np.ndarray]:
    """Per part, an [N,3] array of refined peaks (x, y, score), strongest first.

    Coordinates are continuous map coordinates: pixel (i, j) spans [j, j+1) x [i, i+1),
    so an unrefined peak sits at (j + 0.5, i + 0.5).  Written for few numpy calls: right after
    an inference the caches are cold and each call costs 5-15 us (docs/backends.md)."""
    num_parts, h, w = cmap.shape
    # grey-scale dilation = maximum filter; OpenCV's is ~100x faster than scipy.ndimage here
    hwc = np.ascontiguousarray(cmap.transpose(1, 2, 0))
    local_max = cv2.dilate(hwc, np.ones((window, window), np.uint8), borderType=cv2.BORDER_CONSTANT,
                           borderValue=float(np.finfo(np.float32).min)).reshape(hwc.shape)  # 1 part: 2-D
    flat = np.flatnonzero((hwc == local_max) & (hwc > threshold))     # HWC raster order
    i, rest = np.divmod(flat, w * num_parts)
    j, c = np.divmod(rest, num_parts)
    scores = hwc.ravel()[flat]
    order = np.lexsort((-scores, c))                # by part, strongest first, then raster order
    c, i, j, scores = c[order], i[order], j[order], scores[order]
    r = window // 2
    same = (c[1:] == c[:-1]) & (scores[1:] == scores[:-1])
    if same.any():
        # plateaus: equal maxima within one window are one peak (keep the first in raster order)
        first = _first_of_plateaus(same, i, j, r, (h, w))
        c, i, j, scores = c[first], i[first], j[first], scores[first]
    # refine all peaks at once: weighted centroid of the window (outside the map: weight 0)
    padded = cv2.copyMakeBorder(hwc, r, r, r, r, cv2.BORDER_CONSTANT, value=0.0).ravel()
    dy, dx = np.divmod(np.arange(window * window), window)
    offsets = (dy * (w + 2 * r) + dx) * num_parts
    wts = padded[((i * (w + 2 * r) + j) * num_parts + c)[:, None] + offsets]          # [n, window^2]
    np.maximum(wts, 0.0, out=wts)
    moments = wts @ np.stack([np.ones(len(dx)), dx - r, dy - r], axis=1)           # [n, 3]
    peaks = np.empty((len(c), 3), np.float32)
    peaks[:, :2] = moments[:, 1:] / moments[:, :1] + np.stack([j, i], axis=1) + 0.5
    peaks[:, 2] = scores
    bounds = np.searchsorted(c, np.arange(num_parts + 1)).tolist()
    return [peaks[bounds[p]:min(bounds[p + 1], bounds[p] + max_peaks)] for p in range(num_parts)]


def _first_of_plateaus(same: np.ndarray, i: np.ndarray, j: np.ndarray, r: int, shape: tuple[int, int]) -> np.ndarray:
    """Which peaks to keep, sorted as ``find_peaks`` sorts them (``same[k]``: peak k+1 has the part
    and score of peak k, so a run of equal peaks is in raster order): a peak with an earlier peak of
    its run within ``r`` rows and columns is dropped.  Each run is marked on a map of the image and
    each peak looks at the raster-earlier half of its window there: time and memory linear in the
    run, even for a saturated map whose every pixel is an equal maximum."""
    keep = np.ones(len(i), bool)
    edges = np.diff(np.concatenate([[0], same.view(np.int8), [0]]))
    earlier = [(di, dj) for di in range(-r, 1) for dj in range(-r, r + 1) if di < 0 or dj < 0]
    for start, last in zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()):
        ri, rj = i[start:last + 1] + r, j[start:last + 1] + r
        member = np.zeros((shape[0] + 2 * r, shape[1] + 2 * r), bool)
        member[ri, rj] = True
        drop = np.zeros(len(ri), bool)
        for di, dj in earlier:
            drop |= member[ri + di, rj + dj]
        keep[start:last + 1] = ~drop
    return keep


def link_scores(peaks: list[np.ndarray], links: list["Link"], paf: np.ndarray,
                samples: int) -> list[np.ndarray]:
    """Per link, an [Na,Nb] matrix: the mean dot product of the PAF with the unit vector
    a->b, sampled at ``samples`` points of each candidate segment.  ``paf`` is
    [L,2,H,W] (x, y components per link); all candidate pairs of all links are indexed and
    sampled at once."""
    _, _, h, w = paf.shape
    counts = [len(p) for p in peaks]
    na = np.array([counts[lk.a] for lk in links])
    nb = np.array([counts[lk.b] for lk in links])
    pairs = na * nb
    total = int(pairs.sum())
    if total == 0:
        return [np.zeros((a, b), np.float32) for a, b in zip(na.tolist(), nb.tolist())]
    flat_peaks = np.concatenate(peaks)[:, :2]
    first = np.cumsum([0] + counts)
    a_first = first[[lk.a for lk in links]]
    b_first = first[[lk.b for lk in links]]
    kk = np.repeat(np.arange(len(links)), pairs)                           # link of each pair
    q = np.arange(total) - np.repeat(np.cumsum(pairs) - pairs, pairs)      # pair index within link
    ia, ib = np.divmod(q, nb[kk])
    pa, pb = flat_peaks[a_first[kk] + ia], flat_peaks[b_first[kk] + ib]
    d = pb - pa                                                        # [P,2]
    norm = np.sqrt((d * d).sum(axis=1))
    u = d / np.maximum(norm, 1e-6)[:, None]
    u[norm <= 1e-6] = 0.0
    t = np.linspace(0.0, 1.0, samples, dtype=np.float32)
    pts = pa[:, None, :] + t[None, :, None] * d[:, None, :]            # [P,K,2]
    xi = np.clip(pts[..., 0].astype(np.int32), 0, w - 1)
    yi = np.clip(pts[..., 1].astype(np.int32), 0, h - 1)
    k2 = kk[:, None]
    vx, vy = paf[k2, 0, yi, xi], paf[k2, 1, yi, xi]
    flat = (vx * u[:, None, 0] + vy * u[:, None, 1]).mean(axis=1)
    # parts less than a map pixel apart (a limb seen end-on, e.g. the shoulder of a person
    # turned sideways over the neck): the direction is noise, so score the field's strength
    short = norm < 1.0
    if short.any():
        flat[short] = np.hypot(vx[short].mean(axis=1), vy[short].mean(axis=1))
    flat = _finite_scores(flat)
    ends = np.cumsum(pairs).tolist()
    return [flat[e - a * b:e].reshape(a, b) for a, b, e in zip(na.tolist(), nb.tolist(), ends)]


def _native_peaks_and_scores(cmap, paf, links, params, threshold):
    """``find_peaks`` and ``link_scores`` through the compiled loops (``_paf_native``): all peaks
    [n,3] grouped by part, the part bounds [C+1], and the score matrix of each link."""
    flat, bounds = _paf_native.find_peaks(np.ascontiguousarray(cmap, dtype=np.float32), threshold,
                                          params.window, params.max_peaks)
    b = bounds.tolist()
    pairs = np.array([(lk.a, lk.b) for lk in links], np.int64).reshape(-1, 2)
    scores = _finite_scores(_paf_native.link_scores(flat, bounds, pairs, np.ascontiguousarray(paf, dtype=np.float32),
                                                    params.samples))
    out, end = [], 0
    for lk in links:
        na, nb = b[lk.a + 1] - b[lk.a], b[lk.b + 1] - b[lk.b]
        out.append(scores[end:end + na * nb].reshape(na, nb))
        end += na * nb
    return flat, bounds, out


def _native_objects(flat, bounds, links, connections, min_keypoints):
    """``connect`` + the object array through the compiled loop: parts [G,C,3] (NaN: missing) and
    the sums of the objects' link scores [G], in ``connect``'s order."""
    b = bounds.tolist()
    edges = [(b[lk.a] + ia, b[lk.b] + ib, s) for lk, conns in zip(links, connections) for ia, ib, s in conns]
    edges.sort(key=lambda e: -e[2])          # strongest first; stable, as connect()
    ea, eb, es = (np.array(col, dtype) for col, dtype in zip(zip(*edges), (np.int64, np.int64, np.float64))) \
        if edges else (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    members, sums = _paf_native.group_objects(bounds, ea, eb, es, min_keypoints)
    out = flat[members]
    out[members < 0] = np.nan
    return out, sums


def _finite_scores(flat: np.ndarray) -> np.ndarray:
    """Link scores with NaN/inf (from non-finite network outputs) set to -1: never linked, and the
    assignment, which refuses them, still runs."""
    if np.isfinite(flat).all():
        return flat
    return np.where(np.isfinite(flat), flat, np.float32(-1.0)).astype(flat.dtype, copy=False)


def assign(scores: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Optimal one-to-one matching (maximum total score), pairs above ``threshold``."""
    if scores.size == 0:
        return []
    if scores.shape[0] == 1 or scores.shape[1] == 1:    # one candidate on a side: the best pair
        k = int(scores.argmax())
        r, c = divmod(k, scores.shape[1])
        s = float(scores.flat[k])
        return [(r, c, s)] if s > threshold else []
    return [(r, c, float(scores[r, c])) for r, c in keypoints.match(scores) if scores[r, c] > threshold]


def connect(peaks: list[np.ndarray], links: list[Link],
            connections: list[list[tuple[int, int, float]]]) -> list[tuple[dict[int, int], float]]:
    """Group connected peaks into objects: strongest connections first; two groups
    are merged only if they share no part.  Returns (part -> peak index, sum of link
    scores) per object."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}
    members: dict[tuple[int, int], dict[int, int]] = {}
    link_sum: dict[tuple[int, int], float] = {}

    def root(n):
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for p, pk in enumerate(peaks):
        for k in range(len(pk)):
            parent[(p, k)] = (p, k)
            members[(p, k)] = {p: k}
            link_sum[(p, k)] = 0.0
    edges = [(s, (lk.a, ia), (lk.b, ib)) for lk, conns in zip(links, connections) for ia, ib, s in conns]
    edges.sort(key=lambda e: -e[0])
    for s, na, nb in edges:
        ra, rb = root(na), root(nb)
        if ra == rb:
            continue
        if members[ra].keys() & members[rb].keys():
            continue
        parent[rb] = ra
        members[ra].update(members.pop(rb))
        link_sum[ra] += link_sum.pop(rb) + s
    return [(members[r], link_sum[r]) for r in members]


@dataclass
class PafObjects:
    """Decoded objects, strongest first: ``parts`` [N,C,3] = (x, y, score) per part in
    continuous map coordinates (NaN where the object lacks the part), ``scores`` [N]."""

    parts: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.scores)


def decode(cmap: np.ndarray, paf: np.ndarray, links: list[Link], params: PafParams,
           threshold: float = 0.15, native: bool | None = None) -> PafObjects:
    """Decode one image.  ``cmap`` [C,H,W]; ``paf`` [L,2,H,W] = (x, y) components of link k;
    peaks below ``threshold`` are not keypoints.  Object score = (sum of its part scores + sum
    of its link scores) / (C + L).  ``native``: peaks, link scores and grouping from the compiled
    loops (``_paf_native``; the same numbers; default: where they were built), or from the numpy
    functions ``find_peaks``/``link_scores``/``connect``."""
    num_parts = len(cmap)
    if _paf_native is not None if native is None else native:
        flat, bounds, scores = _native_peaks_and_scores(cmap, paf, links, params, threshold)
        connections = [assign(sc, params.link_threshold) for sc in scores]
        out, sums = _native_objects(flat, bounds, links, connections, params.min_keypoints)
    else:
        peaks = find_peaks(cmap, threshold, params.window, params.max_peaks)
        scores = link_scores(peaks, links, paf, params.samples)
        connections = [assign(sc, params.link_threshold) for sc in scores]
        groups = [(parts, lsum) for parts, lsum in connect(peaks, links, connections)
                  if len(parts) >= params.min_keypoints]
        out = np.full((len(groups), num_parts, 3), np.nan, np.float32)
        for n, (parts, _) in enumerate(groups):
            for p, k in parts.items():
                out[n, p] = peaks[p][k]
        sums = np.array([lsum for _, lsum in groups], np.float64)
    total = sums + np.nansum(out[:, :, 2], axis=1)
    order = np.argsort(-total / (num_parts + len(links)), kind="stable")[:params.max_objects]
    return PafObjects(out[order], (total / (num_parts + len(links)))[order])


def upsample(cmap: np.ndarray, paf: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Bicubic resize of the maps (continuous coordinates scale by ``factor``)."""
    c, h, w = cmap.shape
    stack = np.concatenate([cmap, paf.reshape(-1, h, w)]).transpose(1, 2, 0)
    big = np.stack([cv2.resize(np.ascontiguousarray(stack[:, :, i:i + 500]), (w * factor, h * factor),
                               interpolation=cv2.INTER_CUBIC).reshape(h * factor, w * factor, -1)
                    for i in range(0, stack.shape[2], 500)], axis=0)
    big = np.concatenate(list(big), axis=2).transpose(2, 0, 1)
    return np.ascontiguousarray(big[:c]), np.ascontiguousarray(big[c:].reshape(paf.shape[0], 2, h * factor, w * factor))


# ------------------------------------------------------------------ layouts
class PafLayout:
    """Maps raw network outputs to (cmap [C,H,W] in public order, per-link PAFs)."""

    def __init__(self, cfg: dict, skeleton: list[tuple[int, int]], num_parts: int):
        self.layout = cfg.get("layout", "NCHW").upper()
        self.cmap_name = cfg["cmap"]
        self.paf_name = cfg["paf"]
        self.cmap_channels = tuple(cfg.get("cmap_channels", (0, num_parts)))
        self.paf_channels = tuple(cfg["paf_channels"]) if "paf_channels" in cfg else None
        order = cfg.get("part_order") or list(range(num_parts))
        self.part_order = np.asarray(order)
        public_of_model = {m: i for i, m in enumerate(order)}
        if cfg.get("links", "topology") == "topology":
            # trt_pose: link k = skeleton[k], PAF channel 2k = y (row), 2k+1 = x (column)
            self.links = [Link(a, b, 2 * k + 1, 2 * k) for k, (a, b) in enumerate(skeleton)]
        else:
            self.links = [Link(public_of_model[a], public_of_model[b], x, y) for a, b, x, y in cfg["links"]]
        self.paf_index = np.array([[lk.paf_x, lk.paf_y] for lk in self.links])

    def _chw(self, t: np.ndarray) -> np.ndarray:
        t = t[0]
        return t.transpose(2, 0, 1) if self.layout == "NHWC" else t

    def split(self, outputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        cm = self._chw(outputs[self.cmap_name])
        pf = cm if self.paf_name == self.cmap_name else self._chw(outputs[self.paf_name])
        c0, c1 = self.cmap_channels
        cmap = cm[c0:c1][self.part_order]
        if self.paf_channels:
            pf = pf[self.paf_channels[0]:self.paf_channels[1]]
        paf = pf[self.paf_index]                                   # [L,2,H,W]
        return np.ascontiguousarray(cmap, dtype=np.float32), np.ascontiguousarray(paf, dtype=np.float32)


# ------------------------------------------------------------------ network
class PafModel(PoseModel):
    """A bottom-up PAF network (trt_pose or OpenPose tensor layout).  Options ``scales``
    and ``flip`` average the maps of several passes before decoding (``tta``)."""

    supports_flip = True

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        cfg = dict(self.spec.decoder)
        if self.config.output_cmap:
            cfg["cmap"] = self.config.output_cmap
        if self.config.output_paf:
            cfg["paf"] = self.config.output_paf
        self.backend, spec = self.load(spec=self.input_spec(blob=self.config.input_blob))
        self.input = self.fit_to_model(spec, self.backend)
        require_tensors(self.backend, self.spec.name, [self.input.name], [cfg["cmap"], cfg["paf"]],
                        {self.input.name: "--input-blob", cfg["cmap"]: "--output-cmap", cfg["paf"]: "--output-paf"})
        self.layout = PafLayout(cfg, self.topology.skeleton, self.topology.num_keypoints)
        self.params = self.decoder_config.params(PafParams, cfg)
        self.outputs = list(dict.fromkeys([cfg["cmap"], cfg["paf"]]))
        self.setup_passes(self.backend, self.input)
        self.flip_link_index, self.flip_link_sign = tta.flip_links(
            [(lk.a, lk.b) for lk in self.layout.links], self.flip_perm)

    def maps(self, image_bgr, spec):
        """One network pass: (cmap [C,H,W], paf [L,2,H,W], image->tensor affine, stride (x, y))."""
        with self.stage("preprocess"):
            tensor, affine = prepare(image_bgr, spec)
        with self.stage("inference"):
            out = self.backend.run({spec.name: tensor}, self.outputs)
        with self.stage("decode"):
            cmap, paf = self.layout.split(out)
        th, tw = tensor.shape[1:3] if spec.layout == "NHWC" else tensor.shape[2:4]
        return cmap, paf, affine, np.array([tw / cmap.shape[2], th / cmap.shape[1]])

    def averaged_maps(self, image_bgr):
        """Maps averaged over the ``scales`` x ``flip`` passes on the grid of the first
        (largest-scale) pass, as OpenPose's multi-scale testing."""
        mirrored = None
        total = None
        for p in self.passes:
            spec = self.input if p.scale == 1.0 else replace(
                self.input, size=tuple(max(1, round(v * p.scale)) for v in self.input.size))
            if p.flip:
                mirrored = cv2.flip(image_bgr, 1) if mirrored is None else mirrored
            cmap, paf, affine, stride = self.maps(mirrored if p.flip else image_bgr, spec)
            with self.stage("decode"):
                if p.flip:
                    cmap, paf = tta.unflip_maps(cmap, paf, self.flip_perm, self.flip_link_index,
                                                self.flip_link_sign)
                if total is None:
                    ref_affine, ref_stride, shape = affine, stride, cmap.shape
                    total = [cmap.astype(np.float32, copy=True), paf.astype(np.float32, copy=True)]
                    continue
                if cmap.shape != shape or not np.allclose(affine.matrix, ref_affine.matrix) \
                        or not np.allclose(stride, ref_stride):
                    stack = tta.resample(np.concatenate([cmap, paf.reshape(-1, *cmap.shape[1:])]),
                                         tta.grid_affine(affine, stride), tta.grid_affine(ref_affine, ref_stride),
                                         (shape[2], shape[1]))
                    cmap, paf = stack[:shape[0]], stack[shape[0]:].reshape(-1, 2, shape[1], shape[2])
                total[0] += cmap
                total[1] += paf
        n = np.float32(len(self.passes))
        return total[0] / n, total[1] / n, ref_affine, ref_stride

    def _infer(self, image_bgr, threshold, pose_threshold):
        if len(self.passes) == 1 and not self.passes[0].flip:
            cmap, paf, affine, stride = self.maps(image_bgr, self.input)
        else:
            cmap, paf, affine, stride = self.averaged_maps(image_bgr)
        with self.stage("decode"):
            if self.params.upsample > 1:
                cmap, paf = upsample(cmap, paf, self.params.upsample)
                stride = stride / self.params.upsample
            objects = decode(cmap, paf, self.layout.links, self.params, threshold)
            xy = affine.to_image(objects.parts[:, :, :2].astype(np.float64) * stride)    # NaN stays NaN
            return self.make_poses(image_bgr.shape, xy, objects.parts[:, :, 2], -np.inf,
                                   scores_of_poses=objects.scores, pose_threshold=pose_threshold)
