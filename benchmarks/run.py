#!/usr/bin/env python3
"""The benchmark suite: named cases behind one runner, each writing ``CASE.json`` (the figures,
with the command, CPU model, date and package versions) and ``CASE.png`` (its plot).

    python benchmarks/run.py --list
    python benchmarks/run.py [CASE ...] [--quick] [--out benchmarks/results] [--set KEY=VALUE ...]

No CASE: every case whose needs are met here (the others are skipped, saying why).  ``--quick``:
each case's short parameters (a figure in a minute or two, noisier).  ``--set frames=2000``
overrides a parameter of every selected case that has it (the value is cast to the default's type).
Cases needing ROS 2 run after ``source scripts/ros_env.sh``.  Timings taken while other jobs load
the machine are noisy: the JSON records the load average; compare variants only within one result.

Exit codes: 0 every selected case ran; 1 a case failed or a named case could not run here;
2 bad arguments.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent / "jetson_pose_ros"))     # the package of this checkout

import cases  # noqa: E402
from suite import data, host  # noqa: E402


def missing_needs(case) -> str | None:
    """Why ``case`` cannot run here (None: it can)."""
    for need in case.NEEDS:
        if need == "shared_data" and not data.available():
            return f"needs the shared data, not found at {data.shared() / 'data'} (set JETSON_POSE_SHARED)"
        if need == "ros":
            try:
                import rclpy  # noqa: F401  (optional: only the ROS cases need it)
                import jetson_pose_msgs.msg  # noqa: F401  (optional: built by scripts/setup_ros.sh)
            except ImportError as exc:
                return f"needs ROS 2 ({exc}): source scripts/ros_env.sh first"
    return None


def parameters(case, quick: bool, overrides: dict[str, str]) -> dict:
    params = dict(case.PARAMS, **(case.QUICK if quick else {}))
    for key, text in overrides.items():
        if key in params:
            default = case.PARAMS[key]
            if isinstance(default, bool):
                params[key] = text.strip().lower() in ("1", "true", "yes", "on")
            elif isinstance(default, (int, float)):
                params[key] = type(default)(float(text)) if isinstance(default, int) else float(text)
            else:
                params[key] = text
    return params


def save_plot(case, doc: dict, path: Path) -> None:
    from matplotlib.figure import Figure  # optional: the plots (matplotlib is in the project's lock)

    fig = Figure(figsize=(8, 4.6), dpi=100, layout="constrained")
    case.plot(doc["result"], fig)
    fig.suptitle(f"{doc['case']}: {doc['title']}", fontsize=10)
    fig.text(0.01, 0.005, f"{doc['cpu']} ({doc['logical_cpus']} CPUs, load {doc['load_average_1_5_15'][0]}), "
             f"{doc['date']}{', --quick' if doc['quick'] else ''}", fontsize=7, color="0.35", va="bottom")
    fig.get_layout_engine().set(h_pad=0.12)
    fig.savefig(path, format="png")


def run_case(name: str, args, overrides: dict[str, str]) -> dict:
    case = cases.load(name)
    params = parameters(case, args.quick, overrides)
    print(f"== {name}: {case.TITLE} {params}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    result = case.run(params)
    doc = {"case": name, "title": case.TITLE, "target": case.TARGET, "params": params, "quick": args.quick,
           **host.describe(), "seconds": round(time.perf_counter() - t0, 1), "result": result}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(doc, indent=1, default=str) + "\n")
    save_plot(case, doc, args.out / f"{name}.png")
    print(f"   {name}: {doc['seconds']} s -> {args.out / name}.json, .png", file=sys.stderr, flush=True)
    return doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("case", nargs="*", help="case name(s) (default: every case whose needs are met)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--quick", action="store_true", help="short parameters: a figure in a minute or two")
    ap.add_argument("--out", type=Path, default=HERE / "results", help="folder for CASE.json and CASE.png")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter")
    args = ap.parse_args(argv)
    unknown = [c for c in args.case if c not in cases.CASES]
    if unknown:
        ap.error(f"unknown case {unknown[0]!r} (cases: {', '.join(cases.CASES)})")
    bad = [s for s in args.set if "=" not in s]
    if bad:
        ap.error(f"--set {bad[0]!r}: expected KEY=VALUE")
    overrides = dict(s.split("=", 1) for s in args.set)
    if args.list:
        for name in cases.CASES:
            case = cases.load(name)
            needs = f" [needs {', '.join(case.NEEDS)}]" if case.NEEDS else ""
            print(f"{name:15s} {case.TITLE}{needs}")
            if case.TARGET:
                print(f"{'':15s} target: {case.TARGET}")
        return 0
    status = 0
    for name in args.case or cases.CASES:
        why = missing_needs(cases.load(name))
        if why:
            print(f"   {name}: skipped: {why}", file=sys.stderr)
            status = 1 if args.case else status
            continue
        try:
            run_case(name, args, overrides)
        except Exception:  # noqa: BLE001 - one failing case is reported, the others still run
            print(f"   {name}: FAILED\n{traceback.format_exc()}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
