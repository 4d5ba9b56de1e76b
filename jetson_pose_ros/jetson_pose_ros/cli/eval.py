"""``posenet-eval ANNOTATIONS IMAGES`` — accuracy of a network on a COCO-format keypoint set.

Body sets: COCO keypoint AP/AR with pycocotools; hand sets: PCK@0.1/0.2 and pixel error.
Exit codes: 0 done; 2 bad arguments, input or model (one-line message, no traceback).
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from ..evaluation import accuracy as evaluation
from ..core import options, registry
from ..core.config import Config
from ..core.errors import PoseNetError
from ..pipeline.pipeline import Pipeline
from . import run_main

log = logging.getLogger("posenet-eval")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="posenet-eval", description="Evaluate a pose network on a COCO-format keypoint annotation file: "
        "COCO keypoint AP/AR (body, 17 keypoints) or PCK@0.1/0.2 + mean pixel error (hand, 21 keypoints).")
    p.add_argument("annotations", help="COCO-format keypoint annotation JSON (e.g. person_keypoints_val2017.json)")
    p.add_argument("images", help="folder holding the images named in the annotation file")
    p.add_argument("--network", default=None, help="registry network (default: 'body' or 'hand' alias by --kind)")
    options.add_arguments(p, ("network", "detection", "decoder"))
    p.add_argument("--kind", choices=("body", "hand"), help="data set kind (default: from the keypoint count)")
    p.add_argument("--score", choices=evaluation.SCORE_MODES, default="pose",
                   help="detection score for the AP ranking: pose (the network's), mean (mean keypoint score), "
                   "coverage (sum of keypoint scores / 17)")
    p.add_argument("--max-images", type=int, help="evaluate the first N images (by id) only")
    p.add_argument("--results", help="write the COCO results JSON here")
    p.add_argument("--summary", help="write the summary JSON here")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def make_pipeline(args, kind: str):
    given = options.given(args, ("network", "detection", "decoder"))
    by_kind = None if given.get("preset") else registry.aliases().get(kind, registry.default_network())
    # every option checked, the preset applied and the network named before any model is loaded
    return Pipeline(config=Config.from_options(args.network or by_kind, **given))


def format_summary(summary: dict) -> str:
    m = summary["metrics"]
    head = (f"{summary['network']} on {summary['annotations']} ({m['images']} images, "
            f"{m['detections']} detections, {summary['seconds']:.1f} s)")
    if summary["kind"] == "body":
        rows = "  ".join(f"{k} {m[k]:.3f}" for k in ("AP", "AP50", "AP75", "APm", "APl", "AR"))
    else:
        rows = (f"PCK@0.1 {m['PCK@0.1']:.3f}  PCK@0.2 {m['PCK@0.2']:.3f}  mean error {m['mean_px_error']:.1f} px  "
                f"hands matched {m['hands_matched']}/{m['hands']}")
    return f"{head}\n  {rows}"


def run(args) -> int:
    if args.max_images is not None and args.max_images < 1:
        raise PoseNetError("--max-images must be >= 1")
    ds = evaluation.load_keypoint_set(args.annotations, args.images, args.kind)
    ids = ds.image_ids[:args.max_images] if args.max_images else ds.image_ids
    pipeline = make_pipeline(args, ds.kind)
    net = pipeline.net
    t0 = time.perf_counter()
    metrics, results = evaluation.evaluate(pipeline, ds, ids, score=args.score, progress=not args.no_progress)
    summary = {"network": net.network, "kind": ds.kind, "annotations": str(args.annotations),
               "images_dir": str(args.images), "threshold": net.threshold, "pose_threshold": net.pose_threshold,
               "input_size": list(getattr(getattr(net.model, "input", None), "size", None)
                                  or net.model.spec.input.get("size", [])),
               "score": args.score, "flip": any(p.flip for p in getattr(net.model, "passes", [])),
               "scales": sorted({p.scale for p in getattr(net.model, "passes", [])}) or [1.0],
               "preset": args.preset, "seconds": round(time.perf_counter() - t0, 2),
               "metrics": metrics}
    for path, data in ((args.results, results), (args.summary, summary)):
        if path:
            try:
                Path(path).write_text(json.dumps(data, indent=None if data is results else 2))
            except OSError as exc:
                raise PoseNetError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(format_summary(summary))
    return 0


def main(argv: list[str] | None = None) -> int:
    return run_main("posenet-eval", build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
