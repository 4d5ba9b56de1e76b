"""``auto``, measured where it runs: time the accuracy-verified candidates, keep the fastest.

As TensorRT's builder times its tactics on the device, the first use of a network on a machine
times each candidate pair of ``models/candidates.json`` (written by ``tools/accuracy_guard.py``;
only pairs whose accuracy held are there) on a few synthetic frames, each candidate alone: in a
child process of its own (``optimize/timing.py``), so that one runtime's worker threads never
run beside another's.  The decision is cached on disk (``$JETSON_POSE_TUNE_CACHE``, default
``~/.cache/jetson_pose_ros/auto``, beside the OpenVINO compiled-model cache) under a key of the
network, its input size, the thread count, the CPU model and the versions of openvino,
onnxruntime, numpy and opencv, and the candidate list; a later start with the same key reads it.

What is timed: for each model file of the network, the conversion of a frame to the tensor the
backend is fed (8-bit for OpenVINO with the conversion folded into the model, float otherwise)
plus the inference, the fastest of ``FRAMES`` frames after ``WARMUP`` calls, summed over the
files (a detector + landmark network counts its landmark model once).  The candidates are timed
in ``ROUNDS`` alternating rounds (A B A B) and each keeps its fastest round: other jobs on the
machine only ever add time, so the minimum is the estimate least disturbed by them (a 5-frame
median picked the slower pair for 2 of 8 networks on the shared 2-core machine here).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import subprocess
import time
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from ..core.errors import ModelError
from ..core.user_dirs import user_dir
from .child import run_module

log = logging.getLogger("jetson_pose_ros")

FRAMES, WARMUP, ROUNDS = 8, 3, 2


def cache_dir() -> Path:
    return user_dir("JETSON_POSE_TUNE_CACHE", "auto")


@lru_cache(maxsize=None)
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# the runtimes whose versions key the cache: name -> the distributions that provide it
VERSIONED = {"openvino": ("openvino",), "onnxruntime": ("onnxruntime", "onnxruntime-gpu"), "numpy": ("numpy",),
             "opencv": ("opencv-python-headless", "opencv-python", "opencv-contrib-python-headless",
                        "opencv-contrib-python")}


@lru_cache(maxsize=None)
def versions() -> dict:
    """Installed versions (from the package metadata: nothing is imported)."""
    out = {}
    for name, dists in VERSIONED.items():
        out[name] = None
        for dist in dists:
            try:
                out[name] = metadata.version(dist).split("+")[0]
                break
            except metadata.PackageNotFoundError:
                continue
    return out


def cache_key(network: str, input_size, threads, candidates: list) -> dict:
    return {"network": network, "input_size": list(input_size) if input_size else None,
            "threads": int(threads or 0), "cpu": cpu_model(), "versions": versions(),
            "candidates": [list(c) for c in candidates]}


def cache_file(key: dict) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / f"{key['network']}.{digest}.json"


def read_cached(key: dict) -> dict | None:
    f = cache_file(key)
    try:
        doc = json.loads(f.read_text())
    except (OSError, ValueError):
        return None
    if doc.get("key") != key or tuple(doc.get("choice", ())) not in {tuple(c) for c in key["candidates"]}:
        return None                    # a stale or foreign file: tune again
    return doc


def write_cached(doc: dict) -> None:
    f = cache_file(doc["key"])
    try:
        f.parent.mkdir(parents=True, exist_ok=True)
        tmp = f.with_name(f".{f.name}.{os.getpid()}")
        tmp.write_text(json.dumps(doc, indent=1))
        os.replace(tmp, f)
    except OSError as exc:          # a read-only cache: the next start tunes again
        log.warning("cannot write the auto choice to %s: %s", f, exc.strerror or exc)


# ------------------------------------------------------------------ timing the candidates
def _time_in_subprocess(network, backend, precision, threads, input_size, frames, warmup) -> dict:
    """One candidate timed alone in a child process (``optimize/timing.py``, which loads the network)."""
    args = json.dumps([network, backend, precision, threads, input_size, frames, warmup])
    try:
        r = run_module("jetson_pose_ros.optimize.timing", args, timeout=600)
    except subprocess.TimeoutExpired:
        return {"backend": backend, "precision": precision, "error": "timing took over 600 s"}
    lines = [line for line in r.stdout.splitlines() if line.startswith("{")]
    if r.returncode != 0 or not lines:
        err = (r.stderr.strip().splitlines() or ["exit status %d" % r.returncode])[-1]
        return {"backend": backend, "precision": precision, "error": err}
    return json.loads(lines[-1])


def measure(network: str, candidates: list, threads=None, input_size=None, frames: int = FRAMES,
            warmup: int = WARMUP, timer=None, rounds: int | None = None) -> list[dict]:
    """Time every candidate alone, in ``rounds`` alternating rounds; one row per candidate (its
    fastest round's ``ms`` and ``stages``, every round's ms in ``rounds_ms``; or ``error``).
    ``timer``: a function timing one candidate in this process (``optimize.timing.time_pair``);
    default: each candidate in a child process of its own."""
    best: dict = {}
    for _ in range(max(1, ROUNDS if rounds is None else rounds)):
        for backend, precision in candidates:
            key = (backend, precision)
            if "error" in best.get(key, {}):
                continue
            if timer is None:
                row = _time_in_subprocess(network, backend, precision, threads, input_size, frames, warmup)
            else:
                try:
                    row = timer(network, backend, precision, threads, input_size, frames, warmup)
                except Exception as exc:  # noqa: BLE001 - one candidate failing is a result, not a stop
                    row = {"error": str(exc).strip().splitlines()[0]}
            row.update(backend=backend, precision=precision)
            old = best.get(key)
            if "error" in row or old is None or row["ms"] < old["ms"]:
                row["rounds_ms"] = (old or {}).get("rounds_ms", [])
                best[key] = row
            if "ms" in row:
                best[key]["rounds_ms"] = best[key].get("rounds_ms", []) + [row["ms"]]
    return [best[tuple(c)] for c in candidates]


def decide(network: str, candidates: list, threads=None, input_size=None, retune: bool = False,
           frames: int = FRAMES, warmup: int = WARMUP) -> dict:
    """The cached decision for this key, or a new one (timed, cached, logged).  Returns
    {key, choice: [backend, precision], table: [rows], cached: bool, tuned_at, tune_s}."""
    key = cache_key(network, input_size, threads, candidates)
    if not retune:
        doc = read_cached(key)
        if doc is not None:
            log.info("backend auto: %s %s for %s (cached choice, %s)", *doc["choice"], network, cache_file(key))
            return {**doc, "cached": True}
    t0 = time.perf_counter()
    rows = measure(network, candidates, threads, input_size, frames, warmup)
    ok = [r for r in rows if "ms" in r]
    if not ok:
        raise ModelError(f"backend auto: no candidate of {network} runs here: "
                         + "; ".join(f"{r['backend']} {r['precision']}: {r['error']}" for r in rows))
    best = min(ok, key=lambda r: r["ms"])
    doc = {"key": key, "choice": [best["backend"], best["precision"]], "table": rows,
           "tuned_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "tune_s": round(time.perf_counter() - t0, 2), "frames": frames}
    write_cached(doc)
    log.info("backend auto: %s %s for %s (measured here in %.1f s: %s)", *doc["choice"], network, doc["tune_s"],
             ", ".join(f"{r['backend']} {r['precision']} " + (f"{r['ms']:.1f} ms" if "ms" in r else "error")
                       for r in rows))
    return {**doc, "cached": False}


def format_table(doc: dict) -> str:
    rows = [f"{'backend':12s} {'precision':9s} {'ms/frame':>9s}  stages"]
    for r in doc["table"]:
        mark = " <- auto" if [r["backend"], r["precision"]] == list(doc["choice"]) else ""
        if "ms" in r:
            stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
            rows.append(f"{r['backend']:12s} {r['precision']:9s} {r['ms']:9.1f}  {stages}{mark}")
        else:
            rows.append(f"{r['backend']:12s} {r['precision']:9s} {'error':>9s}  {r['error']}")
    return "\n".join(rows)
