"""int8 variants built on first use (NNCF post-training quantization), cached in the model directory.

``variants.int8_file`` runs ``ensure`` (in a child process: ``main``) when a shipped int8 variant (``models/variants.json``) is not
installed yet: the first ``--precision int8`` (or ``posenet-models install --int8``) makes it, with a
progress bar, and later runs reuse it.  Nothing is made at install time.

Calibration inputs are recorded from ``PoseNet.process`` itself (ONNX Runtime, fp32) on images that
are in no evaluation set (the jetson-inference sample photos, frames of the two demo videos and a
few hand and body photos of the mmpose fixtures that are not evaluated), so they are pre-processed
exactly as at run time, for each stage of a two-stage network too.  The compute layers that produce
the network's outputs (the heads) stay in float.  The result is an OpenVINO IR (``openvino``) or a
QDQ ONNX file (``onnxruntime``), installed beside the model files with a ``.sha256`` file and a
``.provenance.json`` (source file and its sha256, calibration set, library versions, and whether the
weights reproduce the reference build of ``variants.json``: same versions and machine give the
same bytes).  The images come from the shared data folder (``$JETSON_POSE_SHARED/data``, default
``../shared/data`` beside the repository).  Needs NNCF: ``pip install 'jetson_pose_ros[int8]'``.
"""
from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import logging
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..core.checksums import sha256sum
from ..core.errors import ModelError
from ..core.registry import get_network
from ..posenet import PoseNet
from ..runtime import variants
from ..runtime.variants import require_nncf
from ..runtime.model_files import resolve_files

LOG = logging.getLogger("jetson_pose_ros")
# not in any evaluation set (coco_val2017_dev, onehand10k, freihand, panoptic)
PHOTO_DIRS = ("jetson_inference/images", "mmpose_tests_data/interhand2.6m", "mmpose_tests_data/rhd",
              "mmpose_tests_data/crowdpose", "mmpose_tests_data/aic", "mmpose_tests_data/mhp",
              "mmpose_tests_data/jhmdb")
VIDEOS = (("video/sports2d_demo.mp4", 10), ("video/mmpose_demo.mp4", 1))   # (file, every n-th frame)
HEAD_OPS = {"Conv", "ConvTranspose", "Gemm", "MatMul",                       # ONNX
            "Convolution", "GroupConvolution", "ConvolutionBackpropData"}      # OpenVINO
MAX_FEEDS = 300   # calibration inputs per model file


def shared_data() -> Path:
    """The shared data folder that holds the calibration images."""
    env = os.environ.get("JETSON_POSE_SHARED")
    root = Path(env).expanduser() if env else Path(__file__).resolve().parents[3].parent / "shared"
    return root / "data"


def calibration_images(data: Path | None = None) -> list[np.ndarray]:
    data = data or shared_data()
    images = []
    for d in PHOTO_DIRS:
        for p in sorted((data / d).glob("*")):
            if p.suffix.lower() in (".jpg", ".jpeg", ".png"):
                img = cv2.imread(str(p), cv2.IMREAD_COLOR)
                if img is not None:
                    images.append(img)
    for name, step in VIDEOS:
        cap = cv2.VideoCapture(str(data / name))
        i = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if i % step == 0:
                images.append(frame)
            i += 1
        cap.release()
    return images


class Recorder:
    """Wraps a backend and keeps a copy of every input it is fed."""

    def __init__(self, backend):
        self.backend, self.feeds = backend, []

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def run(self, feeds, outputs=None):
        self.feeds.append({k: np.array(v) for k, v in feeds.items()})
        return self.backend.run(feeds, outputs)


def record_feeds(network: str, images: list[np.ndarray], progress: bool | None = None,
                 max_feeds: int = MAX_FEEDS) -> dict[str, list[dict]]:
    """{model file name: [feeds]} from PoseNet.process (ONNX Runtime f32) on the calibration images."""
    net = PoseNet(network, backend="onnxruntime", precision="f32")
    recorders = {}
    for attr, value in list(vars(net.model).items()):
        if hasattr(value, "run") and hasattr(value, "path"):
            recorders[attr] = Recorder(value)
            setattr(net.model, attr, recorders[attr])
    for img in tqdm(images, desc=f"int8 {network}: calibration inputs", unit="image", disable=_no_bar(progress)):
        net.process(img.copy(), overlay=None)
        for r in recorders.values():
            del r.feeds[max_feeds:]
    return {r.backend.path.name: r.feeds for r in recorders.values()}


def head_nodes(outputs) -> list[str]:
    """Names of the compute nodes nearest to each output (walking back through reshapes,
    activations and concatenations).  ``outputs``: the output tensors' producers as
    ``(name, op_type, [producers of its inputs])`` nodes, from ``onnx_outputs``/``ov_outputs``."""
    heads, seen, stack = [], set(), list(outputs)
    while stack:
        node = stack.pop()
        if node is None or node[0] in seen:
            continue
        seen.add(node[0])
        if node[1] in HEAD_OPS:
            heads.append(node[0])
        else:
            stack.extend(node[2]())
    return heads


def onnx_outputs(model):
    producer = {o: n for n in model.graph.node for o in n.output}

    def wrap(n):
        return None if n is None else (n.name, n.op_type, lambda: [wrap(producer.get(i)) for i in n.input])
    return [wrap(producer.get(o.name)) for o in model.graph.output]


def ov_outputs(model):
    def wrap(n):
        if n.get_type_name() in ("Constant", "Parameter"):
            return None
        return (n.get_friendly_name(), n.get_type_name(), lambda: [wrap(v.get_node()) for v in n.input_values()])
    return [wrap(r.input_value(0).get_node()) for r in model.get_results()]


def quantize(source: Path, feeds: list[dict], backend: str, ignore: list[str] | None = None,
             keep_heads: bool = True):
    """NNCF post-training quantization of ``source`` for ``backend``: an ``ov.Model``
    (openvino) or an ``onnx.ModelProto`` with QDQ nodes (onnxruntime).  ``ignore``: regular
    expressions of node names kept in float (layers found too sensitive)."""
    import nncf

    if backend == "openvino":
        import openvino as ov
        model = ov.Core().read_model(str(source))
        names, heads = [i.get_any_name() for i in model.inputs], head_nodes(ov_outputs(model))
    else:
        import onnx
        model = onnx.load(str(source))
        names, heads = [i.name for i in model.graph.input], head_nodes(onnx_outputs(model))
    scope = nncf.IgnoredScope(names=heads if keep_heads else [], patterns=list(ignore or []), validate=False)
    data = nncf.Dataset(feeds, lambda f: {n: f[n] for n in names})
    return nncf.quantize(model, data, preset=nncf.QuantizationPreset.MIXED, subset_size=len(feeds),
                         fast_bias_correction=True, ignored_scope=scope)


def save(model, target: Path, backend: str) -> list[Path]:
    """Write the quantized model to ``target`` (+ ``.bin`` for an IR): into a temporary folder
    beside it, then moved into place, weights first, so a reader never sees half a model."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".int8-") as tmp:
        t = Path(tmp) / target.name
        if backend == "openvino":
            import openvino as ov
            ov.save_model(model, str(t), compress_to_fp16=False)
            written = [t.with_suffix(".bin"), t]
        else:
            import onnx
            onnx.save(model, str(t))
            written = [t]
        for f in written:
            os.replace(f, target.parent / f.name)
    return [target.parent / f.name for f in reversed(written)]


def _versions(backend: str) -> dict:
    names = ["nncf", "openvino" if backend == "openvino" else "onnx", "onnxruntime", "numpy",
             "opencv-python-headless"]
    out = {}
    for n in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[n] = metadata.version(n)
    return out


def _no_bar(progress: bool | None) -> bool | None:
    # tqdm: disable=None hides the bar where stderr is not a terminal
    return None if progress is None else not progress


@contextlib.contextmanager
def _build_lock(folder: Path):
    """One build at a time per model folder (another process waits, then finds the files)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".int8-build.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


_feeds_cache: dict = {}   # the last network's recorded inputs (its other backend reuses them)


def build(network: str, backend: str, targets: dict[Path, Path], progress: bool | None = None,
          ignore: dict[str, list[str]] | None = None, keep_heads: bool = True,
          max_feeds: int = MAX_FEEDS) -> dict[Path, str]:
    """Quantize the fp32 files ``targets`` (source -> int8 file to write) of ``network`` for ``backend``,
    writing each with its ``.sha256`` and ``.provenance.json``; returns {int8 file: weights sha256}."""

    require_nncf(f"the int8 variant of {network} for {backend}")
    data = shared_data()
    key = (network, str(data), max_feeds)
    if _feeds_cache.get("key") != key:
        _feeds_cache.clear()
        images = calibration_images(data)
        if not images:
            raise ModelError(f"network '{network}': building its int8 variant needs the calibration images in "
                             f"{data} (jetson_inference/images, video/ ...), which are not there: set "
                             f"JETSON_POSE_SHARED to the folder that holds data/")
        _feeds_cache.update(key=key, feeds=record_feeds(network, images, progress, max_feeds), images=len(images))
    feeds, n_images = _feeds_cache["feeds"], _feeds_cache["images"]

    import nncf
    nncf.set_log_level(logging.ERROR)   # NNCF's own progress bars and notes off: ours below
    out = {}
    bar = tqdm(list(targets.items()), desc=f"int8 {network}: quantizing for {backend}", unit="file",
               disable=_no_bar(progress))
    for src, target in bar:
        rec = feeds.get(src.name, [])
        if not rec:
            raise ModelError(f"network '{network}': no calibration input reached {src.name}; cannot build "
                             f"its int8 variant")
        q = quantize(src, rec, backend, (ignore or {}).get(src.name), keep_heads)
        written = save(q, target, backend)
        digests = {f.name: sha256sum(f) for f in written}
        weights = digests[written[-1].name]   # the weights: an IR's .bin (its .xml's node names vary)
        ref = (variants.int8_entry(src.name, backend) or {}).get("sha256")
        target.with_name(target.name + ".provenance.json").write_text(json.dumps({
            "source": src.name, "source_sha256": sha256sum(src), "backend": backend, "network": network,
            "made_by": "jetson_pose_ros.optimize.int8_build (NNCF post-training quantization, preset MIXED, "
                       f"heads kept in float: {keep_heads})",
            "calibration": {"data": str(data), "images": n_images, "inputs": len(rec),
                            "photo_dirs": list(PHOTO_DIRS), "videos": [list(v) for v in VIDEOS]},
            "versions": _versions(backend), "files": digests, "weights_sha256": weights,
            "reference_sha256": ref, "reproduces_reference": ref == weights if ref else None,
            "made": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }, indent=1) + "\n")
        # the sidecar last: int8_file checks the files against it
        target.with_name(target.name + ".sha256").write_text("".join(f"{d}  {n}\n" for n, d in digests.items()))
        same = ("reproduces the reference build" if ref == weights else
                f"differs from the reference build {ref[:12]}... (other library versions or CPU)" if ref
                else "no reference build recorded")
        msg = (f"int8 {network} {backend}: {src.name} -> {target} ({len(rec)} calibration inputs from "
               f"{n_images} images; weights sha256 {weights[:12]}..., {same})")
        LOG.info(msg)
        if not bar.disable:
            bar.write(msg)
        out[target] = weights
    return out


def ensure(source: Path, backend: str, progress: bool | None = None) -> None:
    """Build the int8 variants of every shipped file of ``source``'s network for ``backend`` that are
    not installed yet (``source`` first), into the model directory; called by ``variants.int8_file``."""
    e = variants.int8_entry(source.name, backend)
    network = e["network"]
    require_nncf(f"the int8 variant of {source.name} for {backend}")
    want = variants._variants()["int8"][source.name].get("source_sha256")
    if want and sha256sum(source) != want:
        raise ModelError(f"{source} is not the registry's {source.name} (sha256 differs): int8 variants are made "
                         f"from the registry's files only (run a model quantized elsewhere with --model FILE "
                         f"--precision f32)")
    target_dir = variants.int8_target(source.name, backend).parent
    with _build_lock(target_dir):
        files = {source.name: source}
        for f in resolve_files(get_network(network)).values():
            files.setdefault(f.name, f)
        todo = {}
        for name, src in files.items():
            v = variants.int8_entry(name, backend)
            if v and v.get("shipped") and not variants.installed(src, backend):
                todo[src] = variants.int8_target(name, backend)
        if not todo:
            return
        LOG.warning("building the int8 variant%s of %s for %s on first use (NNCF; a minute or more; cached in %s)",
                    "s" if len(todo) > 1 else "", ", ".join(s.name for s in todo), backend, target_dir)
        ignore = {s.name: variants._variants()["int8"].get(s.name, {}).get("ignore") for s in todo}
        build(network, backend, todo, progress, ignore)


def main(argv=None) -> int:
    """``python -m jetson_pose_ros.optimize.int8_build SOURCE BACKEND``: run by ``runtime/variants.py``
    on first use of an int8 variant; progress and warnings on stderr, a failure as one line on stdout
    (for the parent, which raises it) and exit status 2."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m jetson_pose_ros.optimize.int8_build SOURCE BACKEND", file=sys.stderr)
        return 2
    try:
        ensure(Path(args[0]), args[1])
    except ModelError as exc:
        print(exc)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
