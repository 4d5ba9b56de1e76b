"""Timing variants against each other on a shared, loaded machine: every variant in turn, in a
different order each round (load falls on all alike), wall and CPU time per call."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np


def interleaved(variants: dict[str, Callable[[], object]], rounds: int, calls: int,
                seed: int = 1) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """``rounds`` rounds; in each, every variant (random order) makes ``calls`` calls.  Returns
    per variant the mean wall ms and the mean CPU ms (this thread's, ``time.thread_time``: the
    time waited for a core on a loaded machine left out) per call, one value per round."""
    rng = np.random.default_rng(seed)
    names = list(variants)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(rounds):
        for name in rng.permutation(names):
            fn = variants[name]
            c0, t0 = time.thread_time(), time.perf_counter()
            for _ in range(calls):
                fn()
            wall[name].append((time.perf_counter() - t0) / calls * 1e3)
            cpu[name].append((time.thread_time() - c0) / calls * 1e3)
    return wall, cpu


def spread(values) -> dict:
    """Median and 10th/90th percentiles (ms)."""
    a = np.asarray(values, dtype=float)
    return {"median": float(np.median(a)), "p10": float(np.percentile(a, 10)),
            "p90": float(np.percentile(a, 90)), "n": int(a.size)}
