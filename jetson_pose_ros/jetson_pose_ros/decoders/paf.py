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

The algorithm works on a layout-free view: ``cmap`` [C,H,W] in public keypoint
order and ``paf`` [L,2,H,W] with the (x, y) components of each link.  ``PafLayout`` turns the raw outputs of a
trt_pose-style model (NCHW ``cmap`` + ``paf``, channel 2k = y, 2k+1 = x) or an
OpenPose-style model (one NHWC tensor: heatmaps, background, PAF) into that view.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from ..backends import require_tensors
from ..preprocess import prepare
from . import tta
from .base import PoseModel


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
    so an unrefined peak sits at (j + 0.5, i + 0.5)."""
    num_parts, h, w = cmap.shape
    # grey-scale dilation = maximum filter; OpenCV's is ~100x faster than scipy.ndimage here
    hwc = np.ascontiguousarray(cmap.transpose(1, 2, 0))
    local_max = cv2.dilate(hwc, np.ones((window, window), np.uint8), borderType=cv2.BORDER_CONSTANT,
                           borderValue=float(np.finfo(np.float32).min))
    local_max = local_max.reshape(h, w, num_parts).transpose(2, 0, 1)
    c, i, j = np.nonzero((cmap == local_max) & (cmap > threshold))
    scores = cmap[c, i, j]
    # plateaus: equal maxima within one window are one peak (keep the first in raster order)
    r = window // 2
    tie = ((c[:, None] == c[None, :]) & (scores[:, None] == scores[None, :])
           & (np.abs(i[:, None] - i[None, :]) <= r) & (np.abs(j[:, None] - j[None, :]) <= r))
    first = ~np.tril(tie, k=-1).any(axis=1)
    c, i, j, scores = c[first], i[first], j[first], scores[first]
    order = np.lexsort((-scores, c))
    c, i, j, scores = c[order], i[order], j[order], scores[order]
    # refine all peaks at once: weighted centroid of the (clipped) window
    d = np.arange(-r, r + 1)
    ii = i[:, None, None] + d[None, :, None]
    jj = j[:, None, None] + d[None, None, :]
    inside = (ii >= 0) & (ii < h) & (jj >= 0) & (jj < w)
    wts = np.where(inside, cmap[c[:, None, None], np.clip(ii, 0, h - 1), np.clip(jj, 0, w - 1)], 0.0)
    wts = np.maximum(wts, 0.0)
    total = wts.sum(axis=(1, 2))
    total[total <= 0] = 1.0
    y = (wts * ii).sum(axis=(1, 2)) / total + 0.5
    x = (wts * jj).sum(axis=(1, 2)) / total + 0.5
    peaks = np.stack([x, y, scores], axis=1).astype(np.float32)
    out: list[np.ndarray] = []
    bounds = np.searchsorted(c, np.arange(num_parts + 1))
    for p in range(num_parts):
        out.append(peaks[bounds[p]:bounds[p + 1]][:max_peaks])
    return out


def link_scores(peaks: list[np.ndarray], links: list["Link"], paf: np.ndarray,
                samples: int) -> list[np.ndarray]:
    """Per link, an [Na,Nb] matrix: the mean dot product of the PAF with the unit vector
    a->b, sampled at ``samples`` points of each candidate segment.  ``paf`` is
    [L,2,H,W] (x, y components per link); all candidate pairs are sampled at once."""
    _, _, h, w = paf.shape
    shapes, pa, pb, kk = [], [], [], []
    for k, lk in enumerate(links):
        a, b = peaks[lk.a][:, :2], peaks[lk.b][:, :2]
        shapes.append((len(a), len(b)))
        if len(a) and len(b):
            pa.append(np.repeat(a, len(b), axis=0))
            pb.append(np.tile(b, (len(a), 1)))
            kk.append(np.full(len(a) * len(b), k))
    if not pa:
        return [np.zeros(sh, np.float32) for sh in shapes]
    pa, pb, kk = np.concatenate(pa), np.concatenate(pb), np.concatenate(kk)
    d = pb - pa                                                        # [P,2]
    norm = np.linalg.norm(d, axis=1, keepdims=True)
    u = np.divide(d, norm, out=np.zeros_like(d), where=norm > 1e-6)
    t = np.linspace(0.0, 1.0, samples, dtype=np.float32)
    pts = pa[:, None, :] + t[None, :, None] * d[:, None, :]            # [P,K,2]
    xi = np.clip(pts[..., 0].astype(np.int32), 0, w - 1)
    yi = np.clip(pts[..., 1].astype(np.int32), 0, h - 1)
    k2 = kk[:, None]
    vx, vy = paf[k2, 0, yi, xi], paf[k2, 1, yi, xi]
    flat = (vx * u[:, None, 0] + vy * u[:, None, 1]).mean(axis=1)
    # parts less than a map pixel apart (a limb seen end-on, e.g. the shoulder of a person
    # turned sideways over the neck): the direction is noise, so score the field's strength
    short = norm[:, 0] < 1.0
    if short.any():
        flat[short] = np.hypot(vx[short].mean(axis=1), vy[short].mean(axis=1))
    out, start = [], 0
    for na, nb in shapes:
        n = na * nb if na and nb else 0
        out.append(flat[start:start + n].reshape(na, nb) if n else np.zeros((na, nb), np.float32))
        start += n
    return out


def assign(scores: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Optimal one-to-one matching (maximum total score), pairs above ``threshold``."""
    if scores.size == 0:
        return []
    rows, cols = linear_sum_assignment(scores, maximize=True)
    return [(int(r), int(c), float(scores[r, c])) for r, c in zip(rows, cols) if scores[r, c] > threshold]


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


def decode(cmap: np.ndarray, paf: np.ndarray, links: list[Link], params: PafParams,
           threshold: float = 0.15) -> list[dict]:
    """Decode one image.  ``cmap`` [C,H,W]; ``paf`` [L,2,H,W] = (x, y) components of link k;
    peaks below ``threshold`` are not keypoints.
    Returns objects as {"parts": {part: (x, y, score)}, "score": float}, strongest first,
    in continuous map coordinates."""
    peaks = find_peaks(cmap, threshold, params.window, params.max_peaks)
    scores = link_scores(peaks, links, paf, params.samples)
    connections = [assign(sc, params.link_threshold) for sc in scores]
    norm = len(peaks) + len(links)
    objects = []
    for parts, lsum in connect(peaks, links, connections):
        if len(parts) < params.min_keypoints:
            continue
        found = {p: tuple(float(v) for v in peaks[p][k]) for p, k in parts.items()}
        score = (sum(v[2] for v in found.values()) + lsum) / norm
        objects.append({"parts": found, "score": score})
    objects.sort(key=lambda o: -o["score"])
    return objects[:params.max_objects]


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
        if self.options.get("output_cmap"):
            cfg["cmap"] = self.options["output_cmap"]
        if self.options.get("output_paf"):
            cfg["paf"] = self.options["output_paf"]
        self.backend, spec = self.load(spec=self.input_spec())
        self.input = self.fit_to_model(spec, self.backend)
        require_tensors(self.backend, self.spec.name, [self.input.name], [cfg["cmap"], cfg["paf"]],
                        {self.input.name: "--input-blob", cfg["cmap"]: "--output-cmap", cfg["paf"]: "--output-paf"})
        self.layout = PafLayout(cfg, self.topology.skeleton, self.topology.num_keypoints)
        self.params = self.make_params(PafParams, cfg)
        self.outputs = list(dict.fromkeys([cfg["cmap"], cfg["paf"]]))
        self.passes = tta.passes(self.options)
        if any(p.scale != 1.0 for p in self.passes):
            tta.require_dynamic_input(self.backend, self.input, self.spec.name)
        self.flip_perm = tta.flip_permutation(self.topology.keypoints)
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

    def _infer(self, image_bgr, threshold):
        if len(self.passes) == 1 and not self.passes[0].flip:
            cmap, paf, affine, stride = self.maps(image_bgr, self.input)
        else:
            cmap, paf, affine, stride = self.averaged_maps(image_bgr)
        with self.stage("decode"):
            if self.params.upsample > 1:
                cmap, paf = upsample(cmap, paf, self.params.upsample)
                stride = stride / self.params.upsample
            objects = decode(cmap, paf, self.layout.links, self.params, threshold)
            names = self.topology.keypoints
            poses = []
            for n, obj in enumerate(objects):
                ids = sorted(obj["parts"])
                xy = affine.to_image(np.array([obj["parts"][p][:2] for p in ids]) * stride)
                pts = np.full((len(names), 2), np.nan)
                scores = np.zeros(len(names))
                pts[ids] = xy
                scores[ids] = [obj["parts"][p][2] for p in ids]
                poses.append(self.make_pose(n, pts, scores, -np.inf, score=obj["score"]))
        return poses

