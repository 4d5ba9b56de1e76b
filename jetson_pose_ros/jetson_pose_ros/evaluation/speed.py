"""Speed of the registry networks: per-stage latency, FPS and peak memory.

Stages per frame: ``read`` (image file -> pixels, ``cv2.imread``), ``preprocess``,
``inference``, ``decode`` (the network's outputs -> poses, the post-processing: the ``decode`` entry
of ``PoseNet.timings``), ``overlay`` (drawing links and keypoints).

One *run* = one pass over every image; a stage's latency in a run is its mean per frame.
Reported: the median over ``repeat`` runs and the spread across runs (p10, p90).
Each configuration runs in a fresh process (``spawn``) so that its peak RSS
(``resource.getrusage``) is its own.  Batching: ``PoseNet.process`` takes one image
per call, so only batch 1 exists.
"""
from __future__ import annotations

import multiprocessing as mp
import resource
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from tqdm import tqdm

from ..core.errors import InputError, PoseNetError
from ..core.registry import get_network, network_names
from ..pipeline.pipeline import Pipeline
from ..runtime.model_files import resolve_files

STAGES = ("read", "preprocess", "inference", "decode", "overlay")
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@dataclass
class BenchConfig:
    network: str
    input_size: tuple[int, int] | None = None
    threads: int | None = None
    batch: int = 1
    backend: str = "auto"
    threshold: float = 0.15
    overlay: str = "links,keypoints"
    options: dict = field(default_factory=dict)


# ------------------------------------------------------------------ inputs
def list_images(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"image folder not found: {folder}")
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise InputError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {folder}")
    return images


def runnable_networks() -> tuple[list[str], dict[str, str]]:
    """Registry networks whose model files resolve (installed, mirrored or downloadable),
    and {name: reason} for the others."""
    ok, skipped = [], {}
    for name in network_names():
        try:
            resolve_files(get_network(name), from_source=False)
            ok.append(name)
        except PoseNetError as exc:
            skipped[name] = str(exc)
    return ok, skipped


# ------------------------------------------------------------------ statistics
def spread(values: Sequence[float]) -> dict:
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return {"median": float("nan"), "p10": float("nan"), "p90": float("nan"), "mean": float("nan")}
    p10, med, p90 = np.percentile(v, [10, 50, 90])
    return {"median": float(med), "p10": float(p10), "p90": float(p90), "mean": float(v.mean())}


def summarize(runs: list[dict[str, float]]) -> dict:
    """Per-run mean stage latencies (ms) -> statistics per stage, total, FPS and ratios."""
    stats = {s: spread([r.get(s, 0.0) for r in runs]) for s in STAGES}
    totals = [sum(r.get(s, 0.0) for s in STAGES) for r in runs]
    stats["total"] = spread(totals)
    med = {s: stats[s]["median"] for s in STAGES}
    inf = med["inference"] or float("nan")
    return {
        "stages_ms": stats,
        "fps": 1000.0 / stats["total"]["median"] if stats["total"]["median"] > 0 else float("nan"),
        "fps_network_only": 1000.0 / inf,
        # the issue-2 target: pre- and post-processing (preprocess + decode) under 10% of inference time
        "pre_decode_pct_of_inference": 100.0 * (med["preprocess"] + med["decode"]) / inf,
        "read_pre_decode_pct_of_inference": 100.0 * (med["read"] + med["preprocess"] + med["decode"]) / inf,
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory, MB.  On Linux ``VmHWM`` of ``/proc/self/status``:
    ``ru_maxrss`` is not reset by exec, so a process started from a larger one (a ``spawn`` child,
    a subprocess of pytest) would report its parent's peak when that is higher."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0                    # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # KiB on Linux


# ------------------------------------------------------------------ one configuration
def bench_config(cfg: BenchConfig, images: Sequence[Path], repeat: int = 5, warmup: int = 3,
                 progress=None) -> dict:
    """Benchmark one configuration in this process; returns a JSON-able dict."""
    if cfg.batch != 1:
        raise PoseNetError(f"batch size {cfg.batch}: not supported (PoseNet.process takes one image per call; "
                           "only batch 1 exists)")
    rss_start = peak_rss_mb()
    t0 = time.perf_counter()
    pipeline = Pipeline(cfg.network, threshold=cfg.threshold, backend=cfg.backend, num_threads=cfg.threads,
                        input_size=cfg.input_size, overlay=cfg.overlay, **cfg.options)
    net = pipeline.net
    load_ms = (time.perf_counter() - t0) * 1e3
    first = cv2.imread(str(images[0]), cv2.IMREAD_COLOR)
    if first is None:
        raise InputError(f"cannot read image {images[0]}")
    for _ in range(max(0, warmup)):
        pipeline(first.copy())
    runs, poses_per_frame = [], []
    for _ in range(max(1, repeat)):
        sums = dict.fromkeys(STAGES, 0.0)
        for path in images:
            t = time.perf_counter()
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            read_ms = (time.perf_counter() - t) * 1e3
            if image is None:
                raise InputError(f"cannot read image {path}")
            result = pipeline(image)
            tm = result.timings
            frame = {"read": read_ms, "preprocess": tm.get("preprocess", 0.0),
                     "inference": tm.get("inference", 0.0), "decode": tm.get("decode", 0.0),
                     "overlay": tm.get("overlay", 0.0)}
            for s in STAGES:
                sums[s] += frame[s]
            poses_per_frame.append(len(result))
            if progress is not None:
                progress.update(1)
        runs.append({s: v / len(images) for s, v in sums.items()})
    out = {"config": {**asdict(cfg), "input_size": list(cfg.input_size) if cfg.input_size else None,
                      "effective_input_size": _input_size(net)},
           "backend_used": getattr(net.model, "backend_used", cfg.backend),
           "images": len(images), "repeat": max(1, repeat), "warmup": warmup, "load_ms": load_ms,
           "mean_poses_per_frame": float(np.mean(poses_per_frame)), **summarize(runs),
           "runs_ms": runs, "rss_before_load_mb": rss_start, "peak_rss_mb": peak_rss_mb()}
    return out


def _input_size(net) -> list | None:
    size = getattr(getattr(net.model, "input", None), "size", None)
    return list(size) if size else None


def _child(cfg: BenchConfig, images, repeat, warmup, conn) -> None:
    try:
        conn.send(("ok", bench_config(cfg, images, repeat, warmup)))
    except PoseNetError as exc:
        conn.send(("error", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported per configuration, the others still run
        conn.send(("error", f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"))
    finally:
        conn.close()


def bench_isolated(cfg: BenchConfig, images: Sequence[Path], repeat: int = 5, warmup: int = 3) -> dict:
    """``bench_config`` in a fresh ``spawn`` process (own peak RSS, no shared caches)."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(cfg, list(images), repeat, warmup, child), daemon=True)
    proc.start()
    child.close()
    try:
        status, payload = parent.recv()
    except EOFError:
        proc.join()
        status, payload = "error", f"benchmark process died (exit code {proc.exitcode})"
    proc.join()
    if status == "error":
        return {"config": asdict(cfg), "error": payload}
    return payload


def run_all(configs: Sequence[BenchConfig], images: Sequence[Path], repeat: int = 5, warmup: int = 3,
            isolate: bool = True, progress: bool = True) -> list[dict]:
    results = []
    bar = tqdm(configs, unit="config", disable=not progress, leave=False)
    for cfg in bar:
        bar.set_description(f"{cfg.network} {fmt_size(cfg.input_size)} threads={cfg.threads or 'default'}")
        if isolate:
            results.append(bench_isolated(cfg, images, repeat, warmup))
        else:
            try:
                results.append(bench_config(cfg, images, repeat, warmup))
            except PoseNetError as exc:
                results.append({"config": asdict(cfg), "error": str(exc)})
    return results


# ------------------------------------------------------------------ output
def fmt_size(size) -> str:
    return f"{size[0]}x{size[1]}" if size else "default"


def _backend(c: dict) -> str:
    return " ".join([c.get("backend", ""), (c.get("options") or {}).get("precision", "")]).strip()


def _range(stat: dict) -> str:
    return f"{stat['median']:.1f} [{stat['p10']:.1f}-{stat['p90']:.1f}]"


def options_label(options: dict | None) -> str:
    """`` flip``, `` x0.5,1,1.5``: the test-time augmentation of a configuration, for the table."""
    o = options or {}
    scales = o.get("scales")
    text = (" x" + ",".join(f"{float(v):g}" for v in scales) if scales and tuple(scales) != (1.0,) else "") \
        + (" flip" if o.get("flip") else "")
    return text


def format_table(results: Sequence[dict]) -> str:
    """Text table: median ms per stage (inference and total with p10-p90 across runs)."""
    head = ["network", "input", "threads", "backend", "read", "pre", "inference [p10-p90]", "decode", "overlay",
            "total [p10-p90]", "FPS", "pre+decode/inf", "read+pre+decode/inf", "peak RSS"]
    rows = []
    for r in results:
        c = dict(r["config"])
        if c.get("backend", "onnxruntime") != "onnxruntime":       # e.g. "mobilenet-body [opencv]"
            c["network"] = f"{c['network']} [{c['backend']}]"
        if "error" in r:
            rows.append([c["network"], fmt_size(c.get("input_size")), str(c.get("threads") or "-"),
                         _backend(c), "error: " + (r["error"] if len(r["error"]) <= 160 else r["error"][:157] + "...")])
            continue
        st = r["stages_ms"]
        eff = c.get("effective_input_size")
        size = fmt_size(c["input_size"]) if c["input_size"] else (fmt_size(eff) if eff else "default")
        rows.append([c["network"] + options_label(c.get("options")), size, str(c.get("threads") or "-"),
                     r.get("backend_used") or _backend(c),
                     f"{st['read']['median']:.1f}", f"{st['preprocess']['median']:.1f}", _range(st["inference"]),
                     f"{st['decode']['median']:.1f}", f"{st['overlay']['median']:.1f}", _range(st["total"]),
                     f"{r['fps']:.1f}", f"{r['pre_decode_pct_of_inference']:.1f}%",
                     f"{r['read_pre_decode_pct_of_inference']:.1f}%", f"{r['peak_rss_mb']:.0f} MB"])
    full = [r for r in rows if len(r) == len(head)]
    widths = [max(len(h), *(len(r[i]) for r in full)) if full else len(h) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w) if i < 4 else c.rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    out = [line(head), line(["-" * w for w in widths])]
    for r in rows:
        out.append(line(r) if len(r) == len(head) else "  ".join(r))
    return "\n".join(out) + "\n(times in ms per frame: median over runs; one run = one pass over all images)"
